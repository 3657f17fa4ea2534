// `drs-failback watch <run-id> --web`: a read-only live view of a run in the state directory,
// driven by another process or finished. It reads the run's event log; approvals are given where
// the run is driven. Serves until Ctrl-C.
import type { CliIO } from '../io.js';
import type { WatchOptions } from '../options.js';
import { openStore } from '../run-state.js';
import { openWatchView } from '../web.js';

export async function watch(options: WatchOptions, io: CliIO): Promise<void> {
  const stored = openStore(options.stateDir).open(options.runId);
  const server = await openWatchView(stored, options.web, io);
  try {
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
  } finally {
    await server.close();
    stored.close();
  }
}
