// `--web`: starts the live view and prints its URL (with the access token) on stderr.
import type { FailbackRun } from '../run.js';
import type { StoredRun } from '../store/run-store.js';
import { isLoopback, serveDrivenRun, serveStoredRun, type WebServer } from '../web/index.js';
import { type CliIO, writeLine } from './io.js';
import type { WebOptions } from './options.js';

function announce(server: WebServer, options: WebOptions, io: CliIO, what: string): WebServer {
  if (options.host !== undefined && !isLoopback(options.host)) {
    writeLine(
      io.stderr,
      `warning: the live view is served on ${options.host}, not only on this machine: anyone who can reach it ` +
        'and learns the URL can see the run' +
        (what === 'run' ? ' and answer its approvals.' : '.'),
    );
  }
  writeLine(io.stderr, `live view: ${server.url}`);
  return server;
}

export async function openWebView(
  failback: FailbackRun,
  stored: StoredRun,
  options: WebOptions,
  io: CliIO,
): Promise<WebServer> {
  return announce(await serveDrivenRun(failback, stored, options), options, io, 'run');
}

export async function openWatchView(stored: StoredRun, options: WebOptions, io: CliIO): Promise<WebServer> {
  return announce(await serveStoredRun(stored, options), options, io, 'watch');
}

/** After the run: the view stays up (outcome, report) until Ctrl-C or SIGTERM. */
export function keepServing(
  io: CliIO,
  signals: Pick<NodeJS.EventEmitter, 'on' | 'off'> = process,
): Promise<void> {
  writeLine(
    io.stderr,
    'The run has ended; the live view stays up with its outcome and report. Ctrl-C ends it.',
  );
  return new Promise<void>((resolve) => {
    const done = () => {
      signals.off('SIGINT', done);
      signals.off('SIGTERM', done);
      resolve();
    };
    signals.on('SIGINT', done);
    signals.on('SIGTERM', done);
  });
}
