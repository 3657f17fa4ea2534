// Leaving a run paused after its point of no return. The state is on disk already (a snapshot
// after every step, every event in the log); pausing only stops driving it here. The locks stay:
// nothing else touches its servers until `resume` (which takes over the locks of this process
// once it is gone) or `backout`.
import type { FailbackRun } from '../run.js';
import type { StoredRun } from '../store/run-store.js';
import { DEFAULT_STATE_DIR } from './options.js';

export interface PausedRun {
  runId: string;
  /** The run's folder in the state directory. */
  path: string;
  /** The command that continues it. */
  resumeCommand: string;
}

const shellWord = (text: string): string =>
  /^[\w./:@%+=-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;

export function resumeCommand(runId: string, stateDir: string): string {
  return `drs-failback resume ${runId}${stateDir === DEFAULT_STATE_DIR ? '' : ` --state-dir ${shellWord(stateDir)}`}`;
}

/** Stops the run's actor (a stopped snapshot is never persisted) and closes its event log. */
export function pauseRun(run: FailbackRun, stored: StoredRun): PausedRun {
  run.actor.stop();
  stored.close();
  return { runId: run.id, path: stored.dir, resumeCommand: resumeCommand(run.id, stored.store.stateDir) };
}
