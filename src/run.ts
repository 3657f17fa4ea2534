// The composition root of a run: plan + clients in, a running, observable failback out.
// Everything with I/O is built here and handed to the pure machines with machine.provide().
import type { Logger } from 'pino';
import { type Actor, createActor, fromPromise, type InspectionEvent, type Snapshot } from 'xstate';
import { lifecyclePath, lifecycleStates } from '../machines/lifecycle.js';
import {
  type PlanOutput,
  type PlanRunInput,
  planMachine,
  type WaveResult,
} from '../machines/plan.machine.js';
import type { Outcome } from '../machines/types.js';
import {
  describeAfterFailbackStep,
  describeWavePointOfNoReturn,
  type WaveContext,
  waveMachine,
} from '../machines/wave.machine.js';
import { createAwsActors } from './actors/index.js';
import { createNetworkProbeRunner } from './actors/probes.js';
import type { FailbackActivities, ProbeRunner } from './actors/types.js';
import type { AwsClients } from './aws/clients.js';
import { instrumentAwsClients } from './aws/instrument.js';
import type { BeforeSend } from './aws/stop-gate.js';
import { type Clock, systemClock } from './clock.js';
import type { EmitEvent, RunEvent, RunEventBody } from './events.js';
import { createLogger, runLogger } from './log.js';
import { createNotifier } from './notify/notifier.js';
import type { Plan } from './plan/types.js';
import { newRunId } from './run-id.js';

export interface CreateRunOptions {
  plan: Plan;
  /** Clients for the plan's region; anything with the SDK client's `send` works. */
  clients: AwsClients;
  log?: Logger;
  /** Region the clients talk to, as reported in `aws.request` events; defaults to the plan's. */
  region?: string;
  /** Defaults to wall-clock time; the simulated AWS passes its virtual clock. */
  clock?: Clock;
  runId?: string;
  probes?: ProbeRunner;
  /** Marks the run as a dry run in `run.started`; behaviour does not change. */
  simulated?: boolean;
  /** Replace some activities (tests, embedders with their own AWS wrapper). */
  activities?: Partial<FailbackActivities>;
  /** Seed for poll jitter; derived from the run id when absent. */
  jitterSeed?: number;
  /** Resume from a persisted snapshot of the plan machine. */
  snapshot?: Snapshot<unknown>;
  /** Time allowed at the end of the run for queued notifications, before they are given up. */
  notificationDrainMs?: number;
  /**
   * Called with the persisted snapshot after every step of the plan or a wave (the state
   * directory writes it to disk). Runs synchronously, before the next step.
   */
  onSnapshot?: (snapshot: Snapshot<unknown>) => void;
  /**
   * With `snapshot`: the events already logged for this run. Transitions logged without their
   * notification (the process died with them queued) are notified again, with the same
   * sequence numbers, so FIFO topics drop the ones that did go out.
   */
  history?: readonly RunEvent[];
  /** Looks at every AWS call before it is sent; throwing refuses it (the stop gate of the CLI). */
  beforeSend?: BeforeSend;
}

/** Transitions of a run's log whose notification never finished, and the next sequence number. */
export function unnotifiedTransitions(history: readonly RunEvent[]): {
  nextSeq: number;
  pending: Extract<RunEvent, { type: 'state' }>[];
} {
  const states = history.filter((e): e is Extract<RunEvent, { type: 'state' }> => e.type === 'state');
  // Notifications go out one at a time in transition order: the first N transitions are done.
  const notified = history.filter((e) => e.type === 'notification').length;
  return { nextSeq: states.length + 1, pending: states.slice(notified) };
}

export interface RunResult extends PlanOutput {
  runId: string;
}

export type RunListener = (event: RunEvent) => void;

export interface FailbackRun {
  readonly id: string;
  readonly plan: Plan;
  /** Starts the run; resolves with the outcome once it ends. Same promise as `result`. */
  start(): Promise<RunResult>;
  readonly result: Promise<RunResult>;
  /** Approves the point of no return of the wave awaiting approval. Returns false when none waits. */
  approve(by: string): boolean;
  refuse(by: string): boolean;
  /** Before the point of no return: abort. After it: back out. */
  abort(by?: string, reason?: string): void;
  /** Subscribes to the contract's event stream; returns the unsubscribe function. */
  on(listener: RunListener): () => void;
  /** The wave awaiting approval, if any. */
  pendingApproval(): { wave: string; pointOfNoReturn: string } | null;
  /** JSON-serialisable snapshot of the whole run, for persistence. */
  persistedSnapshot(): Snapshot<unknown>;
  readonly actor: Actor<typeof planMachine>;
}

