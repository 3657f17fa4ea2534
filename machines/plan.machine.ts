import { assign, sendTo, setup } from 'xstate';
import type { StateMeta } from './meta.js';
import {
  type AfterFailbackSettings,
  type ApprovalMode,
  type CutoverSettings,
  failedBack,
  type JobSettings,
  type Outcome,
  type PollingSettings,
  type RestoreMode,
  type WaveOutcome,
  type WavePlan,
} from './types.js';
import { type WaveEvent, type WaveInput, type WaveOutput, waveMachine } from './wave.machine.js';

export interface PlanRunInput {
  runId: string;
  planName: string;
  waves: WavePlan[];
  rpoMs: number;
  rtoMs: number;
  approval: ApprovalMode;
  polling: PollingSettings;
  verifyTimeoutMs: number;
  jobTimeoutMs: number;
  restore: RestoreMode;
  jitterSeed: number;
  /** When the run began (epoch ms), from the caller's clock. */
  startedAt: number;
  /** Opt-in steps after a verified EC2-origin failback (absent: both off). */
  afterFailback?: AfterFailbackSettings;
  /** The cutover before each wave's point of no return (absent: none, older snapshots). */
  cutover?: CutoverSettings;
  /** How long an approval may wait unanswered (absent: until the RTO deadline). */
  approvalTimeoutMs?: number;
  /** Who may answer approvals (the plan's `approvers`); passed on to every wave as data. */
  approvers?: string[];
  /**
   * Index of the first wave this run starts (`--from-wave`; absent: 0). The waves before it
   * failed back in an earlier run, as the caller confirmed from DRS: they are recorded as
   * `already-failed-back` and never started.
   */
  startAtWave?: number;
  /** The plan's job figures (absent in older snapshots: DRS's defaults, quotas not read). */
  jobs?: JobSettings;
}

export interface WaveResult {
  name: string;
  outcome: WaveOutcome;
  failure: WaveOutput['failure'];
  jobIds: string[];
  launch?: WaveOutput['launch'];
  backout: WaveOutput['backout'];
  afterFailback?: WaveOutput['afterFailback'];
  cutover?: WaveOutput['cutover'];
  /** Servers whose primary was already converted when the wave failed (absent in older snapshots). */
  converted?: string[];
}

export interface PlanContext extends PlanRunInput {
  rtoDeadlineAt: number;
  now: number;
  waveIndex: number;
  results: WaveResult[];
  outcome: Outcome | null;
}

/** The plan hears what its waves hear, and forwards it to the running wave. */
export type PlanEvent = WaveEvent;

export interface PlanOutput {
  outcome: Outcome;
  waves: WaveResult[];
}

/** The outcome of a run is the outcome of the first wave that did not complete. */
export function runOutcome(results: ReadonlyArray<{ outcome: WaveOutcome }>): Outcome {
  const first = results.find((r) => !failedBack(r.outcome) && r.outcome !== 'not-started');
  return (first?.outcome as Outcome | undefined) ?? 'completed';
}

export function waveInputFor(context: PlanContext): WaveInput {
  const wave = context.waves[context.waveIndex];
  if (wave === undefined) throw new Error(`no wave at index ${context.waveIndex}`);
  return {
    runId: context.runId,
    waveIndex: context.waveIndex,
    wave,
    requiresApproval:
      context.approval === 'per-wave' ||
      (context.approval === 'once' && context.waveIndex === (context.startAtWave ?? 0)),
    rpoMs: context.rpoMs,
    runStartedAt: context.startedAt,
    rtoDeadlineAt: context.rtoDeadlineAt,
    polling: context.polling,
    verifyTimeoutMs: context.verifyTimeoutMs,
    jobTimeoutMs: context.jobTimeoutMs,
    restore: context.restore,
    jitterSeed: context.jitterSeed + context.waveIndex,
    now: context.now,
    ...(context.afterFailback ? { afterFailback: context.afterFailback } : {}),
    ...(context.cutover ? { cutover: context.cutover } : {}),
    ...(context.approvalTimeoutMs !== undefined ? { approvalTimeoutMs: context.approvalTimeoutMs } : {}),
    ...(context.approvers ? { approvers: context.approvers } : {}),
    ...(context.jobs ? { jobs: context.jobs } : {}),
  };
}

