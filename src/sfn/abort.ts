// `drs-failback abort` (and `backout`) of a run on Step Functions. The abort is recorded in the
// run's record and travels as the machine's own ABORT event, so the wave does what it does in the
// CLI: before its point of no return it ends `aborted` (nothing changed); past it, it backs out
// (StopFailback, the DR side keeps serving) and never stops half-way. A wave waiting for a person
// hears it at once (its approval Task is answered with ABORT); any other wave at its next step,
// after the Wait or activity it is in (at most one poll interval, or an activity's 5 minutes).
// A point-of-no-return call not yet sent is refused by the actor Lambda once the abort is recorded.
// StopExecution is never used: it would end the execution where it stands, mid-failback.
import { isAllowedApprover } from '../run/approvals.js';
import { abortPendingApprovals, NotAnApproverError, pendingApprovers } from './approvals.js';
import { readEvents } from './event-log.js';
import { type AbortRecord, readRun, requestAbort, SfnRunNotFoundError } from './runs.js';
import { currentExecution, type SfnDeps, type SfnWaveState, waveStates } from './status.js';

export class SfnRunFinishedError extends Error {
  override name = 'RunFinishedError';
}

export interface SfnAbort {
  runId: string;
  abort: AbortRecord;
  /** Waves whose pending approval was answered with ABORT now. */
  answeredApprovals: string[];
  /** The waves that had not ended when the abort was recorded: what each will do. */
  waves: (SfnWaveState & { will: 'abort' | 'back out' })[];
}

export async function abortSfnRun(
  deps: SfnDeps,
  options: { runId: string; principal: string; reason?: string },
): Promise<SfnAbort> {
  const { runId } = options;
  const run = await readRun(deps, runId);
  if (!run) throw new SfnRunNotFoundError(`no run ${runId} in table ${deps.table}`);
  // The plan's approvers decide for the run as they do for its approvals: the plan the run was
  // started with, else (an execution started by hand) what its pending approvals carry.
  const approvers = run.planDocument?.approvers ?? (await pendingApprovers(deps, runId));
  if (!isAllowedApprover(approvers, options.principal)) {
    throw new NotAnApproverError(
      `${options.principal} is not one of the plan's approvers (${(approvers ?? []).join(', ')}): ` +
        `only they may abort run ${runId}; nothing was recorded or sent`,
    );
  }
  const { execution, output } = await currentExecution(deps, run);
  if (execution.status !== 'RUNNING') {
    const ended = output ? `ended ${output.outcome}` : `execution ${execution.status ?? 'UNKNOWN'}`;
    throw new SfnRunFinishedError(`run ${runId} is not running (${ended}): nothing to abort`);
  }
  const abort = await requestAbort(deps, runId, {
    by: options.principal,
    ...(options.reason !== undefined ? { reason: options.reason } : {}),
  });
  const answeredApprovals = await abortPendingApprovals(deps, { runId, ...abort });
  const waves = waveStates(await readEvents(deps, runId))
    .filter((w) => !w.final)
    .map((w) => ({ ...w, will: w.pastPointOfNoReturn ? ('back out' as const) : ('abort' as const) }));
  return { runId, abort, answeredApprovals, waves };
}
