// A run kept in the state directory: the run uses the store, never the other way round.
import type { StoredRun } from '../store/run-store.js';
import { type CreateRunOptions, createFailbackRun, type FailbackRun } from './index.js';

/**
 * Creates the run with the folder's plan, id and snapshot hook, and attaches the event log.
 * Pass `snapshot` (and the log as `history`) to resume.
 */
export function createStoredRun(
  stored: StoredRun,
  options: Omit<CreateRunOptions, 'plan' | 'runId' | 'onSnapshot'>,
): FailbackRun {
  const run = createFailbackRun({
    ...options,
    plan: stored.plan(),
    runId: stored.runId,
    onSnapshot: stored.saveSnapshot,
  });
  stored.attach(run);
  return run;
}
