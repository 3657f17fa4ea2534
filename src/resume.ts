// Continues an interrupted run from its state directory: the plan as it was at start, the
// newest snapshot, the same locks. Deadlines are absolute in the snapshot, so a run resumed
// after its RTO passed backs out (or aborts before its point of no return) on the first WAKE.
import type { Logger } from 'pino';
import type { FailbackActivities, ProbeRunner, WriteControl } from './actors/types.js';
import type { AwsClients } from './aws/clients.js';
import { isMutating } from './aws/operations.js';
import type { BeforeSend } from './aws/stop-gate.js';
import type { Clock } from './clock.js';
import type { RunEvent } from './events.js';
import type { FailbackRun, RunIdentity } from './run/index.js';
import { createStoredRun } from './run/stored.js';
import { ResumeRefusedError, RunFinishedError } from './store/errors.js';
import { RunStore, type RunStoreOptions } from './store/run-store.js';

export interface ResumeOptions {
  runId: string;
  /** Default `.drs-failback`. Ignored when `store` is given. */
  stateDir?: string;
  /** An open state directory (embedders that hold one already, tests). */
  store?: RunStore;
  /** Lock identity and liveness check, when `store` is not given. */
  storeOptions?: Omit<RunStoreOptions, 'stateDir'>;
  clients: AwsClients;
  clock?: Clock;
  log?: Logger;
  probes?: ProbeRunner;
  writes?: WriteControl;
  simulated?: boolean;
  /** Who the resumed run acts as, recorded in its new `run.started`. */
  identity?: RunIdentity;
  activities?: Partial<FailbackActivities>;
  notificationDrainMs?: number;
  /** Looks at every AWS call before it is sent (the CLI's stop gate). */
  beforeSend?: BeforeSend;
}

/**
 * Opens the run, refuses one that already finished, takes its locks back (a lock of the run's
 * dead process is taken over; a live one refuses with RunLockedError), restores the snapshot
 * and re-attaches the event log. The returned run is not started: call `start()`, which sends
 * WAKE so every wait ends and AWS is read again.
 */
export async function resumeRun(options: ResumeOptions): Promise<FailbackRun> {
  const store =
    options.store ??
    new RunStore({
      ...options.storeOptions,
      ...(options.stateDir !== undefined ? { stateDir: options.stateDir } : {}),
    });
  const stored = store.open(options.runId);
  const outcome = stored.finishedOutcome();
  if (outcome !== null) throw new RunFinishedError(options.runId, outcome);
  // A snapshot that is `done` without `run.finished` in the log: the process died while the
  // last notifications drained. Resuming it only finishes the bookkeeping (run.finished, locks).
  const snapshot = stored.loadSnapshot();
  const history = stored.readEvents();
  if (snapshot === undefined) refuseRestartAfterProgress(options.runId, stored.snapshotPath, history);
  stored.lock();
  try {
    return createStoredRun(stored, {
      clients: options.clients,
      // The log always: the stream's seq continues it, also for a run that never saved a snapshot.
      history,
      ...(snapshot !== undefined ? { snapshot } : {}),
      ...(options.clock !== undefined ? { clock: options.clock } : {}),
      ...(options.log !== undefined ? { log: options.log } : {}),
      ...(options.probes !== undefined ? { probes: options.probes } : {}),
      ...(options.writes !== undefined ? { writes: options.writes } : {}),
      ...(options.simulated !== undefined ? { simulated: options.simulated } : {}),
      ...(options.identity !== undefined ? { identity: options.identity } : {}),
      ...(options.activities !== undefined ? { activities: options.activities } : {}),
      ...(options.beforeSend !== undefined ? { beforeSend: options.beforeSend } : {}),
      ...(options.notificationDrainMs !== undefined
        ? { notificationDrainMs: options.notificationDrainMs }
        : {}),
    });
  } catch (error) {
    stored.rollbackLocks();
    throw error;
  }
}

/**
 * No snapshot means "died before its first step" only when the log agrees. When the log shows a
 * call that may have changed AWS, starting over would precheck the run's own launched servers,
 * fail, and release the locks while its jobs run: refused, with what the log shows was sent.
 */
export function refuseRestartAfterProgress(
  runId: string,
  snapshotFile: string,
  history: readonly RunEvent[],
): void {
  const sent = history.filter(
    (e): e is Extract<RunEvent, { type: 'aws.request' }> =>
      e.type === 'aws.request' && isMutating(e.operation),
  );
  if (sent.length === 0) return;
  const facts = sent.map((e) => `${e.at} ${e.operation} ${JSON.stringify(e.input)}`).join('; ');
  throw new ResumeRefusedError(
    `run ${runId} cannot be resumed: ${snapshotFile} is missing, and its event log shows ${sent.length} call(s) ` +
      `that may have changed AWS: ${facts}. Starting over could launch twice; a person must check those ` +
      'jobs in the DRS console (drs-failback report shows the log) before acting.',
  );
}
