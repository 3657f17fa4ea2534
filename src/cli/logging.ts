// The CLI's logger root: stderr (or --log-file), never stdout, which may carry the event stream.
import { createLogger, type Logger } from '../log.js';
import type { CliIO } from './io.js';
import type { CommonOptions } from './options.js';

export function createCliLogger(options: CommonOptions, io: CliIO): Logger {
  // On the terminal the live view speaks; logs only say what needs attention unless asked.
  const level =
    options.logLevel ?? (options.logFile !== undefined ? 'info' : options.json ? 'warn' : 'error');
  if (options.logFile !== undefined) return createLogger({ level, destination: options.logFile });
  return createLogger({ level, pretty: !options.json && io.stderr.isTTY === true });
}