const PLAN_LIFECYCLE = new Set(lifecycleStates(planMachine).map((s) => s.path));
const WAVE_LIFECYCLE = new Set(lifecycleStates(waveMachine).map((s) => s.path));

/** The plan machine's input for a plan, started at `startedAt`. */
export function planRunInput(plan: Plan, runId: string, startedAt: number, jitterSeed: number): PlanRunInput {
  return {
    runId,
    planName: plan.name,
    waves: plan.waves,
    rpoMs: plan.objectives.rpoMs,
    rtoMs: plan.objectives.rtoMs,
    approval: plan.approval,
    polling: plan.polling,
    verifyTimeoutMs: plan.verify.timeoutMs,
    jobTimeoutMs: plan.job.timeoutMs,
    restore: plan.backout.restore,
    jitterSeed,
    startedAt,
    ...(plan.afterFailback ? { afterFailback: plan.afterFailback } : {}),
  };
}

/**
 * Wraps an activity as an xstate actor. xstate runs an invoked promise's creator while the
 * state that invokes it is still being entered; starting the work one microtask later lets
 * that state be announced first, so the event stream reads `state` before the calls it makes.
 */
function activityActor<I, O>(activity: (input: I) => Promise<O>) {
  return fromPromise(async ({ input }: { input: I }) => {
    await Promise.resolve();
    return activity(input);
  });
}

/** The activities as xstate actors, under the names the wave machine invokes. */
export function activityActors(a: FailbackActivities) {
  return {
    precheck: activityActor(a.precheck),
    startFailback: activityActor(a.startFailback),
    pollJobs: activityActor(a.pollJobs),
    verifyFailback: activityActor(a.verifyFailback),
    stopFailback: activityActor(a.stopFailback),
    assessDrSide: activityActor(a.assessDrSide),
    restoreRecoveryPoint: activityActor(a.restoreRecoveryPoint),
    reprotect: activityActor(a.reprotect),
    cleanup: activityActor(a.cleanup),
  };
}

/** The plan machine with real activities in place of the placeholders. */
export function provideActivities(activities: FailbackActivities) {
  return planMachine.provide({
    actors: { wave: waveMachine.provide({ actors: activityActors(activities) }) },
  });
}

function seedFrom(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  return h;
}

function countServers(plan: Plan): number {
  return plan.waves.reduce((n, w) => n + w.servers.length, 0);
}

interface WaveSnapshotLike {
  status: string;
  value: Parameters<typeof lifecyclePath>[0];
  context: WaveContext;
  machine?: { id: string };
}

/** What approving does in a state that waits for a person; null when the state does not wait. */
function approvalPrompt(state: string | undefined, context: WaveContext): string | null {
  if (state === 'awaitingApproval') return describeWavePointOfNoReturn(context.resolved);
  if (state === 'reprotecting.awaitingApproval') return describeAfterFailbackStep('reprotect', context);
  if (state === 'cleaningUp.awaitingApproval') return describeAfterFailbackStep('cleanup', context);
  return null;
}

/** A resumed run already stands in some states: announce only the changes from there. */
function seedLifecycleStates(actor: Actor<typeof planMachine>, lastState: Map<string, string>): void {
  const plan = actor.getSnapshot();
  const planState = lifecyclePath(plan.value, PLAN_LIFECYCLE);
  if (planState !== null) lastState.set('plan', planState);
  const wave = plan.children.wave?.getSnapshot() as WaveSnapshotLike | undefined;
  const waveState = wave?.context ? lifecyclePath(wave.value, WAVE_LIFECYCLE) : null;
  if (wave?.context && waveState !== null) lastState.set(`wave:${wave.context.waveIndex}`, waveState);
}

