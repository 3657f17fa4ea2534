// Domain types shared by the pure machines and the AWS actors.
// Everything here is plain JSON data, so a machine snapshot can be persisted and restored.
import type { MarkerCall } from './cutover.js';
import type { JobLimits, JobSettings } from './jobs.js';

export type { JobLimits, JobSettings } from './jobs.js';

/** Outcome of a run or of a wave, as fixed by the public contract. */
export const Outcome = {
  completed: 'completed',
  backedOut: 'backed-out',
  backoutFailed: 'backout-failed',
  /** Some primaries were already converted when the wave failed: both copies may be live. */
  needsAttention: 'needs-attention',
  aborted: 'aborted',
  precheckFailed: 'precheck-failed',
} as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];
/**
 * `not-started`: a wave that never ran because an earlier one did not complete.
 * `already-failed-back`: a wave before the run's first wave (`--from-wave`) whose servers an
 * earlier run failed back, as DRS confirmed before this run began; this run never touched it.
 */
export type WaveOutcome = Outcome | 'not-started' | 'already-failed-back';

/** Wave outcomes that leave the wave's servers on the primary side (this run's or an earlier one's). */
export const failedBack = (outcome: WaveOutcome): boolean =>
  outcome === 'completed' || outcome === 'already-failed-back';

export type ApprovalMode = 'per-wave' | 'once' | 'none';
/**
 * if-unhealthy: relaunch only recovery instances that are lost (a data-losing step behind its own
 * approval); never: keep whatever serves. (`always` was removed: it relaunched instances that were
 * still serving from an older recovery snapshot, losing their writes since failover.)
 */
export type RestoreMode = 'if-unhealthy' | 'never';

export type Probe =
  | { kind: 'http'; url: string; expectStatus: number }
  | { kind: 'tcp'; host: string; port: number };

export interface NetworkExpectation {
  subnetId?: string;
  securityGroupIds?: string[];
  privateIp?: string;
}

export interface ServerVerifyPlan {
  /** The EC2 instance the server fails back to, when the target is an EC2 instance. */
  ec2InstanceId?: string;
  expect?: NetworkExpectation;
  probes: Probe[];
}

export interface ServerPlan {
  sourceServerID: string;
  verify?: ServerVerifyPlan;
}

export interface WavePlan {
  name: string;
  /** The `aws.accounts` entry holding this wave's recovery instances (absent: the plan's account). */
  account?: string;
  /** The wave's DR region (absent: the plan's region). */
  region?: string;
  /** Waves this one starts after, once each completed (absent: the one before; `[]`: none). */
  after?: string[];
  servers: ServerPlan[];
}

/** Timing settings, all in milliseconds. */
export interface PollingSettings {
  intervalMs: number;
  maxMs: number;
}

/** A server once precheck resolved it to its recovery instance. */
/** Where a server came from: it decides which failback flow it takes (docs/lifecycle.md). */
export type OriginEnvironment = 'ON_PREMISES' | 'AWS';

export interface ResolvedServer {
  sourceServerID: string;
  recoveryInstanceID: string;
  /** EC2 instance of the recovery instance, in the DR region. */
  recoveryEc2InstanceID?: string;
  failbackState?: string;
  /** Newest recovery point when precheck ran (ISO-8601). */
  newestRecoveryPointAt?: string;
  /**
   * ON_PREMISES (absent: the same): StartFailbackLaunch through the failback client.
   * AWS: reverse replication to the origin region, then StartRecovery there.
   */
  origin?: OriginEnvironment;
  /** EC2 origin: the region the server came from, where it is launched again. */
  originRegion?: string;
  /** EC2 origin: the reversed source server (replicating DR -> origin), in the origin region. */
  reversedSourceServerID?: string;
}

/** The servers that take the EC2-origin flow. */
export const isEc2Origin = (s: Pick<ResolvedServer, 'origin'>): boolean => s.origin === 'AWS';

export type CheckStatus = 'pass' | 'warn' | 'fail';

/** A JSON value: what a check's structured `data` holds (numbers, ids, ISO-8601 timestamps). */
export type CheckDatum = string | number | boolean | null | CheckDatum[] | { [key: string]: CheckDatum };
/** The facts a check judged, by field; `detail` says the same for a person (docs/operations.md). */
export type CheckData = { readonly [key: string]: CheckDatum | undefined };

