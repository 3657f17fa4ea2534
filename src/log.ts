import { createRequire } from 'node:module';
import { pino } from 'pino';
import type PinoPretty from 'pino-pretty';

// pino-pretty (and its dependencies) load only when a pretty logger is asked for: a terminal
// CLI. createLogger stays synchronous; pino-pretty is CommonJS, so require() loads it.
const requireCjs = createRequire(import.meta.url);
const loadPinoPretty = (): typeof PinoPretty => requireCjs('pino-pretty') as typeof PinoPretty;

export type Logger = pino.Logger;
export type LogLevel = pino.LevelWithSilent;

/**
 * Paths pino masks wherever credentials might end up: a client config logged by mistake,
 * an error carrying request headers, a nested SDK credential object.
 */
export const REDACT_PATHS: readonly string[] = [
  'accessKeyId',
  'secretAccessKey',
  'sessionToken',
  '*.accessKeyId',
  '*.secretAccessKey',
  '*.sessionToken',
  '*.*.secretAccessKey',
  'credentials',
  '*.credentials',
  'authorization',
  '*.headers.authorization',
  'password',
  '*.password',
];

export const REDACT_CENSOR = '[redacted]';

export interface LoggerOptions {
  /** Default `info`. */
  level?: LogLevel;
  /** A stream, or a file path (written synchronously so nothing is lost at exit). Default: stderr. */
  destination?: pino.DestinationStream | string;
  /** Human-readable lines (pino-pretty); meant for a terminal only. */
  pretty?: boolean;
}

/** The one logger root of the process; runs, waves and servers get children of it. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const { level = 'info', destination, pretty = false } = options;
  // stderr by default: stdout carries the `--json` event stream.
  const target: pino.DestinationStream =
    destination === undefined
      ? pino.destination({ dest: 2, sync: true })
      : typeof destination === 'string'
        ? pino.destination({ dest: destination, sync: true, mkdir: true })
        : destination;
  const stream = pretty
    ? loadPinoPretty()({
        destination: target,
        colorize: destination === undefined && process.stderr.isTTY === true,
        sync: true,
      })
    : target;
  return pino(
    {
      level,
      base: { name: 'drs-failback' },
      redact: { paths: [...REDACT_PATHS], censor: REDACT_CENSOR },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    stream,
  );
}

export function runLogger(root: Logger, runId: string): Logger {
  return root.child({ runId });
}

export function waveLogger(runLog: Logger, wave: string): Logger {
  return runLog.child({ wave });
}

export function serverLogger(waveLog: Logger, sourceServerID: string): Logger {
  return waveLog.child({ server: sourceServerID });
}