/** Creates a run. Nothing is sent to AWS until `start()`. */
export function createFailbackRun(options: CreateRunOptions): FailbackRun {
  const { plan } = options;
  const clock = options.clock ?? systemClock;
  const runId = options.runId ?? newRunId(clock.now());
  const rootLog = options.log ?? createLogger({ level: 'silent' });
  const log = runLogger(rootLog, runId);
  const listeners = new Set<RunListener>();

  const emit: EmitEvent = (body: RunEventBody) => {
    const event = { ...body, at: new Date(clock.now()).toISOString(), runId } as RunEvent;
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (err) {
        // A broken subscriber must never stop a failback.
        log.error({ err }, 'event listener failed');
      }
    }
  };

  const region = options.region ?? plan.region;
  const { drs, ec2, sns, regional } = instrumentAwsClients(options.clients, region, emit, options.beforeSend);

  const activities: FailbackActivities = {
    // Activities bind runId, wave and server themselves (they are usable without a run).
    ...createAwsActors({
      drs,
      ec2,
      ...(regional ? { regional } : {}),
      log: rootLog,
      clock,
      emit,
      probes: options.probes ?? createNetworkProbeRunner(),
    }),
    ...options.activities,
  };

  const notifier = createNotifier({ sns, topicArn: plan.notifications?.topicArn, clock, emit, log });
  const replay = options.snapshot && options.history ? unnotifiedTransitions(options.history) : null;
  let transitionSeq = replay ? replay.nextSeq - 1 : 0;
  // Two views of where each machine stands: what the event log already announced (a resumed
  // run may replay a transition the log has: it is not announced twice), and where the machine
  // really is (what an approval prompt depends on).
  const lastState = new Map<string, string>();
  const machineState = new Map<string, string>();
  const alreadyLogged = new Map<string, Set<string>>();
  let waitingForApproval: { wave: string; pointOfNoReturn: string } | null = null;

  const announce = (
    machine: 'plan' | 'wave',
    key: string,
    to: string,
    wave: string | undefined,
    outcome?: Outcome,
    reason?: string,
  ) => {
    const from = lastState.get(key) ?? null;
    // A lifecycle state is entered at most once per wave and run: one the log already holds is
    // a replay after a resume, already announced (and notified, or queued for re-notification).
    if (from === to || alreadyLogged.get(key)?.has(to)) return;
    lastState.set(key, to);
    emit({ type: 'state', machine, ...(wave !== undefined ? { wave } : {}), from, to });
    transitionSeq += 1;
    notifier.notify({
      runId,
      plan: plan.name,
      machine,
      wave,
      from,
      to,
      outcome,
      reason,
      at: new Date(clock.now()).toISOString(),
      seq: transitionSeq,
      topicArn: plan.notifications?.topicArn ?? '',
    });
  };

  const onMachineStep = (snap: WaveSnapshotLike) => {
    const machineId = snap.machine?.id;
    if (machineId === 'plan') {
      const to = lifecyclePath(snap.value, PLAN_LIFECYCLE);
      if (to === null) return;
      const ctx = snap.context as unknown as { outcome: Outcome | null };
      announce(
        'plan',
        'plan',
        to,
        undefined,
        snap.status === 'done' ? (ctx.outcome ?? undefined) : undefined,
      );
    } else if (machineId === 'wave') {
      const ctx = snap.context;
      const to = lifecyclePath(snap.value, WAVE_LIFECYCLE);
      if (to === null) return;
      const key = `wave:${ctx.waveIndex}`;
      const entering = machineState.get(key) !== to;
      machineState.set(key, to);
      announce('wave', key, to, ctx.wave.name, ctx.outcome ?? undefined, ctx.failure?.message);
      const prompt = entering ? approvalPrompt(to, ctx) : null;
      if (prompt !== null) {
        waitingForApproval = { wave: ctx.wave.name, pointOfNoReturn: prompt };
        emit({ type: 'approval.requested', ...waitingForApproval });
      } else if (entering && waitingForApproval?.wave === ctx.wave.name) {
        waitingForApproval = null;
      }
    }
  };

  // Microsteps arrive in causal order (a wave's final state before the plan moves on);
  // initial states only show up as the actor's first snapshot.
  const inspect = (ev: InspectionEvent) => {
    if (ev.type === '@xstate.microstep') {
      onMachineStep(ev.snapshot as unknown as WaveSnapshotLike);
    } else if (ev.type === '@xstate.snapshot') {
      const snap = ev.snapshot as unknown as WaveSnapshotLike;
      if (ev.event.type === 'xstate.init') onMachineStep(snap);
      const machineId = snap.machine?.id;
      // A stopped actor (paused run) reports a snapshot without its wave: never persist that,
      // it would overwrite the resumable state.
      if (
        (machineId === 'plan' || machineId === 'wave') &&
        options.onSnapshot &&
        actorRef &&
        actorRef.getSnapshot().status !== 'stopped'
      ) {
        options.onSnapshot(actorRef.getPersistedSnapshot() as Snapshot<unknown>);
      }
    }
  };

  const machine = provideActivities(activities);
  const startedAt = clock.now();
  let actorRef: Actor<typeof planMachine> | undefined;
  const actor = createActor(machine, {
    input: planRunInput(plan, runId, startedAt, options.jitterSeed ?? seedFrom(runId)),
    clock,
    inspect,
    ...(options.snapshot ? { snapshot: options.snapshot as never } : {}),
    logger: (...args: unknown[]) => log.debug({ args }, 'xstate'),
  });

  actorRef = actor;
  if (options.snapshot) {
    seedLifecycleStates(actor, lastState);
    seedLifecycleStates(actor, machineState);
    // The log may be ahead of the snapshot (the process died between the two writes).
    for (const e of options.history ?? []) {
      if (e.type !== 'state') continue;
      const index = plan.waves.findIndex((w) => w.name === e.wave);
      const key = e.machine === 'plan' ? 'plan' : `wave:${index}`;
      lastState.set(key, e.to);
      alreadyLogged.set(key, (alreadyLogged.get(key) ?? new Set()).add(e.to));
    }
    const wave = actor.getSnapshot().children.wave?.getSnapshot() as WaveSnapshotLike | undefined;
    const prompt = wave?.context
      ? approvalPrompt(machineState.get(`wave:${wave.context.waveIndex}`), wave.context)
      : null;
    if (wave?.context && prompt !== null)
      waitingForApproval = { wave: wave.context.wave.name, pointOfNoReturn: prompt };
  }

  let started = false;
  let resolveResult: (r: RunResult) => void = () => {};
  let rejectResult: (e: unknown) => void = () => {};
  const result = new Promise<RunResult>((resolve, reject) => {
    resolveResult = resolve;
    rejectResult = reject;
  });

  actor.subscribe({
    complete: () => {
      // A run stopped on purpose (paused for resume) has no outcome: `result` stays pending.
      const snapshot = actor.getSnapshot();
      if (snapshot.status === 'done') void finish(snapshot.output as PlanOutput);
    },
    error: (err) => rejectResult(err),
  });

  const finish = async (output: PlanOutput) => {
    await notifier.drain({ deadlineMs: options.notificationDrainMs ?? 60_000 });
    emit({
      type: 'run.finished',
      outcome: output.outcome,
      waves: output.waves.map((w: WaveResult) => ({ name: w.name, outcome: w.outcome })),
    });
    log.info({ outcome: output.outcome }, 'run finished');
    resolveResult({ ...output, runId });
  };

  return {
    id: runId,
    plan,
    actor,
    result,
    start() {
      if (!started) {
        started = true;
        emit({
          type: 'run.started',
          plan: plan.name,
          waves: plan.waves.length,
          servers: countServers(plan),
          simulated: options.simulated ?? false,
        });
        log.info(
          { plan: plan.name, waves: plan.waves.length, resumed: options.snapshot !== undefined },
          'run started',
        );
        // The plan's first state before its first wave's (xstate reports the child first).
        if (!options.snapshot) onMachineStep(actor.getSnapshot() as unknown as WaveSnapshotLike);
        if (replay && plan.notifications) {
          const firstPendingSeq = replay.nextSeq - replay.pending.length;
          replay.pending.forEach((e, i) => {
            notifier.notify({
              runId,
              plan: plan.name,
              machine: e.machine,
              wave: e.wave,
              from: e.from,
              to: e.to,
              at: e.at,
              seq: firstPendingSeq + i,
              topicArn: plan.notifications?.topicArn ?? '',
            });
          });
        }
        actor.start();
        // Timers do not survive a restore: end every wait now and read AWS again.
        if (options.snapshot) actor.send({ type: 'WAKE', now: clock.now() });
        // A run resumed while it waited for a person asks again.
        if (options.snapshot && waitingForApproval && actor.getSnapshot().status === 'active') {
          emit({ type: 'approval.requested', ...waitingForApproval });
        }
      }
      return result;
    },
    approve(by) {
      const pending = waitingForApproval;
      if (!pending) return false;
      emit({ type: 'approval.given', wave: pending.wave, by });
      actor.send({ type: 'APPROVE', by, at: clock.now() });
      return true;
    },
    refuse(by) {
      const pending = waitingForApproval;
      if (!pending) return false;
      emit({ type: 'approval.refused', wave: pending.wave, by });
      actor.send({ type: 'REFUSE', by });
      return true;
    },
    abort(by, reason) {
      actor.send({
        type: 'ABORT',
        ...(by !== undefined ? { by } : {}),
        ...(reason !== undefined ? { reason } : {}),
      });
    },
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    pendingApproval: () => waitingForApproval,
    persistedSnapshot: () => actor.getPersistedSnapshot() as Snapshot<unknown>,
  };
}
