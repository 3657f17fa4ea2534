// The streams a command talks through, injected so commands are library calls and tests can
// capture output. `process` is only read in `processIO()`.
import type { Readable, Writable } from 'node:stream';
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

/** Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function useColor(io: CliIO, stream: 'stdout' | 'stderr' = 'stdout'): boolean {
  const noColor = io.env.NO_COLOR;
  return io[stream].isTTY === true && (noColor === undefined || noColor === '');
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

const wrap =
  (open: number, close: number): Paint =>
  (text) =>
    `\u001b[${open}m${text}\u001b[${close}m`;
const plain: Paint = (text) => text;

export function palette(color: boolean): Palette {
  if (!color) return { bold: plain, dim: plain, red: plain, green: plain, yellow: plain, cyan: plain };
  return {
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    cyan: wrap(36, 39),
  };
}

/** Every line a command prints goes through here: control characters not the palette's are escaped. */
export function writeLine(stream: Writable, line = ''): void {
  stream.write(`${safeOutput(line)}\n`);
}