export interface CheckResult {
  /** sourceServerID, or '*' for a check of the whole wave. */
  server: string;
  name: string;
  status: CheckStatus;
  detail: string;
  /** Structured facts: read these, never parse `detail` (absent in snapshots older than them). */
  data?: CheckData;
}

/** How an AWS error is handled, by its name (see docs/lifecycle.md, error table). */
export type AwsFailureKind =
  | 'throttled'
  | 'transient'
  | 'conflict'
  | 'quota'
  | 'validation'
  | 'not-found'
  | 'access-denied'
  | 'uninitialized'
  | 'eventual-consistency'
  | 'unknown';

/** A typed failure: which operation, on which server, why, and what to do about it. */
export interface AwsFailure {
  kind: AwsFailureKind;
  /** Error name as AWS returned it, e.g. ThrottlingException. */
  name: string;
  operation: string;
  server?: string;
  message: string;
  /** Whether the same call may simply be sent again later. */
  retryable: boolean;
  /** Throttling hint from AWS, in milliseconds. */
  retryAfterMs?: number;
  /** For AccessDenied: the IAM action that is missing, e.g. drs:StartFailbackLaunch. */
  iamAction?: string;
}

/** Why a wave left the happy path. */
export interface FailureReason {
  code:
    | 'precheck'
    | 'aws-error'
    | 'launch-failed'
    | 'job-timeout'
    | 'rto-exceeded'
    | 'verify-failed'
    | 'verify-timeout'
    | 'operator-abort'
    | 'approval-refused'
    | 'approval-expired'
    | 'restore-failed'
    | 'drain-timeout'
    | 'quiesce-failed';
  message: string;
}

// ---- Actor contracts. Every actor output carries `now`, read from the injected clock,
// so the machine can compare against its absolute deadlines without reading a clock itself.

export interface PrecheckInput {
  runId: string;
  wave: string;
  servers: ServerPlan[];
  rpoMs: number;
  /** Absolute deadline of the whole run (epoch ms). */
  rtoDeadlineAt: number;
  /** The plan's backout.restore: recovery points are read only when a relaunch is allowed (absent: read). */
  restore?: RestoreMode;
  /** The plan's job figures (absent in older snapshots: DRS's defaults, quotas not read). */
  jobs?: JobSettings;
}
export interface PrecheckOutput {
  now: number;
  ok: boolean;
  checks: CheckResult[];
  servers: ResolvedServer[];
  /** A read that failed but may pass if sent again (throttling, 5xx): the precheck is retried. */
  failure?: AwsFailure;
  /** The job limits the start honours: the plan's, lowered to the live quotas read (absent: defaults). */
  limits?: JobLimits;
}

export interface StartFailbackInput {
  runId: string;
  wave: string;
  /** ON_PREMISES servers: their recovery instances, for StartFailbackLaunch in the DR region. */
  recoveryInstanceIDs: string[];
  /** EC2-origin servers: StartRecovery of each reversed source server in its origin region. */
  ec2Origin?: ResolvedServer[];
  /**
   * When the run began (epoch ms). A failback job for these recovery instances created since
   * then is adopted instead of starting another (a restored run re-runs this activity).
   */
  runStartedAt?: number;
  /** The job limits (absent: DRS's defaults); the wave's jobs so far count against them. */
  limits?: JobLimits;
  jobIds?: string[];
  jobRegions?: Record<string, string>;
  /**
   * Only read what this run already started and adopt it; send nothing. A backout resolves an
   * in-doubt start this way: a start nobody approved in this command is never sent.
   */
  adoptOnly?: true;
}
export interface StartFailbackOutput {
  now: number;
  /** Jobs that DRS accepted, even when a later batch failed; with a quota wait, every job of the wave so far. */
  jobIds: string[];
  /** Servers left for a later start (no capacity now, or DRS refused for quota); absent: none. */
  queued?: number;
  /** With `queued`: servers in the wave's active jobs after this start. */
  inFlight?: number;
  /** Region of each job that does not run in the plan's (DR) region: EC2-origin launches. */
  jobRegions?: Record<string, string>;
  failure?: AwsFailure;
  /**
   * The failure came before any start request was sent (a read of what already runs): nothing
   * can have started, and the same activity may simply run again.
   */
  notSent?: true;
  /**
   * A start request's outcome is unknown (it failed in a way DRS may have acted on, and the
   * re-read of what runs failed too): something may have started. Absent: nothing started
   * beyond `jobIds`.
   */
  mayHaveStarted?: true;
}

