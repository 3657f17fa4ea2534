// `--web`: starts the live view and prints its URL (with the access token) on stderr. The web
// server (hono) is imported only here, and this module only by the commands that serve a view.
import type { StoredRun } from '../store/run-store.js';
import { isLoopback, serveDrivenRun, serveStoredRun, type WebServer } from '../web/index.js';
import { type DriveSession, driveRun, type RunDeps, type RunSummary } from './drive.js';
import { type CliIO, writeLine } from './io.js';
import type { WebOptions } from './options.js';

function announce(server: WebServer, options: WebOptions, io: CliIO, what: 'run' | 'watch'): WebServer {
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

/**
 * Drives the run with its live view (`run --web`, `resume --web`): the page offers the approvals
 * the terminal offers (first answer wins); without a terminal the run waits for the page's answer.
 * After the run the view stays up with the outcome and the report until Ctrl-C, unless the run
 * was left paused by Ctrl-C.
 */
export async function driveWithWebView(
  session: DriveSession,
  options: WebOptions,
  io: CliIO,
  deps: RunDeps = {},
): Promise<RunSummary> {
  const server = announce(
    await serveDrivenRun(session.failback, session.stored, () => session.aws.clock.now(), options),
    options,
    io,
    'run',
  );
  try {
    const summary = await driveRun({ ...session, web: true }, io, deps);
    if (summary.end !== 'interrupted') await keepServing(io, deps.signals);
    return summary;
  } finally {
    await server.close();
  }
}

/** `watch <run-id> --web`: the read-only view of a stored run, until Ctrl-C. */
export async function serveWatchView(
  stored: StoredRun,
  options: WebOptions,
  io: CliIO,
  signals?: Pick<NodeJS.EventEmitter, 'on' | 'off'>,
): Promise<void> {
  const server = announce(await serveStoredRun(stored, options), options, io, 'watch');
  try {
    await waitForSignal(signals);
  } finally {
    await server.close();
  }
}

/** After the run: the view stays up (outcome, report) until Ctrl-C or SIGTERM. */
export function keepServing(io: CliIO, signals?: Pick<NodeJS.EventEmitter, 'on' | 'off'>): Promise<void> {
  writeLine(
    io.stderr,
    'The run has ended; the live view stays up with its outcome and report. Ctrl-C ends it.',
  );
  return waitForSignal(signals);
}

function waitForSignal(signals: Pick<NodeJS.EventEmitter, 'on' | 'off'> = process): Promise<void> {
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
