// The streams a command talks through, injected so commands are library calls and tests can
// capture output. `process` is only read in `processIO()`.
import type { Readable, Writable } from 'node:stream';
import { styleText } from 'node:util';
import { safeOutput } from '../text/safe.js';

export interface CliIO {
  stdin: Readable & { isTTY?: boolean };
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  env: Readonly<Record<string, string | undefined>>;
}

const ignoreClosedPipe = (): void => {};

export function processIO(): CliIO {
  // A closed pipe (`run --json | head`) must never stop a failback half-way: once the reader is
  // gone, output is dropped and the run goes on to its end and its exit code.
  for (const stream of [process.stdout, process.stderr]) {
    if (!stream.listeners('error').includes(ignoreClosedPipe)) stream.on('error', ignoreClosedPipe);
  }
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env };
}

/**
 * Whether to colour `stream`: FORCE_COLOR (other than `0`/`false`) forces it and wins over the rest,
 * as in Node itself; then NO_COLOR (https://no-color.org) and TERM=dumb turn it off; else only on
 * a terminal.
 */
export function useColor(io: CliIO, stream: 'stdout' | 'stderr' = 'stdout'): boolean {
  const force = io.env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false';
  const noColor = io.env.NO_COLOR;
  if (noColor !== undefined && noColor !== '') return false;
  if (io.env.TERM === 'dumb') return false;
  return io[stream].isTTY === true;
}

/** Guided mode needs a person at a terminal on both ends. */
export function isInteractive(io: CliIO): boolean {
  return io.stdin.isTTY === true && io.stdout.isTTY === true;
}

export type Paint = (text: string) => string;
export interface Palette {
  bold: Paint;
  dim: Paint;
  red: Paint;
  green: Paint;
  yellow: Paint;
  cyan: Paint;
}

const plain: Paint = (text) => text;
// Whether to colour is decided above, so styleText must not second-guess it from process.stdout.
const paint =
  (format: Parameters<typeof styleText>[0]): Paint =>
  (text) =>
    styleText(format, text, { validateStream: false });

export function palette(color: boolean): Palette {
  if (!color) return { bold: plain, dim: plain, red: plain, green: plain, yellow: plain, cyan: plain };
  return {
    bold: paint('bold'),
    dim: paint('dim'),
    red: paint('red'),
    green: paint('green'),
    yellow: paint('yellow'),
    cyan: paint('cyan'),
  };
}

/** Every line a command prints goes through here: control characters not the palette's are escaped. */
export function writeLine(stream: Writable, line = ''): void {
  stream.write(`${safeOutput(line)}\n`);
}
