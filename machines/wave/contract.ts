// The wave machine's contract: what it is started with, what it remembers, what it hears and
// what it returns. Everything is plain JSON, so a snapshot can be persisted and restored.
import type {
  AfterFailbackSettings,
  AwsFailure,
  CutoverSettings,
  FailureReason,
  JobLimits,
  JobSettings,
  Outcome,
  PollingSettings,
  ReprotectOutput,
  ResolvedServer,
  RestoredServer,
  RestoreMode,
  ServerHealth,
  ServerLag,
  ServerLaunchStatus,
  WavePlan,
} from '../types.js';

export interface WaveInput {
  runId: string;
  waveIndex: number;
  wave: WavePlan;
  requiresApproval: boolean;
  rpoMs: number;
  /** When the run began (epoch ms): backout restores the newest recovery point before it. */
  runStartedAt: number;
  /** Absolute RTO deadline of the whole run (epoch ms). */
  rtoDeadlineAt: number;
  polling: PollingSettings;
  verifyTimeoutMs: number;
  jobTimeoutMs: number;
  restore: RestoreMode;
  jitterSeed: number;
  /** Time the wave starts, from the caller's clock. */
  now: number;
  /** Opt-in steps after a verified failback (absent in older snapshots: both off). */
  afterFailback?: AfterFailbackSettings;
  /** The cutover before the point of no return (absent in older snapshots: none). */
  cutover?: CutoverSettings;
  /** How long an approval may wait unanswered (absent: until the RTO deadline). */
  approvalTimeoutMs?: number;
  /**
   * Who may answer its approvals (the plan's `approvers`; absent: anyone). Carried as data for the
   * engines that only have the machine's input (Step Functions); the machine does not read it.
   */
  approvers?: string[];
  /** The plan's job figures (absent in older snapshots: DRS's defaults, quotas not read). */
  jobs?: JobSettings;
}

/** What the cutover did: who confirmed the writes stopped, and the drain's last reading. */
export interface CutoverRecord {
  quiesced: { by: string; at: number } | null;
  /** The drain must end by then (epoch ms), or the wave ends before the point of no return. */
  deadlineAt: number | null;
  /** Each server's lag at the last reading: at the crossing, the run's real RPO. */
  servers: ServerLag[];
  /** When every server was drained (the crossing follows at once). */
  drainedAt: number | null;
  /** When the marker was written on the DR side (plan `cutover.marker`); absent: no marker. */
  markerWrittenAt?: number;
}

/** What the opt-in steps after a verified failback did (or why they did not run). */
export interface AfterFailbackRecord {
  reprotected: ReprotectOutput['reversed'];
  terminated: string[];
  /** `cleanup: disconnect`: the recovery instances DRS disconnected (absent: none). */
  disconnected?: string[];
  cleanupJobIds: string[];
  failures: AwsFailure[];
  /** Steps refused or skipped by the operator, e.g. `cleanup refused by alice`. */
  skipped: string[];
}

export interface BackoutRecord {
  reason: FailureReason;
  /** When the backout began (epoch ms): recovery jobs created after it belong to this backout. */
  startedAt: number;
  stopped: string[];
  /**
   * StopFailback calls that still fail (retryable ones are sent again), and a StopFailback
   * activity that failed as a whole. Any left when the backout ends: the outcome is backout-failed.
   */
  stopFailures: AwsFailure[];
  /** StopFailback rounds sent (absent in older snapshots: none). */
  stopAttempts?: number;
  needsRestore: string[];
  restored: RestoredServer[];
  restoreJobIds: string[];
  /** Deadline for the DR side to be confirmed healthy again. */
  restoreDeadlineAt: number | null;
  restoreJobDeadlineAt: number | null;
  health: ServerHealth[];
}