export type JobVerdict = 'launched' | 'failed' | 'pending';

export interface ServerLaunchStatus {
  sourceServerID: string;
  recoveryInstanceID?: string;
  launchStatus: string;
  jobId: string;
  /** Set for jobs outside the DR region (EC2 origin): where the launched instance runs. */
  region?: string;
}

export interface PollJobsInput {
  runId: string;
  wave: string;
  jobIds: string[];
  /** Jobs outside the DR region, by id (absent: every job is in the DR region). */
  jobRegions?: Record<string, string>;
  /** Per job, how many log items were already reported. */
  logCursor: Record<string, number>;
}
export interface PollJobsOutput {
  now: number;
  verdict: JobVerdict;
  detail: string;
  servers: ServerLaunchStatus[];
  logCursor: Record<string, number>;
  /** Set when the poll itself failed; the verdict is then 'pending' unless the failure is fatal. */
  failure?: AwsFailure;
}

export type VerifyVerdict = 'healthy' | 'unhealthy' | 'pending';

export interface ServerHealth {
  sourceServerID: string;
  status: VerifyVerdict;
  detail: string;
}

export interface VerifyFailbackInput {
  runId: string;
  wave: string;
  servers: ServerPlan[];
  resolved: ResolvedServer[];
  /** What the launch jobs reported per server: for EC2 origin, the recovery instance launched in the origin region. */
  launched?: ServerLaunchStatus[];
  /** Read the wave's marker on the primary side (plan `cutover.marker`): missing fails the wave. */
  marker?: MarkerCall;
}
export interface VerifyOutput {
  now: number;
  verdict: VerifyVerdict;
  servers: ServerHealth[];
  /** The marker read on the primary side, when the plan has one. */
  marker?: { found: boolean; detail: string };
  failure?: AwsFailure;
}

export interface StopFailbackInput {
  runId: string;
  wave: string;
  recoveryInstanceIDs: string[];
}
export interface StopFailbackOutput {
  now: number;
  stopped: string[];
  failures: AwsFailure[];
}

/** Checks the DR side (recovery instances and their EC2 instances) still serves. */
export interface AssessDrSideInput {
  runId: string;
  wave: string;
  sourceServerIDs: string[];
  restore: RestoreMode;
}
export interface AssessDrSideOutput {
  now: number;
  verdict: VerifyVerdict;
  servers: ServerHealth[];
  /** Servers to relaunch at a known-good recovery point. */
  needsRestore: string[];
  failure?: AwsFailure;
}

export interface RestoreRecoveryPointInput {
  runId: string;
  wave: string;
  sourceServerIDs: string[];
  /** Newest recovery point strictly before this instant (epoch ms): when the run began. */
  before: number;
  /**
   * A START_RECOVERY job for these servers created at or after this instant (epoch ms; when the
   * backout began) is adopted instead of relaunching again. Defaults to `before`.
   */
  jobsCreatedAfter?: number;
}
export interface RestoredServer {
  sourceServerID: string;
  recoverySnapshotID: string;
  snapshotAt: string;
}
export interface RestoreRecoveryPointOutput {
  now: number;
  jobIds: string[];
  restored: RestoredServer[];
  failure?: AwsFailure;
}

export {
  type AfterFailbackSettings,
  type CleanupInput,
  type CleanupMode,
  type CleanupOutput,
  cleanupModeOf,
  type ReprotectInput,
  type ReprotectOutput,
  type ReprotectTarget,
} from './after-failback.js';

export type {
  CutoverSettings,
  MarkerCall,
  MarkerEndpoints,
  MeasureDrainInput,
  MeasureDrainOutput,
  QuiesceInput,
  QuiesceOutput,
  ServerLag,
} from './cutover.js';
