// Guards of the wave machine, by name. Those about an activity's result take `{ output }`
// (see `fromOutput` in setup.ts); deadlines compare the activity's own `now`, never a clock.
import {
  type AssessDrSideOutput,
  type AwsFailure,
  cleanupModeOf,
  isEc2Origin,
  type JobVerdict,
  type MeasureDrainOutput,
  type PollJobsOutput,
  type PrecheckOutput,
  type StartFailbackOutput,
  type StopFailbackOutput,
  type VerifyOutput,
} from '../types.js';
import {
  convertedServers,
  MAX_PRECHECK_ATTEMPTS,
  MAX_START_ATTEMPTS,
  MAX_STOP_ATTEMPTS,
  type WaveContext,
} from './contract.js';

type Args = { context: WaveContext };
type Now = { output: { now: number } };
type MayFail = { output: { failure?: AwsFailure } };

const fatal = (f: AwsFailure | undefined): boolean => f !== undefined && !f.retryable;

export const waveGuards = {
  precheckPassed: (_: Args, p: { output: PrecheckOutput }) => p.output.ok,
  precheckPassedNoApproval: ({ context }: Args, p: { output: PrecheckOutput }) =>
    p.output.ok && !context.requiresApproval,
  precheckRetryable: ({ context }: Args, p: { output: PrecheckOutput }) =>
    !p.output.ok &&
    p.output.failure?.retryable === true &&
    context.precheckAttempts + 1 < MAX_PRECHECK_ATTEMPTS &&
    p.output.now < context.rtoDeadlineAt,
  /**
   * The start failed and nothing started: what was sent decides (a read that failed cannot start
   * a job; a start DRS rejected, or one after which a re-read shows nothing, did not start one).
   */
  nothingStarted: (_: Args, p: { output: StartFailbackOutput }) =>
    p.output.jobIds.length === 0 && p.output.failure !== undefined && p.output.mayHaveStarted !== true,
  /** Nothing started and sending again may pass: a throttled start, or a read that failed before any start. */
  startRetryable: ({ context }: Args, p: { output: StartFailbackOutput }) =>
    p.output.jobIds.length === 0 &&
    p.output.mayHaveStarted !== true &&
    p.output.failure?.retryable === true &&
    (p.output.failure.kind === 'throttled' || p.output.notSent === true) &&
    context.startAttempts + 1 < MAX_START_ATTEMPTS &&
    p.output.now < context.rtoDeadlineAt,
  startFailed: (_: Args, p: { output: StartFailbackOutput }) => p.output.failure !== undefined,
  /** A backout's read of an in-doubt start found no job of this run, and the read itself worked. */
  noStartFound: ({ context }: Args, p: { output: StartFailbackOutput }) =>
    context.jobIds.length === 0 &&
    p.output.jobIds.length === 0 &&
    p.output.failure === undefined &&
    p.output.mayHaveStarted !== true,
  /** Servers wait for DRS job capacity (the wave's first jobs run): wait and start again. */
  startQueued: ({ context }: Args, p: { output: StartFailbackOutput }) =>
    (p.output.queued ?? 0) > 0 && p.output.now < context.rtoDeadlineAt,
  /** While waiting for capacity: a read or start that may pass again waits one more round (it re-reads first). */
  retryWhileQueued: ({ context }: Args, p: { output: StartFailbackOutput }) =>
    p.output.failure?.retryable === true && p.output.now < context.rtoDeadlineAt,
  startQueuedPastRto: ({ context }: Args, p: { output: StartFailbackOutput }) =>
    (p.output.queued ?? 0) > 0 && p.output.now >= context.rtoDeadlineAt,
  jobsLaunched: (_: Args, p: { output: { verdict: JobVerdict } }) => p.output.verdict === 'launched',
  jobsFailed: (_: Args, p: { output: PollJobsOutput }) => p.output.verdict === 'failed',
  /** A failure that sending again will not cure. */
  pollFatal: (_: Args, p: MayFail) => fatal(p.output.failure),
  rtoPassed: ({ context }: Args, p: Now) => p.output.now >= context.rtoDeadlineAt,
  jobTimedOut: ({ context }: Args, p: Now) =>
    context.jobDeadlineAt !== null && p.output.now >= context.jobDeadlineAt,
  verifyHealthy: (_: Args, p: { output: VerifyOutput }) => p.output.verdict === 'healthy',
  verifyUnhealthy: (_: Args, p: { output: VerifyOutput }) => p.output.verdict === 'unhealthy',
  verifyTimedOut: ({ context }: Args, p: Now) =>
    context.verifyDeadlineAt !== null && p.output.now >= context.verifyDeadlineAt,
  restoreNever: ({ context }: Args) => context.restore === 'never',
  /** Some StopFailback calls failed for a reason sending again may cure, and attempts remain. */
  stopRetryable: ({ context }: Args, p: { output: StopFailbackOutput }) =>
    p.output.failures.some((f) => f.retryable) &&
    (context.backout?.stopAttempts ?? 0) + 1 < MAX_STOP_ATTEMPTS,
  /** StopFailback still failed for some recovery instance: the backout is not done. */
  stopFailedForGood: ({ context }: Args) => (context.backout?.stopFailures.length ?? 0) > 0,
  /** Some servers already launched when the wave failed: their primary was converted and rebooted. */
  primaryAlreadyConverted: ({ context }: Args) => convertedServers(context).length > 0,
  reprotectWanted: ({ context }: Args) =>
    context.afterFailback?.reprotect === true && context.resolved.some(isEc2Origin),
  // Any origin: the old recovery instances of a verified failback, EC2 or on-premises.
  cleanupWanted: ({ context }: Args) =>
    cleanupModeOf(context.afterFailback) !== undefined && context.resolved.length > 0,
  drSideHealthy: (_: Args, p: { output: AssessDrSideOutput }) =>
    p.output.verdict === 'healthy' && p.output.needsRestore.length === 0,
  drSideNeedsRestore: (_: Args, p: { output: AssessDrSideOutput }) => p.output.needsRestore.length > 0,
  /** After a relaunch only health matters. */
  restoredHealthy: (_: Args, p: { output: AssessDrSideOutput }) => p.output.verdict === 'healthy',
  restoreNotStarted: (_: Args, p: { output: { jobIds: string[]; failure?: AwsFailure } }) =>
    p.output.failure !== undefined || p.output.jobIds.length === 0,
  restoreJobsFailed: (_: Args, p: { output: PollJobsOutput }) =>
    p.output.verdict === 'failed' || fatal(p.output.failure),
  restoreTimedOut: ({ context }: Args, p: Now) =>
    context.backout?.restoreDeadlineAt != null && p.output.now >= context.backout.restoreDeadlineAt,
  restoreJobTimedOut: ({ context }: Args, p: Now) =>
    context.backout?.restoreJobDeadlineAt != null && p.output.now >= context.backout.restoreJobDeadlineAt,
  /** The wave has a cutover with a person confirming the writes stopped. */
  quiesceConfirm: ({ context }: Args) => context.cutover?.quiesce === 'confirm',
  /** The wave has a cutover (older snapshots and plans without one go straight to the start). */
  hasCutover: ({ context }: Args) => context.cutover !== undefined,
  quiesceFailed: (_: Args, p: MayFail) => p.output.failure !== undefined,
  drained: (_: Args, p: { output: MeasureDrainOutput }) => p.output.drained,
  drainTimedOut: ({ context }: Args, p: Now) =>
    context.cutoverRecord?.deadlineAt != null && p.output.now >= context.cutoverRecord.deadlineAt,
  /** WAKE while awaiting approval, at or past the approval's own deadline. */
  wokenPastApprovalDeadline: ({ context, event }: Args & { event: { type: string; now?: number } }) =>
    event.type === 'WAKE' &&
    event.now !== undefined &&
    context.approvalDeadlineAt != null &&
    event.now >= context.approvalDeadlineAt,
  /** WAKE while awaiting approval, at or past the RTO deadline. */
  wokenPastRto: ({ context, event }: Args & { event: { type: string; now?: number } }) =>
    event.type === 'WAKE' && event.now !== undefined && event.now >= context.rtoDeadlineAt,
};
