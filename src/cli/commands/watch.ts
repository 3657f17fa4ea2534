// `drs-failback watch <run-id> --web`: a read-only live view of a run in the state directory,
// driven by another process or finished. It reads the run's event log; approvals are given where
// the run is driven. Serves until Ctrl-C.
import type { CliIO } from '../io.js';
import type { WatchOptions } from '../options.js';
import { openStore } from '../run-state.js';

export async function watch(
  options: WatchOptions,
  io: CliIO,
  signals?: Pick<NodeJS.EventEmitter, 'on' | 'off'>,
): Promise<void> {
  const stored = openStore(options.stateDir).open(options.runId);
  try {
    const { serveWatchView } = await import('../web.js');
    await serveWatchView(stored, options.web, io, signals);
  } finally {
    stored.close();
  }
}
