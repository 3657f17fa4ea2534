// Leaving a run paused after its point of no return. The state is on disk already (a snapshot
// after every step, every event in the log); pausing only stops driving it here. The locks stay:
// nothing else touches its servers until `resume` (which takes over the locks of this process
// once it is gone) or `backout`.
import type { FailbackRun } from '../run.js';
import type { StoredRun } from '../store/run-store.js';
import { stateDirArgument } from '../store/state-dir.js';

export interface PausedRun {
  runId: string;
  /** The run's folder in the state directory. */
  path: string;
  /** The command that continues it. */
  resumeCommand: string;
}

export function resumeCommand(runId: string, stateDir: string): string {
  return `drs-failback resume ${runId}${stateDirArgument(stateDir)}`;
}

/** `drs-failback <command> <run-id>` with `--state-dir` when the run is not in the default one. */
export function runCommand(command: string, runId: string, stateDir: string): string {
  return `drs-failback ${command} ${runId}${stateDirArgument(stateDir)}`;
}

/** Stops the run's actor (a stopped snapshot is never persisted) and closes its event log. */
export function pauseRun(run: FailbackRun, stored: StoredRun): PausedRun {
  run.actor.stop();
  stored.close();
  return { runId: run.id, path: stored.dir, resumeCommand: resumeCommand(run.id, stored.store.stateDir) };
}
