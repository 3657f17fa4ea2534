import { assign, enqueueActions, setup } from 'xstate';
import type { StateMeta } from './meta.js';
import type {
  AfterFailbackSettings,
  ApprovalMode,
  CutoverSettings,
  JobSettings,
  Outcome,
  PollingSettings,
  RestoreMode,
  WaveOutcome,
  WavePlan,
} from './types.js';
import { type WaveEvent, type WaveInput, type WaveOutput, waveMachine } from './wave.machine.js';
import { isSequential, readyWaves, runOutcome } from './wave-order.js';

export { runOutcome } from './wave-order.js';

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
  /** How many waves may run at once (absent: 1). */
  concurrency?: number;
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
  /**
   * Waves run side by side (`waves[].after`, `concurrency`): the indices started and running.
   * Absent: one wave at a time, as listed (`waveIndex`), and in snapshots of older versions.
   */
  started?: number[];
  running?: number[];
  /** An ABORT arrived while waves ran side by side: no further wave starts. */
  stopping?: boolean;
}

/** The plan hears what its waves hear, and forwards it to the running wave. */
export type PlanEvent = WaveEvent;

export interface PlanOutput {
  outcome: Outcome;
  waves: WaveResult[];
}

/** The id of the actor of wave `index` when waves run side by side (one at a time: `wave`). */
export const waveActorId = (index: number): string => `wave-${index}`;

/** Where the waves stand when they run side by side: started, running, finished outcomes. */
function progressOf(context: PlanContext) {
  const indexOf = new Map(context.waves.map((w, i) => [w.name, i]));
  const outcomes = new Map<number, WaveOutcome>();
  for (const r of context.results) {
    const i = indexOf.get(r.name);
    if (i !== undefined) outcomes.set(i, r.outcome);
  }
  // Waves with a result (ended, or failed back before this run's first wave) never start again.
  const started = [...new Set([...(context.started ?? []), ...outcomes.keys()])];
  return { started, running: context.running ?? [], outcomes };
}

/** The waves that start now (none once stopping). */
export function wavesToStart(context: PlanContext): number[] {
  if (context.stopping) return [];
  return readyWaves(context.waves, context.concurrency, progressOf(context));
}

function resultOf(output: WaveOutput): WaveResult {
  return {
    name: output.name,
    outcome: output.outcome,
    failure: output.failure,
    jobIds: output.jobIds,
    launch: output.launch,
    backout: output.backout,
    afterFailback: output.afterFailback,
    converted: output.converted,
    ...(output.cutover ? { cutover: output.cutover } : {}),
  };
}

export function waveInputFor(context: PlanContext, waveIndex = context.waveIndex): WaveInput {
  const wave = context.waves[waveIndex];
  if (wave === undefined) throw new Error(`no wave at index ${waveIndex}`);
  return {
    runId: context.runId,
    waveIndex,
    wave,
    requiresApproval:
      context.approval === 'per-wave' ||
      (context.approval === 'once' && waveIndex === (context.startAtWave ?? 0)),
    rpoMs: context.rpoMs,
    runStartedAt: context.startedAt,
    rtoDeadlineAt: context.rtoDeadlineAt,
    polling: context.polling,
    verifyTimeoutMs: context.verifyTimeoutMs,
    jobTimeoutMs: context.jobTimeoutMs,
    restore: context.restore,
    jitterSeed: context.jitterSeed + waveIndex,
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
    wavesRunSideBySide: ({ context }) => !isSequential(context.waves, context.concurrency),
    /** Side by side: no wave runs and none can start (the last one ended, or the rest wait on a failed one). */
    nothingLeftToRun: ({ context }) =>
      (context.running ?? []).length === 0 && wavesToStart(context).length === 0,
  },
  actions: {
    recordWave: assign(({ context }, params: { output: WaveOutput }) => ({
      now: params.output.now,
      results: [...context.results, resultOf(params.output)],
    })),
    /** Side by side: a wave ended; its result is recorded and it no longer runs. */
    recordSideBySideWave: assign(({ context }, params: { output: WaveOutput }) => ({
      now: Math.max(context.now, params.output.now),
      results: [...context.results, resultOf(params.output)],
      running: (context.running ?? []).filter((i) => i !== params.output.waveIndex),
    })),
    /** Side by side: starts every wave that may start now, each as its own actor. */
    startReadyWaves: enqueueActions(({ context, enqueue }) => {
      const ready = wavesToStart(context);
      if (ready.length === 0) return;
      for (const index of ready) {
        enqueue.spawnChild('wave', { id: waveActorId(index), input: waveInputFor(context, index) });
      }
      enqueue.assign({
        started: [...(context.started ?? []), ...ready],
        running: [...(context.running ?? []), ...ready],
      });
    }),
    stopStartingWaves: assign({ stopping: true }),
    nextWave: assign(({ context }) => ({ waveIndex: context.waveIndex + 1 })),
    // Waves after the one that did not complete are reported, never silently dropped.
    markRestNotStarted: assign(({ context }) => ({
      results: [
        ...context.results,
        ...context.waves
          .filter((w) => !context.results.some((r) => r.name === w.name))
          .map((w) => ({
            name: w.name,
            outcome: 'not-started' as const,
            failure: null,
            jobIds: [],
            backout: null,
          })),
      ],
    })),
    // Results in plan order (side by side, waves end in any order).
    settle: assign(({ context }) => {
      const order = new Map(context.waves.map((w, i) => [w.name, i]));
      const results = [...context.results].sort(
        (a, b) => (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0),
      );
      return { results, outcome: runOutcome(results) };
    }),
    // One wave at a time: an event naming another wave (a late wake-up) is not for the running one.
    forwardToWave: enqueueActions(({ context, event, enqueue }) => {
      const named = 'wave' in event ? event.wave : undefined;
      if (named === undefined || named === context.waves[context.waveIndex]?.name)
        enqueue.sendTo('wave', event);
    }),
    /** Side by side: an answer goes to the wave it names (else to every wave); the rest to all. */
    forwardToWaves: enqueueActions(({ context, event, enqueue }) => {
      const named =
        'wave' in event && event.wave !== undefined
          ? context.waves.findIndex((w) => w.name === event.wave)
          : -1;
      for (const index of context.running ?? []) {
        if (named === -1 || named === index) enqueue.sendTo(waveActorId(index), event);
      }
    }),
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
      initial: 'starting',
      states: {
        starting: {
          always: [{ guard: 'wavesRunSideBySide', target: 'sideBySide' }, { target: 'wave' }],
        },
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
          on: {
            APPROVE: { actions: 'forwardToWave' },
            REFUSE: { actions: 'forwardToWave' },
            ABORT: { actions: 'forwardToWave' },
            WAKE: { actions: 'forwardToWave' },
          },
        },
        // Waves the plan lets run beside each other (waves[].after, concurrency): each ready wave
        // starts as its own actor; a wave that does not complete stops only the waves after it.
        sideBySide: {
          entry: 'startReadyWaves',
          always: { guard: 'nothingLeftToRun', target: '#plan.finished', actions: 'markRestNotStarted' },
          on: {
            'xstate.done.actor.*': {
              actions: [
                {
                  type: 'recordSideBySideWave',
                  params: ({ event }: { event: unknown }) => ({
                    output: (event as { output: WaveOutput }).output,
                  }),
                },
                'startReadyWaves',
              ],
            },
            APPROVE: { actions: 'forwardToWaves' },
            REFUSE: { actions: 'forwardToWaves' },
            ABORT: { actions: ['stopStartingWaves', 'forwardToWaves'] },
            WAKE: { actions: 'forwardToWaves' },
          },
        },
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
