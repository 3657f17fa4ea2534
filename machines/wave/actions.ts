// What the wave machine remembers, as pure updates of its context by name; setup.ts wraps
// each in `assign`. The poll bookkeeping comes from wait.ts, the same for every wait.
import type {
  AssessDrSideOutput,
  AwsFailure,
  CleanupOutput,
  FailureReason,
  MeasureDrainOutput,
  Outcome,
  PollJobsOutput,
  PrecheckOutput,
  QuiesceOutput,
  ReprotectOutput,
  RestoreRecoveryPointOutput,
  StartFailbackOutput,
  StopFailbackOutput,
  VerifyOutput,
} from '../types.js';
import type { AfterFailbackRecord, BackoutRecord, CutoverRecord, WaveContext } from './contract.js';
import { afterAttempt, freshWait } from './wait.js';

type Update = Partial<WaveContext>;

const emptyAfterFailback = (): AfterFailbackRecord => ({
  reprotected: [],
  terminated: [],
  cleanupJobIds: [],
  failures: [],
  skipped: [],
});

/** The backout record with `change` applied; null stays null (no backout began). */
const inBackout = (context: WaveContext, change: (b: BackoutRecord) => Partial<BackoutRecord>) =>
  context.backout && { ...context.backout, ...change(context.backout) };

const cutoverWith = (context: WaveContext, change: (r: CutoverRecord) => Partial<CutoverRecord>) => {
  const record = context.cutoverRecord ?? { quiesced: null, deadlineAt: null, servers: [], drainedAt: null };
  return { ...record, ...change(record) };
};

const afterFailbackWith = (
  context: WaveContext,
  change: (r: AfterFailbackRecord) => Partial<AfterFailbackRecord>,
) => {
  const record = context.afterFailbackRecord ?? emptyAfterFailback();
  return { ...record, ...change(record) };
};

