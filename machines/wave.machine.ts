import { assign, fromPromise, setup } from 'xstate';
import { capToDeadline, pollDelayMs } from './backoff.js';
import {
  type AfterFailbackSettings,
  type AssessDrSideInput,
  type AssessDrSideOutput,
  type AwsFailure,
  type CheckResult,
  type CleanupInput,
  type CleanupOutput,
  type FailureReason,
  isEc2Origin,
  type Outcome,
  type PollingSettings,
  type PollJobsInput,
  type PollJobsOutput,
  type PrecheckInput,
  type PrecheckOutput,
  type ReprotectInput,
  type ReprotectOutput,
  type ResolvedServer,
  type RestoredServer,
  type RestoreMode,
  type RestoreRecoveryPointInput,
  type RestoreRecoveryPointOutput,
  type ServerHealth,
  type ServerLaunchStatus,
  type StartFailbackInput,
  type StartFailbackOutput,
  type StopFailbackInput,
  type StopFailbackOutput,
  type VerifyFailbackInput,
  type VerifyOutput,
  type WavePlan,
} from './types.js';

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
  /** Opt-in steps after a verified EC2-origin failback (absent in older snapshots: both off). */
  afterFailback?: AfterFailbackSettings;
}

/** What the opt-in steps after a verified failback did (or why they did not run). */
export interface AfterFailbackRecord {
  reprotected: ReprotectOutput['reversed'];
  terminated: string[];
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
  stopFailures: AwsFailure[];
  needsRestore: string[];
  restored: RestoredServer[];
  restoreJobIds: string[];
  /** Deadline for the DR side to be confirmed healthy again. */
  restoreDeadlineAt: number | null;
  restoreJobDeadlineAt: number | null;
  health: ServerHealth[];
}

export interface WaveContext extends WaveInput {
  checks: CheckResult[];
  resolved: ResolvedServer[];
  approval: { by: string; at: number } | null;
  jobIds: string[];
  logCursor: Record<string, number>;
  launch: ServerLaunchStatus[];
  jobDeadlineAt: number | null;
  verifyDeadlineAt: number | null;
  health: ServerHealth[];
  /** Poll bookkeeping: attempts made, consecutive errors, AWS's retry-after hint. */
  pollAttempt: number;
  errorStreak: number;
  retryAfterMs: number | null;
  startAttempts: number;
  precheckAttempts: number;
  lastAwsFailure: AwsFailure | null;
  failure: FailureReason | null;
  backout: BackoutRecord | null;
  outcome: Outcome | null;
  /** Jobs outside the DR region (EC2-origin launches), by id. Absent in older snapshots. */
  jobRegions?: Record<string, string>;
  afterFailbackRecord?: AfterFailbackRecord;
}

export type WaveEvent =
  | { type: 'APPROVE'; by: string; at?: number }
  | { type: 'REFUSE'; by: string }
  /** Before the point of no return: abort, nothing changed. After it: back out. */
  | { type: 'ABORT'; by?: string; reason?: string }
  /**
   * Sent after a run is restored from disk: a restored snapshot does not re-arm pending delays
   * reliably, so every wait ends at once and AWS is read again. `now` re-anchors the clock.
   */
  | { type: 'WAKE'; now: number };

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
}

/** How many times a precheck whose reads were throttled (or hit a 5xx) is run. */
export const MAX_PRECHECK_ATTEMPTS = 5;

/** How many times a throttled StartFailbackLaunch is sent again (a throttled request did nothing). */
export const MAX_START_ATTEMPTS = 5;

// Placeholders: the composition root provides the real implementations with machine.provide().
const notProvided = (name: string) =>
  fromPromise<never, unknown>(async () => {
    throw new Error(`actor "${name}" was not provided; use createAwsActors() and machine.provide()`);
  });

/** What StartFailbackLaunch does, for the approval prompt and the docs. */
export function describePointOfNoReturn(recoveryInstanceCount: number): string {
  return `StartFailbackLaunch for ${recoveryInstanceCount} recovery instance(s); the target machines will be converted and rebooted`;
}

/** What the wave's point of no return does, per flow (on-premises origin and EC2 origin). */
export function describeWavePointOfNoReturn(resolved: readonly ResolvedServer[]): string {
  const onPremises = resolved.filter((s) => !isEc2Origin(s)).length;
  const byRegion = new Map<string, number>();
  for (const s of resolved.filter(isEc2Origin)) {
    const region = s.originRegion ?? 'the origin region';
    byRegion.set(region, (byRegion.get(region) ?? 0) + 1);
  }
  const parts = onPremises > 0 || byRegion.size === 0 ? [describePointOfNoReturn(onPremises)] : [];
  for (const [region, count] of byRegion) {
    parts.push(
      `StartRecovery for ${count} server(s) in ${region}; they are launched there from the reversed replication`,
    );
  }
  return parts.join('; and ');
}

/** What approving an opt-in step after a verified failback does, for the prompt. */
export function describeAfterFailbackStep(step: 'reprotect' | 'cleanup', context: WaveContext): string {
  const servers = context.resolved.filter(isEc2Origin);
  if (step === 'reprotect') {
    return `ReverseReplication for ${servers.length} new primary instance(s) in their origin region; they are protected again by DRS`;
  }
  return `TerminateRecoveryInstances for ${servers.length} old recovery instance(s) in the DR region; irreversible`;
}

const emptyAfterFailback = (): AfterFailbackRecord => ({
  reprotected: [],
  terminated: [],
  cleanupJobIds: [],
  failures: [],
  skipped: [],
});

const nothingSent = (f: AwsFailure | undefined): boolean =>
  f !== undefined &&
  ['throttled', 'validation', 'access-denied', 'not-found', 'uninitialized'].includes(f.kind);

const awsReason = (f: AwsFailure): FailureReason => ({ code: 'aws-error', message: f.message });