/** Poll bookkeeping shared by every wait (machines/wave/wait.ts). */
export interface WaitBookkeeping {
  now: number;
  polling: PollingSettings;
  jitterSeed: number;
  /** Attempts made (feeds the jitter), consecutive errors, AWS's retry-after hint. */
  pollAttempt: number;
  errorStreak: number;
  retryAfterMs: number | null;
}

export interface WaveContext extends WaveInput, WaitBookkeeping {
  resolved: ResolvedServer[];
  approval: { by: string; at: number } | null;
  /**
   * When the point-of-no-return approval expires unanswered (epoch ms), armed on entering it;
   * null or absent: it waits until the RTO deadline only.
   */
  approvalDeadlineAt?: number | null;
  jobIds: string[];
  logCursor: Record<string, number>;
  launch: ServerLaunchStatus[];
  jobDeadlineAt: number | null;
  verifyDeadlineAt: number | null;
  startAttempts: number;
  precheckAttempts: number;
  failure: FailureReason | null;
  backout: BackoutRecord | null;
  outcome: Outcome | null;
  /** Jobs outside the DR region (EC2-origin launches), by id. Absent in older snapshots. */
  jobRegions?: Record<string, string>;
  afterFailbackRecord?: AfterFailbackRecord;
  /** The job limits the precheck settled (plan and live quotas); absent in older snapshots: defaults. */
  jobLimits?: JobLimits;
  /** Absent in older snapshots and when the wave has no cutover. */
  cutoverRecord?: CutoverRecord;
}

export type WaveEvent =
  /** `wave`: the wave the answer is for (concurrent waves); absent: whichever wave waits. */
  | { type: 'APPROVE'; by: string; at?: number; wave?: string }
  | { type: 'REFUSE'; by: string; wave?: string }
  /** Before the point of no return: abort, nothing changed. After it: back out. */
  | { type: 'ABORT'; by?: string; reason?: string }
  /**
   * Sent after a run is restored from disk: a restored snapshot does not re-arm pending delays
   * reliably, so every wait ends at once and AWS is read again. `now` re-anchors the clock.
   * Also sent when an event (EventBridge) says what the wave waits for happened: `wave` names it.
   */
  | { type: 'WAKE'; now: number; wave?: string };

export interface WaveOutput {
  waveIndex: number;
  name: string;
  outcome: Outcome;
  failure: FailureReason | null;
  now: number;
  jobIds: string[];
  /** What the launch jobs last reported per server (EC2 origin: the instances in the origin region). */
  launch: ServerLaunchStatus[];
  backout: BackoutRecord | null;
  afterFailback: AfterFailbackRecord | null;
  /** Servers whose primary was already converted when the wave failed: both copies may be live. */
  converted: string[];
  /** The cutover's record (absent when the wave had none). */
  cutover?: CutoverRecord;
}

/** How many times a precheck whose reads were throttled (or hit a 5xx) is run. */
export const MAX_PRECHECK_ATTEMPTS = 5;

/** How many times a throttled StartFailbackLaunch is sent again (a throttled request did nothing). */
export const MAX_START_ATTEMPTS = 5;

/** How many rounds of StopFailback are sent for instances whose StopFailback was throttled or hit a 5xx. */
export const MAX_STOP_ATTEMPTS = 5;

/** A launch status that means the primary was converted and rebooted (DRS's LaunchStatus). */
const LAUNCHED = 'LAUNCHED';

/**
 * Servers whose launch already succeeded when the wave failed: their primary was converted and
 * rebooted (EC2 origin: an instance runs in the origin region), so both copies may be live.
 */
export function convertedServers(context: Pick<WaveContext, 'launch' | 'backout' | 'resolved'>): string[] {
  if (context.backout === null) return [];
  // The origin-region job lists the reversed source server: name the plan's server.
  const planServer = (id: string) =>
    context.resolved.find((s) => s.reversedSourceServerID === id)?.sourceServerID ?? id;
  return [
    ...new Set(
      context.launch.filter((l) => l.launchStatus === LAUNCHED).map((l) => planServer(l.sourceServerID)),
    ),
  ];
}
