// Keys typed while no question is open must never answer the next one. Node has no tcflush, so
// while a guided run goes the terminal is kept in raw mode and read continuously: what arrives
// with no prompt open is dropped (a stray `y` 20 minutes before a point of no return stays a
// stray `y`). Opening a prompt first lets one full turn of the event loop pass, so bytes already
// pending on the terminal are read and dropped before the prompt listens. Raw mode turns Ctrl-C
// into a byte: it is handed to `onInterrupt`, as the signal would have been.
import type { Readable } from 'node:stream';

type TerminalInput = Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };

export interface TypeAheadGuard {
  /** Drops what is pending, then lets input through to the prompt; returns the keys dropped so far. */
  openPrompt(): Promise<number>;
  /** The prompt closed: drop input again. */
  closePrompt(): void;
  /** The run ended: the terminal back to how it was. */
  stop(): void;
}

const CTRL_C = 0x03;

/** One full turn of the event loop (its poll phase reads what the terminal has pending). */
const oneTurn = (): Promise<void> =>
  new Promise((resolve) => setImmediate(() => setImmediate(() => resolve())));

export function guardTypeAhead(input: TerminalInput, onInterrupt: () => void): TypeAheadGuard {
  let promptOpen = false;
  let dropped = 0;
  let stopped = false;
  const raw = (on: boolean) => {
    if (input.isTTY === true && typeof input.setRawMode === 'function') input.setRawMode(on);
  };
  const onData = (chunk: Buffer | string) => {
    if (promptOpen) return;
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (bytes.includes(CTRL_C)) onInterrupt();
    dropped += bytes.filter((b) => b !== CTRL_C).length;
  };
  const listen = () => {
    raw(true);
    input.resume();
  };
  input.on('data', onData);
  listen();
  return {
    async openPrompt() {
      await oneTurn();
      promptOpen = true;
      const count = dropped;
      dropped = 0;
      return count;
    },
    closePrompt() {
      promptOpen = false;
      // The prompt left raw mode and paused the stream when it closed.
      if (!stopped) listen();
    },
    stop() {
      if (stopped) return;
      stopped = true;
      input.off('data', onData);
      raw(false);
      input.pause();
    },
  };
}