export const waveMachine = setup({
  types: {
    context: {} as WaveContext,
    input: {} as WaveInput,
    events: {} as WaveEvent,
    output: {} as WaveOutput,
    tags: {} as 'pointOfNoReturn' | 'pastPointOfNoReturn' | 'backout' | 'polling',
  },
  actors: {
    precheck: notProvided('precheck') as unknown as ReturnType<
      typeof fromPromise<PrecheckOutput, PrecheckInput>
    >,
    startFailback: notProvided('startFailback') as unknown as ReturnType<
      typeof fromPromise<StartFailbackOutput, StartFailbackInput>
    >,
    pollJobs: notProvided('pollJobs') as unknown as ReturnType<
      typeof fromPromise<PollJobsOutput, PollJobsInput>
    >,
    verifyFailback: notProvided('verifyFailback') as unknown as ReturnType<
      typeof fromPromise<VerifyOutput, VerifyFailbackInput>
    >,
    stopFailback: notProvided('stopFailback') as unknown as ReturnType<
      typeof fromPromise<StopFailbackOutput, StopFailbackInput>
    >,
    assessDrSide: notProvided('assessDrSide') as unknown as ReturnType<
      typeof fromPromise<AssessDrSideOutput, AssessDrSideInput>
    >,
    restoreRecoveryPoint: notProvided('restoreRecoveryPoint') as unknown as ReturnType<
      typeof fromPromise<RestoreRecoveryPointOutput, RestoreRecoveryPointInput>
    >,
    reprotect: notProvided('reprotect') as unknown as ReturnType<
      typeof fromPromise<ReprotectOutput, ReprotectInput>
    >,
    cleanup: notProvided('cleanup') as unknown as ReturnType<typeof fromPromise<CleanupOutput, CleanupInput>>,
  },
  guards: {
    precheckPassed: (_, params: { output: PrecheckOutput }) => params.output.ok,
    precheckRetryable: ({ context }, params: { output: PrecheckOutput }) =>
      !params.output.ok &&
      params.output.failure?.retryable === true &&
      context.precheckAttempts + 1 < MAX_PRECHECK_ATTEMPTS &&
      params.output.now < context.rtoDeadlineAt,
    noJobStartedNothingSent: (_, params: { output: StartFailbackOutput }) =>
      params.output.jobIds.length === 0 && nothingSent(params.output.failure),
    startThrottled: ({ context }, params: { output: StartFailbackOutput }) =>
      params.output.jobIds.length === 0 &&
      params.output.failure?.kind === 'throttled' &&
      context.startAttempts + 1 < MAX_START_ATTEMPTS &&
      params.output.now < context.rtoDeadlineAt,
    startFailed: (_, params: { output: StartFailbackOutput }) => params.output.failure !== undefined,
    jobsLaunched: (_, params: { output: PollJobsOutput }) => params.output.verdict === 'launched',
    jobsFailed: (_, params: { output: PollJobsOutput }) => params.output.verdict === 'failed',
    pollFatal: (_, params: { failure: AwsFailure | undefined }) =>
      params.failure !== undefined && !params.failure.retryable,
    rtoPassed: ({ context }, params: { now: number }) => params.now >= context.rtoDeadlineAt,
    jobTimedOut: ({ context }, params: { now: number }) =>
      context.jobDeadlineAt !== null && params.now >= context.jobDeadlineAt,
    verifyHealthy: (_, params: { output: VerifyOutput }) => params.output.verdict === 'healthy',
    verifyUnhealthy: (_, params: { output: VerifyOutput }) => params.output.verdict === 'unhealthy',
    verifyTimedOut: ({ context }, params: { now: number }) =>
      context.verifyDeadlineAt !== null && params.now >= context.verifyDeadlineAt,
    restoreNever: ({ context }) => context.restore === 'never',
    reprotectWanted: ({ context }) =>
      context.afterFailback?.reprotect === true && context.resolved.some(isEc2Origin),
    cleanupWanted: ({ context }) =>
      context.afterFailback?.cleanup === true && context.resolved.some(isEc2Origin),
    drSideHealthy: (_, params: { output: AssessDrSideOutput }) =>
      params.output.verdict === 'healthy' && params.output.needsRestore.length === 0,
    drSideNeedsRestore: (_, params: { output: AssessDrSideOutput }) => params.output.needsRestore.length > 0,
    restoreTimedOut: ({ context }, params: { now: number }) =>
      context.backout?.restoreDeadlineAt != null && params.now >= context.backout.restoreDeadlineAt,
    restoreJobTimedOut: ({ context }, params: { now: number }) =>
      context.backout?.restoreJobDeadlineAt != null && params.now >= context.backout.restoreJobDeadlineAt,
  },
  actions: {
    recordPrecheck: assign((_, params: { output: PrecheckOutput }) => ({
      now: params.output.now,
      checks: params.output.checks,
      resolved: params.output.servers,
    })),
    recordPrecheckAttempt: assign(({ context }, params: { output: PrecheckOutput }) => ({
      now: params.output.now,
      precheckAttempts: context.precheckAttempts + 1,
      errorStreak: context.errorStreak + 1,
      retryAfterMs: params.output.failure?.retryAfterMs ?? null,
      pollAttempt: context.pollAttempt + 1,
    })),
    failWith: assign((_, params: { reason: FailureReason }) => ({ failure: params.reason })),
    recordApproval: assign(({ context }, params: { by: string; at: number | undefined }) => ({
      approval: { by: params.by, at: params.at ?? context.now },
    })),
    recordStart: assign(({ context }, params: { output: StartFailbackOutput }) => ({
      now: params.output.now,
      jobIds: [...context.jobIds, ...params.output.jobIds],
      jobRegions: { ...context.jobRegions, ...params.output.jobRegions },
      startAttempts: context.startAttempts + 1,
      lastAwsFailure: params.output.failure ?? null,
      retryAfterMs: params.output.failure?.retryAfterMs ?? null,
      errorStreak: params.output.failure ? context.errorStreak + 1 : 0,
      pollAttempt: context.pollAttempt + 1,
    })),
    armJobDeadline: assign(({ context }) => ({
      jobDeadlineAt: context.jobDeadlineAt ?? context.now + context.jobTimeoutMs,
      errorStreak: 0,
      retryAfterMs: null,
    })),
    recordPoll: assign(({ context }, params: { output: PollJobsOutput }) => ({
      now: params.output.now,
      launch: params.output.servers,
      logCursor: params.output.logCursor,
      lastAwsFailure: params.output.failure ?? null,
      errorStreak: params.output.failure ? context.errorStreak + 1 : 0,
      retryAfterMs: params.output.failure?.retryAfterMs ?? null,
      pollAttempt: context.pollAttempt + 1,
    })),
    armVerifyDeadline: assign(({ context }) => ({
      verifyDeadlineAt: context.verifyDeadlineAt ?? context.now + context.verifyTimeoutMs,
      errorStreak: 0,
      retryAfterMs: null,
    })),
    recordVerify: assign(({ context }, params: { output: VerifyOutput }) => ({
      now: params.output.now,
      health: params.output.servers,
      lastAwsFailure: params.output.failure ?? null,
      errorStreak: params.output.failure ? context.errorStreak + 1 : 0,
      retryAfterMs: params.output.failure?.retryAfterMs ?? null,
      pollAttempt: context.pollAttempt + 1,
    })),
    beginBackout: assign(({ context }, params: { reason: FailureReason }) => ({
      failure: context.failure ?? params.reason,
      errorStreak: 0,
      retryAfterMs: null,
      backout: context.backout ?? {
        reason: params.reason,
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
    })),
    recordStop: assign(({ context }, params: { output: StopFailbackOutput }) => ({
      now: params.output.now,
      backout: context.backout && {
        ...context.backout,
        stopped: params.output.stopped,
        stopFailures: params.output.failures,
        restoreDeadlineAt: context.backout.restoreDeadlineAt ?? params.output.now + context.verifyTimeoutMs,
      },
    })),
    recordAssessment: assign(({ context }, params: { output: AssessDrSideOutput }) => ({
      now: params.output.now,
      lastAwsFailure: params.output.failure ?? null,
      errorStreak: params.output.failure ? context.errorStreak + 1 : 0,
      retryAfterMs: params.output.failure?.retryAfterMs ?? null,
      pollAttempt: context.pollAttempt + 1,
      backout: context.backout && {
        ...context.backout,
        health: params.output.servers,
        needsRestore:
          params.output.needsRestore.length > 0 ? params.output.needsRestore : context.backout.needsRestore,
        restoreDeadlineAt: context.backout.restoreDeadlineAt ?? params.output.now + context.verifyTimeoutMs,
      },
    })),
    recordRestoreStart: assign(({ context }, params: { output: RestoreRecoveryPointOutput }) => ({
      now: params.output.now,
      lastAwsFailure: params.output.failure ?? null,
      logCursor: {},
      backout: context.backout && {
        ...context.backout,
        restored: params.output.restored,
        restoreJobIds: params.output.jobIds,
        restoreJobDeadlineAt: params.output.now + context.jobTimeoutMs,
        // The relaunched instances get a fresh grace period to pass their status checks.
        restoreDeadlineAt: null,
      },
    })),
    recordRestorePoll: assign(({ context }, params: { output: PollJobsOutput }) => ({
      now: params.output.now,
      logCursor: params.output.logCursor,
      lastAwsFailure: params.output.failure ?? null,
      errorStreak: params.output.failure ? context.errorStreak + 1 : 0,
      retryAfterMs: params.output.failure?.retryAfterMs ?? null,
      pollAttempt: context.pollAttempt + 1,
    })),
    resetPolling: assign({ errorStreak: 0, retryAfterMs: null }),
    wake: assign(({ context, event }) => ({ now: event.type === 'WAKE' ? event.now : context.now })),
    settle: assign((_, params: { outcome: Outcome }) => ({ outcome: params.outcome })),
    recordReprotect: assign(({ context }, params: { output: ReprotectOutput }) => {
      const record = context.afterFailbackRecord ?? emptyAfterFailback();
      return {
        now: params.output.now,
        afterFailbackRecord: {
          ...record,
          reprotected: [...record.reprotected, ...params.output.reversed],
          failures: [...record.failures, ...params.output.failures],
        },
      };
    }),
    recordCleanup: assign(({ context }, params: { output: CleanupOutput }) => {
      const record = context.afterFailbackRecord ?? emptyAfterFailback();
      return {
        now: params.output.now,
        afterFailbackRecord: {
          ...record,
          terminated: [...record.terminated, ...params.output.terminated],
          cleanupJobIds: [...record.cleanupJobIds, ...params.output.jobIds],
          failures: [...record.failures, ...params.output.failures],
        },
      };
    }),
    recordSkipped: assign(({ context }, params: { step: string }) => {
      const record = context.afterFailbackRecord ?? emptyAfterFailback();
      return { afterFailbackRecord: { ...record, skipped: [...record.skipped, params.step] } };
    }),
  },
  delays: {
    // Each wait is capped by the deadlines that apply in that state, so they fire on time.
    jobPoll: ({ context }) =>
      capToDeadline(pollDelayMs(pollParams(context)), context.now, [
        context.rtoDeadlineAt,
        context.jobDeadlineAt,
      ]),
    verifyPoll: ({ context }) =>
      capToDeadline(pollDelayMs(pollParams(context)), context.now, [
        context.rtoDeadlineAt,
        context.verifyDeadlineAt,
      ]),
    precheckRetry: ({ context }) =>
      capToDeadline(pollDelayMs(pollParams(context)), context.now, [context.rtoDeadlineAt]),
    startRetry: ({ context }) =>
      capToDeadline(pollDelayMs(pollParams(context)), context.now, [context.rtoDeadlineAt]),
    restorePoll: ({ context }) =>
      capToDeadline(pollDelayMs(pollParams(context)), context.now, [
        context.backout?.restoreDeadlineAt ?? null,
        context.backout?.restoreJobDeadlineAt ?? null,
      ]),
    rtoDeadline: ({ context }) => Math.max(0, context.rtoDeadlineAt - context.now),
  },
}).createMachine({
  id: 'wave',
  initial: 'precheck',
  context: ({ input }) => ({
    ...input,
    checks: [],
    resolved: [],
    approval: null,
    jobIds: [],
    logCursor: {},
    launch: [],
    jobDeadlineAt: null,
    verifyDeadlineAt: null,
    health: [],
    pollAttempt: 0,
    errorStreak: 0,
    retryAfterMs: null,
    startAttempts: 0,
    precheckAttempts: 0,
    lastAwsFailure: null,
    failure: null,
    backout: null,
    outcome: null,
  }),
  output: ({ context }) => ({
    waveIndex: context.waveIndex,
    name: context.wave.name,
    outcome: context.outcome ?? 'aborted',
    failure: context.failure,
    now: context.now,
    jobIds: context.jobIds,
    launch: context.launch,
    backout: context.backout,
    afterFailback: context.afterFailbackRecord ?? null,
  }),
  states: {
    precheck: {
      meta: {
        lifecycle: true,
        description: 'Read-only checks: recovery instances, failback state, RPO, jobs',
      },
      initial: 'checking',
      states: {
        checking: {
          invoke: {
            id: 'precheck',
            src: 'precheck',
            input: ({ context }) => ({
              runId: context.runId,
              wave: context.wave.name,
              servers: context.wave.servers,
              rpoMs: context.rpoMs,
              rtoDeadlineAt: context.rtoDeadlineAt,
            }),
            onDone: [
              {
                guard: { type: 'precheckRetryable', params: ({ event }) => ({ output: event.output }) },
                target: 'waiting',
                actions: { type: 'recordPrecheckAttempt', params: ({ event }) => ({ output: event.output }) },
              },
              {
                guard: ({ context, event }) => event.output.ok && !context.requiresApproval,
                target: '#wave.startingFailback',
                actions: { type: 'recordPrecheck', params: ({ event }) => ({ output: event.output }) },
              },
              {
                guard: { type: 'precheckPassed', params: ({ event }) => ({ output: event.output }) },
                target: '#wave.awaitingApproval',
                actions: { type: 'recordPrecheck', params: ({ event }) => ({ output: event.output }) },
              },
              {
                target: '#wave.precheckFailed',
                actions: [
                  { type: 'recordPrecheck', params: ({ event }) => ({ output: event.output }) },
                  {
                    type: 'failWith',
                    params: ({ event }) => ({
                      reason: {
                        code: 'precheck',
                        message: event.output.checks
                          .filter((c) => c.status === 'fail')
                          .map((c) => `${c.server} ${c.name}: ${c.detail}`)
                          .join('; '),
                      },
                    }),
                  },
                ],
              },
            ],
            onError: {
              target: '#wave.precheckFailed',
              actions: {
                type: 'failWith',
                params: ({ event }) => ({ reason: { code: 'precheck', message: errorMessage(event.error) } }),
              },
            },
          },
        },
        waiting: {
          after: { precheckRetry: 'checking' },
          on: { WAKE: { target: 'checking', actions: 'wake' } },
        },
      },
      on: {
        ABORT: {
          target: 'aborted',
          actions: { type: 'failWith', params: ({ event }) => ({ reason: abortReason(event) }) },
        },
      },
    },
    awaitingApproval: {
      meta: { lifecycle: true, description: 'Waiting for a person to approve the point of no return' },
      on: {
        APPROVE: {
          target: 'startingFailback',
          actions: { type: 'recordApproval', params: ({ event }) => ({ by: event.by, at: event.at }) },
        },
        REFUSE: {
          target: 'aborted',
          actions: {
            type: 'failWith',
            params: ({ event }) => ({
              reason: { code: 'approval-refused', message: `approval refused by ${event.by}` },
            }),
          },
        },
        ABORT: {
          target: 'aborted',
          actions: { type: 'failWith', params: ({ event }) => ({ reason: abortReason(event) }) },
        },
        // Restored from disk: re-enter so the RTO wait is armed again from the new `now`.
        WAKE: [
          {
            guard: ({ context, event }) => event.now >= context.rtoDeadlineAt,
            target: 'aborted',
            actions: [
              'wake',
              {
                type: 'failWith',
                params: {
                  reason: {
                    code: 'rto-exceeded',
                    message: 'the RTO deadline passed while awaiting approval',
                  },
                },
              },
            ],
          },
          { target: 'awaitingApproval', reenter: true, actions: 'wake' },
        ],
      },
      after: {
        rtoDeadline: {
          target: 'aborted',
          actions: {
            type: 'failWith',
            params: {
              reason: { code: 'rto-exceeded', message: 'the RTO deadline passed while awaiting approval' },
            },
          },
        },
      },
    },
    startingFailback: {
      meta: {
        lifecycle: true,
        pointOfNoReturn: true,
        description: 'StartFailbackLaunch: the target machines are converted and rebooted',
      },
      tags: ['pointOfNoReturn', 'pastPointOfNoReturn'],
      initial: 'sending',
      states: {
        sending: {
          invoke: {
            id: 'startFailback',
            src: 'startFailback',
            input: ({ context }) => ({
              runId: context.runId,
              wave: context.wave.name,
              recoveryInstanceIDs: context.resolved
                .filter((s) => !isEc2Origin(s))
                .map((s) => s.recoveryInstanceID),
              // EC2-origin servers: StartRecovery of the reversed source server in the origin region.
              ec2Origin: context.resolved.filter(isEc2Origin),
              // Lets the activity adopt a job this run already started (a resumed run re-invokes it).
              runStartedAt: context.runStartedAt,
            }),
            onDone: [
              {
                guard: { type: 'startThrottled', params: ({ event }) => ({ output: event.output }) },
                target: 'throttled',
                actions: { type: 'recordStart', params: ({ event }) => ({ output: event.output }) },
              },
              {
                guard: { type: 'noJobStartedNothingSent', params: ({ event }) => ({ output: event.output }) },
                target: '#wave.aborted',
                actions: [
                  { type: 'recordStart', params: ({ event }) => ({ output: event.output }) },
                  {
                    type: 'failWith',
                    params: ({ event }) => ({ reason: awsReason(event.output.failure as AwsFailure) }),
                  },
                ],
              },
              {
                guard: { type: 'startFailed', params: ({ event }) => ({ output: event.output }) },
                target: '#wave.backout',
                actions: [
                  { type: 'recordStart', params: ({ event }) => ({ output: event.output }) },
                  {
                    type: 'beginBackout',
                    params: ({ event }) => ({ reason: awsReason(event.output.failure as AwsFailure) }),
                  },
                ],
              },
              {
                target: '#wave.monitoringJob',
                actions: { type: 'recordStart', params: ({ event }) => ({ output: event.output }) },
              },
            ],
            onError: {
              // The outcome of the call is unknown: assume it may have started, and back out.
              target: '#wave.backout',
              actions: {
                type: 'beginBackout',
                params: ({ event }) => ({
                  reason: { code: 'aws-error', message: errorMessage(event.error) },
                }),
              },
            },
          },
        },
        throttled: {
          after: { startRetry: 'sending' },
          on: { WAKE: { target: 'sending', actions: 'wake' } },
        },
      },
      on: {
        ABORT: {
          target: 'backout',
          actions: { type: 'beginBackout', params: ({ event }) => ({ reason: abortReason(event) }) },
        },
      },
    },
    monitoringJob: {
      meta: {
        lifecycle: true,
        description: 'Polling DescribeJobs until every server is LAUNCHED or one FAILED',
      },
      tags: ['pastPointOfNoReturn', 'polling'],
      entry: 'armJobDeadline',
      initial: 'polling',
      states: {
        polling: {
          invoke: {
            id: 'pollJobs',
            src: 'pollJobs',
            input: ({ context }) => ({
              runId: context.runId,
              wave: context.wave.name,
              jobIds: context.jobIds,
              ...(context.jobRegions ? { jobRegions: context.jobRegions } : {}),
              logCursor: context.logCursor,
            }),
            onDone: [
              {
                guard: { type: 'jobsLaunched', params: ({ event }) => ({ output: event.output }) },
                target: '#wave.verifying',
                actions: { type: 'recordPoll', params: ({ event }) => ({ output: event.output }) },
              },
              {
                guard: { type: 'jobsFailed', params: ({ event }) => ({ output: event.output }) },
                target: '#wave.backout',
                actions: [
                  { type: 'recordPoll', params: ({ event }) => ({ output: event.output }) },
                  {
                    type: 'beginBackout',
                    params: ({ event }) => ({
                      reason: { code: 'launch-failed', message: event.output.detail },
                    }),
                  },
                ],
              },
              {
                guard: { type: 'pollFatal', params: ({ event }) => ({ failure: event.output.failure }) },
                target: '#wave.backout',
                actions: [
                  { type: 'recordPoll', params: ({ event }) => ({ output: event.output }) },
                  {
                    type: 'beginBackout',
                    params: ({ event }) => ({ reason: awsReason(event.output.failure as AwsFailure) }),
                  },
                ],
              },
              {
                guard: { type: 'rtoPassed', params: ({ event }) => ({ now: event.output.now }) },
                target: '#wave.backout',
                actions: [
                  { type: 'recordPoll', params: ({ event }) => ({ output: event.output }) },
                  { type: 'beginBackout', params: { reason: rtoReason('the launch job') } },
                ],
              },
              {
                guard: { type: 'jobTimedOut', params: ({ event }) => ({ now: event.output.now }) },
                target: '#wave.backout',
                actions: [
                  { type: 'recordPoll', params: ({ event }) => ({ output: event.output }) },
                  {
                    type: 'beginBackout',
                    params: ({ context }) => ({
                      reason: {
                        code: 'job-timeout',
                        message: `job ${context.jobIds.join(', ')} did not finish within the job timeout`,
                      },
                    }),
                  },
                ],
              },
              {
                target: 'waiting',
                actions: { type: 'recordPoll', params: ({ event }) => ({ output: event.output }) },
              },
            ],
            onError: {
              target: '#wave.backout',
              actions: {
                type: 'beginBackout',
                params: ({ event }) => ({
                  reason: { code: 'aws-error', message: errorMessage(event.error) },
                }),
              },
            },
          },
        },
        waiting: { after: { jobPoll: 'polling' }, on: { WAKE: { target: 'polling', actions: 'wake' } } },
      },
      on: {
        ABORT: {
          target: 'backout',
          actions: { type: 'beginBackout', params: ({ event }) => ({ reason: abortReason(event) }) },
        },
      },
    },
    verifying: {
      meta: { lifecycle: true, description: 'Failback state, EC2 status checks, network and probes' },
      tags: ['pastPointOfNoReturn', 'polling'],
      entry: 'armVerifyDeadline',
      initial: 'checking',
      states: {
        checking: {
          invoke: {
            id: 'verifyFailback',
            src: 'verifyFailback',
            input: ({ context }) => ({
              runId: context.runId,
              wave: context.wave.name,
              servers: context.wave.servers,
              resolved: context.resolved,
              launched: context.launch,
            }),
            onDone: [
              {
                guard: { type: 'verifyHealthy', params: ({ event }) => ({ output: event.output }) },
                target: '#wave.afterVerified',
                actions: { type: 'recordVerify', params: ({ event }) => ({ output: event.output }) },
              },
              {
                guard: { type: 'verifyUnhealthy', params: ({ event }) => ({ output: event.output }) },
                target: '#wave.backout',
                actions: [
                  { type: 'recordVerify', params: ({ event }) => ({ output: event.output }) },
                  {
                    type: 'beginBackout',
                    params: ({ event }) => ({ reason: verifyReason('verify-failed', event.output.servers) }),
                  },
                ],
              },
              {
                guard: { type: 'pollFatal', params: ({ event }) => ({ failure: event.output.failure }) },
                target: '#wave.backout',
                actions: [
                  { type: 'recordVerify', params: ({ event }) => ({ output: event.output }) },
                  {
                    type: 'beginBackout',
                    params: ({ event }) => ({ reason: awsReason(event.output.failure as AwsFailure) }),
                  },
                ],
              },
              {
                guard: { type: 'rtoPassed', params: ({ event }) => ({ now: event.output.now }) },
                target: '#wave.backout',
                actions: [
                  { type: 'recordVerify', params: ({ event }) => ({ output: event.output }) },
                  { type: 'beginBackout', params: { reason: rtoReason('verification') } },
                ],
              },
              {
                guard: { type: 'verifyTimedOut', params: ({ event }) => ({ now: event.output.now }) },
                target: '#wave.backout',
                actions: [
                  { type: 'recordVerify', params: ({ event }) => ({ output: event.output }) },
                  {
                    type: 'beginBackout',
                    params: ({ event }) => ({ reason: verifyReason('verify-timeout', event.output.servers) }),
                  },
                ],
              },
              {
                target: 'waiting',
                actions: { type: 'recordVerify', params: ({ event }) => ({ output: event.output }) },
              },
            ],
            onError: {
              target: '#wave.backout',
              actions: {
                type: 'beginBackout',
                params: ({ event }) => ({
                  reason: { code: 'aws-error', message: errorMessage(event.error) },
                }),
              },
            },
          },
        },
        waiting: { after: { verifyPoll: 'checking' }, on: { WAKE: { target: 'checking', actions: 'wake' } } },
      },
      on: {
        ABORT: {
          target: 'backout',
          actions: { type: 'beginBackout', params: ({ event }) => ({ reason: abortReason(event) }) },
        },
      },
    },
    // Transient: which opt-in step (if any) comes after a verified failback.
    afterVerified: {
      always: [
        { guard: 'reprotectWanted', target: 'reprotecting' },
        { guard: 'cleanupWanted', target: 'cleaningUp' },
        { target: 'completed' },
      ],
    },
    reprotecting: {
      meta: {
        lifecycle: true,
        description: 'Opt-in: ReverseReplication of the new primary, after its own approval',
      },
      tags: ['pastPointOfNoReturn'],
      initial: 'awaitingApproval',
      states: {
        awaitingApproval: {
          meta: { lifecycle: true, description: 'Waiting for a person to approve re-protection' },
          on: {
            APPROVE: 'sending',
            REFUSE: {
              target: '#wave.afterReprotect',
              actions: {
                type: 'recordSkipped',
                params: ({ event }) => ({ step: `reprotect refused by ${event.by}` }),
              },
            },
          },
        },
        sending: {
          invoke: {
            id: 'reprotect',
            src: 'reprotect',
            input: ({ context }) => ({
              runId: context.runId,
              wave: context.wave.name,
              servers: context.resolved.filter(isEc2Origin).flatMap((s) => {
                // The origin-region job lists the reversed source server, not the DR one.
                const launched = context.launch.find(
                  (l) =>
                    l.sourceServerID === s.reversedSourceServerID || l.sourceServerID === s.sourceServerID,
                );
                return launched?.recoveryInstanceID && s.originRegion
                  ? [
                      {
                        sourceServerID: s.sourceServerID,
                        originRegion: s.originRegion,
                        recoveryInstanceID: launched.recoveryInstanceID,
                      },
                    ]
                  : [];
              }),
            }),
            onDone: {
              target: '#wave.afterReprotect',
              actions: { type: 'recordReprotect', params: ({ event }) => ({ output: event.output }) },
            },
            onError: {
              target: '#wave.afterReprotect',
              actions: {
                type: 'recordSkipped',
                params: ({ event }) => ({ step: `reprotect failed: ${errorMessage(event.error)}` }),
              },
            },
          },
        },
      },
      on: {
        // The failback is verified: stopping here only skips the opt-in step.
        ABORT: {
          target: 'afterReprotect',
          actions: { type: 'recordSkipped', params: { step: 'reprotect skipped by ABORT' } },
        },
      },
    },
    afterReprotect: {
      always: [{ guard: 'cleanupWanted', target: 'cleaningUp' }, { target: 'completed' }],
    },
    cleaningUp: {
      meta: {
        lifecycle: true,
        description: 'Opt-in: TerminateRecoveryInstances of the old DR instances, after its own approval',
      },
      tags: ['pastPointOfNoReturn'],
      initial: 'awaitingApproval',
      states: {
        awaitingApproval: {
          meta: { lifecycle: true, description: 'Waiting for a person to approve the irreversible clean-up' },
          on: {
            APPROVE: 'sending',
            REFUSE: {
              target: '#wave.completed',
              actions: {
                type: 'recordSkipped',
                params: ({ event }) => ({ step: `cleanup refused by ${event.by}` }),
              },
            },
          },
        },
        sending: {
          invoke: {
            id: 'cleanup',
            src: 'cleanup',
            input: ({ context }) => ({
              runId: context.runId,
              wave: context.wave.name,
              recoveryInstanceIDs: context.resolved.filter(isEc2Origin).map((s) => s.recoveryInstanceID),
            }),
            onDone: {
              target: '#wave.completed',
              actions: { type: 'recordCleanup', params: ({ event }) => ({ output: event.output }) },
            },
            onError: {
              target: '#wave.completed',
              actions: {
                type: 'recordSkipped',
                params: ({ event }) => ({ step: `cleanup failed: ${errorMessage(event.error)}` }),
              },
            },
          },
        },
      },
      on: {
        ABORT: {
          target: 'completed',
          actions: { type: 'recordSkipped', params: { step: 'cleanup skipped by ABORT' } },
        },
      },
    },
    completed: {
      meta: { lifecycle: true, description: 'Every server launched and verified on the primary side' },
      tags: ['pastPointOfNoReturn'],
      type: 'final',
      entry: { type: 'settle', params: { outcome: 'completed' } },
    },
    backout: {
      meta: { lifecycle: true, description: 'Keep the DR side serving' },
      tags: ['pastPointOfNoReturn', 'backout'],
      initial: 'stoppingFailback',
      states: {
        stoppingFailback: {
          meta: { lifecycle: true, description: 'StopFailback for each recovery instance of the wave' },
          invoke: {
            id: 'stopFailback',
            src: 'stopFailback',
            input: ({ context }) => ({
              runId: context.runId,
              wave: context.wave.name,
              // EC2-origin servers have no failback state: their DR instances simply keep serving.
              recoveryInstanceIDs: context.resolved
                .filter((s) => !isEc2Origin(s))
                .map((s) => s.recoveryInstanceID),
            }),
            onDone: [
              {
                guard: 'restoreNever',
                target: '#wave.backedOut',
                actions: { type: 'recordStop', params: ({ event }) => ({ output: event.output }) },
              },
              {
                target: 'restoringRecoveryPoint',
                actions: { type: 'recordStop', params: ({ event }) => ({ output: event.output }) },
              },
            ],
            onError: [
              { guard: 'restoreNever', target: '#wave.backedOut' },
              { target: 'restoringRecoveryPoint' },
            ],
          },
        },
        restoringRecoveryPoint: {
          meta: {
            lifecycle: true,
            description:
              'Check the recovery instances; relaunch lost ones at the newest recovery point before the run',
          },
          initial: 'assessing',
          entry: 'resetPolling',
          states: {
            assessing: {
              invoke: {
                id: 'assessDrSide',
                src: 'assessDrSide',
                input: ({ context }) => ({
                  runId: context.runId,
                  wave: context.wave.name,
                  sourceServerIDs: context.wave.servers.map((s) => s.sourceServerID),
                  restore: context.restore,
                }),
                onDone: [
                  {
                    guard: { type: 'pollFatal', params: ({ event }) => ({ failure: event.output.failure }) },
                    target: '#wave.backoutFailed',
                    actions: [
                      { type: 'recordAssessment', params: ({ event }) => ({ output: event.output }) },
                      {
                        type: 'failWith',
                        params: ({ event }) => ({ reason: restoreReason(event.output.failure?.message) }),
                      },
                    ],
                  },
                  {
                    guard: { type: 'drSideNeedsRestore', params: ({ event }) => ({ output: event.output }) },
                    target: 'startingRecovery',
                    actions: { type: 'recordAssessment', params: ({ event }) => ({ output: event.output }) },
                  },
                  {
                    guard: { type: 'drSideHealthy', params: ({ event }) => ({ output: event.output }) },
                    target: '#wave.backedOut',
                    actions: { type: 'recordAssessment', params: ({ event }) => ({ output: event.output }) },
                  },
                  {
                    guard: { type: 'restoreTimedOut', params: ({ event }) => ({ now: event.output.now }) },
                    target: '#wave.backoutFailed',
                    actions: [
                      { type: 'recordAssessment', params: ({ event }) => ({ output: event.output }) },
                      {
                        type: 'failWith',
                        params: {
                          reason: restoreReason('the recovery instances did not become healthy in time'),
                        },
                      },
                    ],
                  },
                  {
                    target: 'waitingToAssess',
                    actions: { type: 'recordAssessment', params: ({ event }) => ({ output: event.output }) },
                  },
                ],
                onError: {
                  target: '#wave.backoutFailed',
                  actions: {
                    type: 'failWith',
                    params: ({ event }) => ({ reason: restoreReason(errorMessage(event.error)) }),
                  },
                },
              },
            },
            waitingToAssess: {
              after: { restorePoll: 'assessing' },
              on: { WAKE: { target: 'assessing', actions: 'wake' } },
            },
            startingRecovery: {
              invoke: {
                id: 'restoreRecoveryPoint',
                src: 'restoreRecoveryPoint',
                input: ({ context }) => ({
                  runId: context.runId,
                  wave: context.wave.name,
                  sourceServerIDs: context.backout?.needsRestore ?? [],
                  before: context.runStartedAt,
                  jobsCreatedAfter: context.backout?.startedAt ?? context.runStartedAt,
                }),
                onDone: [
                  {
                    guard: ({ event }) =>
                      event.output.failure !== undefined || event.output.jobIds.length === 0,
                    target: '#wave.backoutFailed',
                    actions: [
                      { type: 'recordRestoreStart', params: ({ event }) => ({ output: event.output }) },
                      {
                        type: 'failWith',
                        params: ({ event }) => ({
                          reason: restoreReason(
                            event.output.failure?.message ?? 'no recovery job was started',
                          ),
                        }),
                      },
                    ],
                  },
                  {
                    target: 'monitoringRecovery',
                    actions: {
                      type: 'recordRestoreStart',
                      params: ({ event }) => ({ output: event.output }),
                    },
                  },
                ],
                onError: {
                  target: '#wave.backoutFailed',
                  actions: {
                    type: 'failWith',
                    params: ({ event }) => ({ reason: restoreReason(errorMessage(event.error)) }),
                  },
                },
              },
            },
            monitoringRecovery: {
              initial: 'polling',
              states: {
                polling: {
                  invoke: {
                    id: 'pollRecoveryJobs',
                    src: 'pollJobs',
                    input: ({ context }) => ({
                      runId: context.runId,
                      wave: context.wave.name,
                      jobIds: context.backout?.restoreJobIds ?? [],
                      logCursor: context.logCursor,
                    }),
                    onDone: [
                      {
                        guard: { type: 'jobsLaunched', params: ({ event }) => ({ output: event.output }) },
                        target: '#wave.backout.restoringRecoveryPoint.verifyingRestore',
                        actions: {
                          type: 'recordRestorePoll',
                          params: ({ event }) => ({ output: event.output }),
                        },
                      },
                      {
                        guard: ({ event }) =>
                          event.output.verdict === 'failed' ||
                          (event.output.failure !== undefined && !event.output.failure.retryable),
                        target: '#wave.backoutFailed',
                        actions: [
                          { type: 'recordRestorePoll', params: ({ event }) => ({ output: event.output }) },
                          {
                            type: 'failWith',
                            params: ({ event }) => ({
                              reason: restoreReason(event.output.failure?.message ?? event.output.detail),
                            }),
                          },
                        ],
                      },
                      {
                        guard: {
                          type: 'restoreJobTimedOut',
                          params: ({ event }) => ({ now: event.output.now }),
                        },
                        target: '#wave.backoutFailed',
                        actions: [
                          { type: 'recordRestorePoll', params: ({ event }) => ({ output: event.output }) },
                          {
                            type: 'failWith',
                            params: { reason: restoreReason('the recovery job timed out') },
                          },
                        ],
                      },
                      {
                        target: 'waiting',
                        actions: {
                          type: 'recordRestorePoll',
                          params: ({ event }) => ({ output: event.output }),
                        },
                      },
                    ],
                    onError: {
                      target: '#wave.backoutFailed',
                      actions: {
                        type: 'failWith',
                        params: ({ event }) => ({ reason: restoreReason(errorMessage(event.error)) }),
                      },
                    },
                  },
                },
                waiting: {
                  after: { restorePoll: 'polling' },
                  on: { WAKE: { target: 'polling', actions: 'wake' } },
                },
              },
            },
            verifyingRestore: {
              entry: 'resetPolling',
              initial: 'checking',
              states: {
                checking: {
                  invoke: {
                    id: 'verifyRestore',
                    src: 'assessDrSide',
                    input: ({ context }) => ({
                      runId: context.runId,
                      wave: context.wave.name,
                      sourceServerIDs: context.wave.servers.map((s) => s.sourceServerID),
                      // After a relaunch only health matters: never relaunch twice in one backout.
                      restore: 'if-unhealthy' as const,
                    }),
                    onDone: [
                      {
                        guard: ({ event }) => event.output.verdict === 'healthy',
                        target: '#wave.backedOut',
                        actions: {
                          type: 'recordAssessment',
                          params: ({ event }) => ({ output: event.output }),
                        },
                      },
                      {
                        guard: ({ event }) =>
                          event.output.failure !== undefined && !event.output.failure.retryable,
                        target: '#wave.backoutFailed',
                        actions: [
                          { type: 'recordAssessment', params: ({ event }) => ({ output: event.output }) },
                          {
                            type: 'failWith',
                            params: ({ event }) => ({ reason: restoreReason(event.output.failure?.message) }),
                          },
                        ],
                      },
                      {
                        guard: {
                          type: 'restoreTimedOut',
                          params: ({ event }) => ({ now: event.output.now }),
                        },
                        target: '#wave.backoutFailed',
                        actions: [
                          { type: 'recordAssessment', params: ({ event }) => ({ output: event.output }) },
                          {
                            type: 'failWith',
                            params: {
                              reason: restoreReason(
                                'the relaunched recovery instances did not pass their checks in time',
                              ),
                            },
                          },
                        ],
                      },
                      {
                        target: 'waiting',
                        actions: {
                          type: 'recordAssessment',
                          params: ({ event }) => ({ output: event.output }),
                        },
                      },
                    ],
                    onError: {
                      target: '#wave.backoutFailed',
                      actions: {
                        type: 'failWith',
                        params: ({ event }) => ({ reason: restoreReason(errorMessage(event.error)) }),
                      },
                    },
                  },
                },
                waiting: {
                  after: { restorePoll: 'checking' },
                  on: { WAKE: { target: 'checking', actions: 'wake' } },
                },
              },
            },
          },
        },
      },
    },
    backedOut: {
      meta: { lifecycle: true, description: 'The DR side is serving; nothing lost' },
      tags: ['pastPointOfNoReturn'],
      type: 'final',
      entry: { type: 'settle', params: { outcome: 'backed-out' } },
    },
    backoutFailed: {
      meta: { lifecycle: true, description: 'A person must act: the report says what and where' },
      tags: ['pastPointOfNoReturn'],
      type: 'final',
      entry: { type: 'settle', params: { outcome: 'backout-failed' } },
    },
    aborted: {
      meta: { lifecycle: true, description: 'Stopped before the point of no return; nothing changed' },
      type: 'final',
      entry: { type: 'settle', params: { outcome: 'aborted' } },
    },
    precheckFailed: {
      meta: { lifecycle: true, description: 'A precheck failed; nothing changed' },
      type: 'final',
      entry: { type: 'settle', params: { outcome: 'precheck-failed' } },
    },
  },
});

function pollParams(context: WaveContext) {
  return {
    intervalMs: context.polling.intervalMs,
    maxMs: context.polling.maxMs,
    errorStreak: context.errorStreak,
    retryAfterMs: context.retryAfterMs,
    jitterSeed: context.jitterSeed,
    attempt: context.pollAttempt,
  };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function abortReason(event: { by?: string; reason?: string }): FailureReason {
  const by = event.by ? ` by ${event.by}` : '';
  return { code: 'operator-abort', message: event.reason ?? `aborted${by}` };
}

function rtoReason(during: string): FailureReason {
  return { code: 'rto-exceeded', message: `the RTO deadline passed during ${during}` };
}

function restoreReason(message: string | undefined): FailureReason {
  return { code: 'restore-failed', message: message ?? 'restore failed' };
}

function verifyReason(code: 'verify-failed' | 'verify-timeout', servers: ServerHealth[]): FailureReason {
  const bad = servers.filter((s) => s.status !== 'healthy').map((s) => `${s.sourceServerID}: ${s.detail}`);
  const lead =
    code === 'verify-timeout' ? 'verification did not pass within the verify timeout' : 'verification failed';
  return { code, message: bad.length > 0 ? `${lead}: ${bad.join('; ')}` : lead };
}