export const waveUpdates = {
  recordPrecheck: (_: WaveContext, p: { output: PrecheckOutput }): Update => ({
    now: p.output.now,
    resolved: p.output.servers,
    ...(p.output.limits ? { jobLimits: p.output.limits } : {}),
  }),
  recordPrecheckAttempt: (context: WaveContext, p: { output: PrecheckOutput }): Update => ({
    now: p.output.now,
    precheckAttempts: context.precheckAttempts + 1,
    ...afterAttempt(context, p.output.failure),
  }),
  failWith: (_: WaveContext, p: { reason: FailureReason }): Update => ({ failure: p.reason }),
  /** Keeps a deadline already armed (a restored run re-enters the approval). */
  armApprovalDeadline: (context: WaveContext): Update => ({
    approvalDeadlineAt:
      context.approvalDeadlineAt ??
      (context.approvalTimeoutMs === undefined ? null : context.now + context.approvalTimeoutMs),
  }),
  recordApproval: (context: WaveContext, p: { by: string; at: number | undefined }): Update => ({
    approval: { by: p.by, at: p.at ?? context.now },
  }),
  recordStart: (context: WaveContext, p: { output: StartFailbackOutput }): Update => ({
    now: p.output.now,
    // A start sent again after a quota wait returns the wave's earlier jobs too (adopted).
    jobIds: [...new Set([...context.jobIds, ...p.output.jobIds])],
    jobRegions: { ...context.jobRegions, ...p.output.jobRegions },
    startAttempts: context.startAttempts + 1,
    ...afterAttempt(context, p.output.failure),
  }),
  /** A backout's read of an in-doubt start: the jobs it found are the wave's; not a start attempt. */
  recordAdopted: (context: WaveContext, p: { output: StartFailbackOutput }): Update => ({
    now: p.output.now,
    jobIds: [...new Set([...context.jobIds, ...p.output.jobIds])],
    jobRegions: { ...context.jobRegions, ...p.output.jobRegions },
  }),
  armJobDeadline: (context: WaveContext): Update => ({
    jobDeadlineAt: context.jobDeadlineAt ?? context.now + context.jobTimeoutMs,
    ...freshWait,
  }),
  recordPoll: (context: WaveContext, p: { output: PollJobsOutput }): Update => ({
    now: p.output.now,
    launch: p.output.servers,
    logCursor: p.output.logCursor,
    ...afterAttempt(context, p.output.failure),
  }),
  armVerifyDeadline: (context: WaveContext): Update => ({
    verifyDeadlineAt: context.verifyDeadlineAt ?? context.now + context.verifyTimeoutMs,
    ...freshWait,
  }),
  recordVerify: (context: WaveContext, p: { output: VerifyOutput }): Update => ({
    now: p.output.now,
    ...afterAttempt(context, p.output.failure),
  }),
  beginBackout: (context: WaveContext, p: { reason: FailureReason }): Update => ({
    failure: context.failure ?? p.reason,
    ...freshWait,
    backout: context.backout ?? {
      reason: p.reason,
      startedAt: context.now,
      stopped: [],
      stopFailures: [],
      needsRestore: [],
      restored: [],
      restoreJobIds: [],
      restoreDeadlineAt: null,
      restoreJobDeadlineAt: null,
      health: [],
    },
  }),
  /** One round of StopFailback: what it stopped adds up; the failures are those of this round
   * plus the earlier ones that were not sent again (not retryable). */
  recordStop: (context: WaveContext, p: { output: StopFailbackOutput }): Update => ({
    now: p.output.now,
    ...afterAttempt(
      context,
      p.output.failures.find((f) => f.retryable),
    ),
    backout: inBackout(context, (b) => ({
      stopped: [...new Set([...b.stopped, ...p.output.stopped])],
      stopFailures: [...b.stopFailures.filter((f) => !f.retryable), ...p.output.failures],
      stopAttempts: (b.stopAttempts ?? 0) + 1,
      restoreDeadlineAt: b.restoreDeadlineAt ?? p.output.now + context.verifyTimeoutMs,
    })),
  }),
  /** The StopFailback activity itself failed: the backout goes on, and the failure is reported. */
  recordStopError: (context: WaveContext, p: { failure: AwsFailure }): Update => ({
    backout: inBackout(context, (b) => ({ stopFailures: [...b.stopFailures, p.failure] })),
  }),
  recordAssessment: (context: WaveContext, p: { output: AssessDrSideOutput }): Update => ({
    now: p.output.now,
    ...afterAttempt(context, p.output.failure),
    backout: inBackout(context, (b) => ({
      health: p.output.servers,
      needsRestore: p.output.needsRestore.length > 0 ? p.output.needsRestore : b.needsRestore,
      restoreDeadlineAt: b.restoreDeadlineAt ?? p.output.now + context.verifyTimeoutMs,
    })),
  }),
  recordRestoreStart: (context: WaveContext, p: { output: RestoreRecoveryPointOutput }): Update => ({
    now: p.output.now,
    logCursor: {},
    backout: inBackout(context, () => ({
      restored: p.output.restored,
      restoreJobIds: p.output.jobIds,
      restoreJobDeadlineAt: p.output.now + context.jobTimeoutMs,
      // The relaunched instances get a fresh grace period to pass their status checks.
      restoreDeadlineAt: null,
    })),
  }),
  recordRestorePoll: (context: WaveContext, p: { output: PollJobsOutput }): Update => ({
    now: p.output.now,
    logCursor: p.output.logCursor,
    ...afterAttempt(context, p.output.failure),
  }),
  resetPolling: (): Update => ({ ...freshWait }),
  recordQuiesceConfirmed: (context: WaveContext, p: { by: string; at: number | undefined }): Update => ({
    cutoverRecord: cutoverWith(context, () => ({ quiesced: { by: p.by, at: p.at ?? context.now } })),
  }),
  /** The writes stopped: the drain has `cutover.timeout` from now. */
  recordQuiesced: (context: WaveContext, p: { output: QuiesceOutput }): Update => ({
    now: p.output.now,
    ...freshWait,
    cutoverRecord: cutoverWith(context, (r) => ({
      deadlineAt: r.deadlineAt ?? p.output.now + (context.cutover?.timeoutMs ?? 0),
      ...(p.output.markerWrittenAt !== undefined ? { markerWrittenAt: p.output.markerWrittenAt } : {}),
    })),
  }),
  recordDrain: (context: WaveContext, p: { output: MeasureDrainOutput }): Update => ({
    now: p.output.now,
    ...afterAttempt(context, p.output.failure),
    cutoverRecord: cutoverWith(context, (r) => ({
      servers: p.output.servers.length > 0 ? p.output.servers : r.servers,
      drainedAt: p.output.drained ? p.output.now : null,
    })),
  }),
  settle: (_: WaveContext, p: { outcome: Outcome }): Update => ({ outcome: p.outcome }),
  recordReprotect: (context: WaveContext, p: { output: ReprotectOutput }): Update => ({
    now: p.output.now,
    afterFailbackRecord: afterFailbackWith(context, (r) => ({
      reprotected: [...r.reprotected, ...p.output.reversed],
      failures: [...r.failures, ...p.output.failures],
    })),
  }),
  recordCleanup: (context: WaveContext, p: { output: CleanupOutput }): Update => ({
    now: p.output.now,
    afterFailbackRecord: afterFailbackWith(context, (r) => ({
      terminated: [...r.terminated, ...p.output.terminated],
      ...(p.output.disconnected?.length
        ? { disconnected: [...(r.disconnected ?? []), ...p.output.disconnected] }
        : {}),
      cleanupJobIds: [...r.cleanupJobIds, ...p.output.jobIds],
      failures: [...r.failures, ...p.output.failures],
    })),
  }),
  recordSkipped: (context: WaveContext, p: { step: string }): Update => ({
    afterFailbackRecord: afterFailbackWith(context, (r) => ({ skipped: [...r.skipped, p.step] })),
  }),
};
