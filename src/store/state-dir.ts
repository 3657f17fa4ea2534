// Where runs are kept when no --state-dir is given. Small on purpose: `--help` loads it.
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/**
 * The default state directory: `$DRS_FAILBACK_STATE_DIR`, else the XDG state directory
 * (`$XDG_STATE_HOME/drs-failback`, `~/.local/state/drs-failback` without it). Never the working
 * directory: the same runs whatever directory the command starts in.
 */
export function defaultStateDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const explicit = env.DRS_FAILBACK_STATE_DIR;
  if (explicit !== undefined && explicit !== '') return explicit;
  const xdg = env.XDG_STATE_HOME;
  // XDG: a relative XDG_STATE_HOME is invalid and ignored.
  const base =
    xdg !== undefined && xdg !== '' && isAbsolute(xdg) ? xdg : join(env.HOME || homedir(), '.local', 'state');
  return join(base, 'drs-failback');
}

/** `text` as one word of a shell command line, quoted only when it needs to be. */
export const shellWord = (text: string): string =>
  /^[\w./:@%+=-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;

/**
 * ` --state-dir <dir>` for a command printed as a next step, so it runs as printed; empty when
 * `stateDir` is the default one (the same environment finds it without the option).
 */
export function stateDirArgument(
  stateDir: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string {
  return stateDir === defaultStateDir(env) ? '' : ` --state-dir ${shellWord(stateDir)}`;
}
