// Drives the web view in a real browser: a simulated failback started with `run --web` (the built
// CLI), and headless Chromium from Debian's packages through playwright-core. Shared by the browser
// tests and `npm run screenshots`.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const ROOT = new URL('../../', import.meta.url).pathname;

/** Headless Chromium; fails (never skips) when it is not installed. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} not found: install it with \`apt-get update && apt-get install -y chromium\``,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
}

export interface WebRun {
  /** The URL printed by the CLI, token included. */
  url: string;
  /** The URL without its token. */
  base: string;
  token: string;
  stateDir: string;
  /** Ends the process (SIGINT: the view stays up after the run until then) and waits for it. */
  stop(): Promise<number | null>;
  output(): string;
}

/** Starts `run examples/three-wave --simulate --speed N --web` in a temporary state directory. */
export function startWebRun(
  speed: number,
  stateDir = mkdtempSync(join(tmpdir(), 'drs-web-')),
): Promise<WebRun> {
  const proc: ChildProcess = spawn(
    process.execPath,
    [
      join(ROOT, 'bin/drs-failback.js'),
      'run',
      join(ROOT, 'examples/three-wave/plan.yaml'),
      '--simulate',
      join(ROOT, 'examples/three-wave/scenario.yaml'),
      '--speed',
      String(speed),
      '--web',
      '--state-dir',
      stateDir,
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
  );
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return new Promise<WebRun>((resolve, reject) => {
    let err = '';
    proc.once('exit', (code) =>
      reject(new Error(`drs-failback exited (${code}) before serving:\n${err}${out}`)),
    );
    proc.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      const match = /live view: (http:\/\/\S+)/.exec(err);
      if (match?.[1] === undefined) return;
      const url = match[1];
      const parsed = new URL(url);
      resolve({
        url,
        base: parsed.origin,
        token: parsed.searchParams.get('token') ?? '',
        stateDir,
        output: () => out + err,
        stop: () => {
          if (proc.exitCode === null) proc.kill('SIGINT');
          // A run that will not stop is killed: the tests must not leave processes behind.
          const kill = setTimeout(() => proc.kill('SIGKILL'), 15_000);
          return exited.finally(() => clearTimeout(kill));
        },
      });
    });
  });
}