export const planMachine = setup({
  types: {
    context: {} as PlanContext,
    input: {} as PlanRunInput,
    events: {} as PlanEvent,
    output: {} as PlanOutput,
    meta: {} as StateMeta,
  },
  actors: { wave: waveMachine },
  guards: {
    waveCompletedAndMoreToRun: ({ context }, params: { output: WaveOutput }) =>
      params.output.outcome === 'completed' && context.waveIndex + 1 < context.waves.length,
    outcomeIs: ({ context }, params: { outcome: Outcome }) => context.outcome === params.outcome,
  },
  actions: {
    recordWave: assign(({ context }, params: { output: WaveOutput }) => ({
      now: params.output.now,
      results: [
        ...context.results,
        {
          name: params.output.name,
          outcome: params.output.outcome,
          failure: params.output.failure,
          jobIds: params.output.jobIds,
          launch: params.output.launch,
          backout: params.output.backout,
          afterFailback: params.output.afterFailback,
          converted: params.output.converted,
          ...(params.output.cutover ? { cutover: params.output.cutover } : {}),
        },
      ],
    })),
    nextWave: assign(({ context }) => ({ waveIndex: context.waveIndex + 1 })),
    // Waves after the one that did not complete are reported, never silently dropped.
    markRestNotStarted: assign(({ context }) => ({
      results: [
        ...context.results,
        ...context.waves.slice(context.results.length).map((w) => ({
          name: w.name,
          outcome: 'not-started' as const,
          failure: null,
          jobIds: [],
          backout: null,
        })),
      ],
    })),
    settle: assign(({ context }) => ({ outcome: runOutcome(context.results) })),
    forwardToWave: sendTo('wave', ({ event }) => event),
  },
}).createMachine({
  id: 'plan',
  initial: 'running',
  context: ({ input }) => ({
    ...input,
    rtoDeadlineAt: input.startedAt + input.rtoMs,
    now: input.startedAt,
    waveIndex: input.startAtWave ?? 0,
    results: input.waves.slice(0, input.startAtWave ?? 0).map((w) => ({
      name: w.name,
      outcome: 'already-failed-back' as const,
      failure: null,
      jobIds: [],
      backout: null,
    })),
    outcome: null,
  }),
  output: ({ context }) => ({
    outcome: context.outcome ?? runOutcome(context.results),
    waves: context.results,
  }),
  states: {
    running: {
      meta: { label: 'Waves run in order, each through the wave lifecycle' },
      initial: 'wave',
      states: {
        wave: {
          invoke: {
            id: 'wave',
            src: 'wave',
            input: ({ context }) => waveInputFor(context),
            onDone: [
              {
                guard: {
                  type: 'waveCompletedAndMoreToRun',
                  params: ({ event }) => ({ output: event.output }),
                },
                target: 'wave',
                reenter: true,
                actions: [
                  { type: 'recordWave', params: ({ event }) => ({ output: event.output }) },
                  'nextWave',
                ],
              },
              {
                target: '#plan.finished',
                actions: [
                  { type: 'recordWave', params: ({ event }) => ({ output: event.output }) },
                  'markRestNotStarted',
                ],
              },
            ],
          },
        },
      },
      on: {
        APPROVE: { actions: 'forwardToWave' },
        REFUSE: { actions: 'forwardToWave' },
        ABORT: { actions: 'forwardToWave' },
        WAKE: { actions: 'forwardToWave' },
      },
    },
    finished: {
      entry: 'settle',
      always: [
        { guard: { type: 'outcomeIs', params: { outcome: 'completed' } }, target: 'completed' },
        { guard: { type: 'outcomeIs', params: { outcome: 'backed-out' } }, target: 'backedOut' },
        { guard: { type: 'outcomeIs', params: { outcome: 'backout-failed' } }, target: 'backoutFailed' },
        { guard: { type: 'outcomeIs', params: { outcome: 'needs-attention' } }, target: 'needsAttention' },
        { guard: { type: 'outcomeIs', params: { outcome: 'precheck-failed' } }, target: 'precheckFailed' },
        { target: 'aborted' },
      ],
    },
    completed: { type: 'final', meta: { label: 'Every wave completed', outcome: 'completed' } },
    backedOut: {
      type: 'final',
      meta: { label: 'A wave backed out; later waves not started', outcome: 'backed-out' },
    },
    backoutFailed: {
      type: 'final',
      meta: { label: 'A backout failed: a person must act', outcome: 'backout-failed' },
    },
    needsAttention: {
      type: 'final',
      meta: {
        label: 'A wave failed after some primaries were converted: a person must act',
        outcome: 'needs-attention',
      },
    },
    aborted: { type: 'final', meta: { label: 'Aborted before a point of no return', outcome: 'aborted' } },
    precheckFailed: {
      type: 'final',
      meta: { label: 'A wave failed its prechecks', outcome: 'precheck-failed' },
    },
  },
});
