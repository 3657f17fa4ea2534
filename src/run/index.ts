// The composition root of a run: plan + clients in, a running, observable failback out.
// Everything with I/O is built here and handed to the pure machines with machine.provide();
// the announcer (state -> events, notifications), the approvals and the durable wiring
// (snapshots, resume) are their own modules.
import type { Logger } from 'pino';
import { type Actor, createActor, type InspectionEvent, type Observer, type Snapshot } from 'xstate';
import type { PlanOutput, planMachine } from '../../machines/plan.machine.js';
import { failedBack } from '../../machines/types.js';
import { createAwsActors } from '../actors/index.js';
import { createNetworkProbeRunner } from '../actors/probes.js';
import type { FailbackActivities, ProbeRunner, WriteControl } from '../actors/types.js';
import { AwsClock } from '../aws/aws-clock.js';
import type { AwsClients, TargetClients } from '../aws/clients.js';
import type { CallerIdentity } from '../aws/identity.js';
import { instrumentAwsClients, instrumentClient } from '../aws/instrument.js';
import type { BeforeSend } from '../aws/stop-gate.js';
import { type Clock, systemClock } from '../clock.js';
import {
  type EmitEvent,
  EVENT_FORMAT_VERSION,
  eventStamper,
  lastEventSeq,
  type RunEvent,
  type RunEventBody,
} from '../events.js';
import { createLogger, runLogger } from '../log.js';
import { createNotifier } from '../notify/notifier.js';
import type { Plan } from '../plan/types.js';
import { newRunId } from '../run-id.js';
import { createAnnouncer, type MachineSnapshotLike, runningWaves } from './announcer.js';
import {
  type AnswerResult,
  type AnswerTarget,
  type Approver,
  createApprovals,
  type PendingApproval,
} from './approvals.js';
import type { EarlierWaves } from './continue.js';
import { persistSteps, renotify, unnotifiedTransitions, wakeRestored } from './durable.js';
import { planRunInput, provideActivities } from './machine.js';
import { emitNamingAccount, planActivities } from './targets.js';

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
  /** Stops the writes on the DR side at the cutover: only the simulated world can. */
  writes?: WriteControl;
  /** Marks the run as a dry run in `run.started`; behaviour does not change. */
  simulated?: boolean;
  /**
   * Who the run acts as, read by the caller (GetCallerIdentity) before the run starts: recorded in
   * `run.started`, and the reads' events are emitted right after it.
   */
  identity?: RunIdentity;
  /**
   * The run starts at a later wave (`--from-wave`): the waves before it failed back in an earlier
   * run, as `readEarlierWaves` (src/run/continue.ts) confirmed from DRS. Its read's events are
   * emitted after the identity reads'; those waves end `already-failed-back`, never started.
   */
  earlierWaves?: Pick<EarlierWaves, 'fromWave' | 'startAtWave' | 'events'>;
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
   * The events already logged for this run: the stream's `seq` continues after them. With
   * `snapshot`, transitions logged without their notification (the process died with them
   * queued) are notified again, with the same sequence numbers, so FIFO topics drop the ones
   * that did go out.
   */
  history?: readonly RunEvent[];
  /**
   * An xstate inspector (as `createActor(machine, { inspect })`): receives every inspection
   * event of the plan and wave actors. Like a run listener, one that throws is logged and ignored.
   */
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  /** Looks at every AWS call before it is sent; throwing refuses it (the stop gate of the CLI). */
  beforeSend?: BeforeSend;
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
  /**
   * Approves what the waiting wave waits for. A name alone answers as `via: 'api'`. Returns false
   * when the answer is not accepted (nothing waits, not an approver, stale): `answer` says why.
   */
  approve(by: string | Approver): boolean;
  refuse(by: string | Approver): boolean;
  /**
   * Answers the pending approval under the plan's rules: only the plan's `approvers`, first answer
   * wins, an answer about an approval that no longer waits (`target`) is refused with a message.
   */
  answer(decision: 'approve' | 'refuse', who: Approver, target?: AnswerTarget): AnswerResult;
  /** Before the point of no return: abort. After it: back out. */
  abort(by?: string, reason?: string): void;
  /** Subscribes to the contract's event stream; returns the unsubscribe function. */
  on(listener: RunListener): () => void;
  /** The wave awaiting approval, if any (the one that asked first when several wait). */
  pendingApproval(): PendingApproval | null;
  /** Every wave awaiting approval, oldest first (waves side by side may wait at once). */
  pendingApprovals(): PendingApproval[];
  /** JSON-serialisable snapshot of the whole run, for persistence. */
  persistedSnapshot(): Snapshot<unknown>;
  readonly actor: Actor<typeof planMachine>;
}

function countServers(plan: Plan): number {
  return plan.waves.reduce((n, w) => n + w.servers.length, 0);
}

/** The run's event stream: stamps each event, hands it to every listener. */
function eventStream(runId: string, clock: Clock, afterSeq: number, log: Logger) {
  const listeners = new Set<RunListener>();
  const stamp = eventStamper(runId, clock, afterSeq);
  const emit: EmitEvent = (body) => {
    const event = stamp(body);
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (err) {
        // A broken subscriber must never stop a failback.
        log.error({ err }, 'event listener failed');
      }
    }
  };
  const on = (listener: RunListener) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  };
  return { emit, on };
}

/** The activities over the run's instrumented clients (and the SNS client for notifications). */
function runActivities(options: CreateRunOptions, clock: Clock, log: Logger, emit: EmitEvent) {
  const region = options.region ?? options.plan.region;
  const awsClock = new AwsClock(clock);
  const over = (clients: TargetClients, clientsRegion: string, account?: string): FailbackActivities => {
    // A wave in another account: its calls name the account (the region alone would not tell).
    const emitHere = emitNamingAccount(emit, account);
    const { drs, ec2, serviceQuotas, regional } = instrumentAwsClients(
      clients,
      clientsRegion,
      emitHere,
      options.beforeSend,
      awsClock,
    );
    // Activities bind runId, wave and server themselves (they are usable without a run).
    return createAwsActors({
      drs,
      ec2,
      ...(regional ? { regional } : {}),
      ...(serviceQuotas ? { serviceQuotas } : {}),
      log,
      clock,
      awsClock,
      emit: emitHere,
      probes: options.probes ?? createNetworkProbeRunner(),
      ...(options.writes ? { writes: options.writes } : {}),
    });
  };
  // Waves in other DR accounts or regions: each call goes to its wave's target's clients.
  const aws = planActivities(options.plan, region, options.clients, over);
  const activities: FailbackActivities = { ...aws, ...options.activities };
  const sns = options.clients.sns
    ? instrumentClient(options.clients.sns, { service: 'sns', region, emit })
    : undefined;
  return { activities, sns };
}

/**
 * Settles with what `finish` makes of the plan machine's output once it is done, or with its
 * error. A run stopped on purpose (paused for resume) has no outcome: it stays pending.
 */
function whenDone(
  actor: Actor<typeof planMachine>,
  finish: (output: PlanOutput) => Promise<RunResult>,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    actor.subscribe({
      complete: () => {
        const done = actor.getSnapshot();
        if (done.status === 'done') finish(done.output as PlanOutput).then(resolve, reject);
      },
      error: reject,
    });
  });
}

/** The caller's identity reads, for `run.started` and the stream. */
export interface RunIdentity {
  identities: readonly CallerIdentity[];
  /** The reads' `aws.request`/`aws.response` events, unstamped, in the order they happened. */
  events: readonly RunEventBody[];
}

/** Why a run that did not complete stopped: the first wave that did not complete. */
function finishReason(output: PlanOutput): { reason?: string } {
  const stopped = output.waves.find((w) => !failedBack(w.outcome) && w.outcome !== 'not-started');
  const reason = output.outcome !== 'completed' ? stopped?.failure?.message : undefined;
  return reason !== undefined ? { reason } : {};
}

/**
 * `run.started`'s format and identity fields: the DR region's account and principal, and every
 * region's. The identity reads happened before the run started; they are emitted right after
 * run.started, which records their answer, so the stream still begins with run.started.
 */
function identityFields(identities: readonly CallerIdentity[] | undefined) {
  const dr = identities?.[0];
  if (!identities || !dr) return { format: EVENT_FORMAT_VERSION };
  return {
    format: EVENT_FORMAT_VERSION,
    region: dr.region,
    account: dr.account,
    principal: dr.principal,
    identities: identities.map(({ region, account, principal }) => ({ region, account, principal })),
  };
}

/** A name alone answers as an API call (an embedder's `run.approve('alice')`). */
const asApprover = (by: string | Approver): Approver =>
  typeof by === 'string' ? { approver: by, via: 'api' } : by;

const approvalRules = (plan: Plan) => (plan.approvers ? { approvers: plan.approvers } : {});

/** The embedder's inspector, if any: like a run listener, one that throws is logged and ignored. */
function embedderInspector(
  inspector: CreateRunOptions['inspect'],
  log: Logger,
): (ev: InspectionEvent) => void {
  return (ev) => {
    if (!inspector) return;
    try {
      if (typeof inspector === 'function') inspector(ev);
      else inspector.next?.(ev);
    } catch (err) {
      log.error({ err }, 'inspector failed');
    }
  };
}

/** Creates a run. Nothing is sent to AWS until `start()`. */
export function createFailbackRun(options: CreateRunOptions): FailbackRun {
  const { plan, snapshot, history = [] } = options;
  const clock = options.clock ?? systemClock;
  const runId = options.runId ?? newRunId(clock.now());
  const rootLog = options.log ?? createLogger({ level: 'silent' });
  const log = runLogger(rootLog, runId);
  const { emit, on } = eventStream(runId, clock, lastEventSeq(history), log);
  const { activities, sns } = runActivities(options, clock, rootLog, emit);

  const notifier = createNotifier({ sns, topicArn: plan.notifications?.topicArn, clock, emit, log });
  const replay = snapshot ? unnotifiedTransitions(history) : null;
  const approvals = createApprovals(emit, clock, (answer) => actor.send(answer), approvalRules(plan));
  const announcer = createAnnouncer({
    runId,
    plan,
    clock,
    emit,
    notifier,
    notificationSeq: replay ? replay.nextSeq - 1 : 0,
    onWaveStep: approvals.onWaveStep,
  });
  const persist = options.onSnapshot ? persistSteps(options.onSnapshot, () => actorRef) : undefined;

  const inspectEmbedder = embedderInspector(options.inspect, log);
  // Microsteps arrive in causal order (a wave's final state before the plan moves on); initial
  // states show up as the first snapshot. Steps while the actor is built are not announced.
  let announcing = false;
  const inspect = (ev: InspectionEvent) => {
    if (ev.type === '@xstate.microstep' && announcing)
      announcer.onMachineStep(ev.snapshot as unknown as MachineSnapshotLike);
    if (ev.type === '@xstate.snapshot' && ev.event.type === 'xstate.init') {
      announcer.onMachineStep(ev.snapshot as unknown as MachineSnapshotLike);
    }
    persist?.(ev);
    inspectEmbedder(ev);
  };

  let actorRef: Actor<typeof planMachine> | undefined;
  const actor = createActor(provideActivities(activities), {
    input: planRunInput(plan, runId, clock.now(), options.jitterSeed, options.earlierWaves?.startAtWave),
    clock,
    inspect,
    ...(snapshot ? { snapshot: snapshot as never } : {}),
    logger: (...args: unknown[]) => log.debug({ args }, 'xstate'),
  });
  actorRef = actor;
  if (snapshot) {
    announcer.restore(actor, history);
    for (const wave of runningWaves(actor))
      approvals.restore(announcer.waveState(wave.context.waveIndex), wave.context);
  }

  let started = false;
  const result = whenDone(actor, async (output) => {
    await notifier.drain({ deadlineMs: options.notificationDrainMs ?? 60_000 });
    const waves = output.waves.map((w) => ({ name: w.name, outcome: w.outcome }));
    emit({ type: 'run.finished', outcome: output.outcome, waves, ...finishReason(output) });
    log.info({ outcome: output.outcome }, 'run finished');
    return { ...output, runId };
  });

  const start = () => {
    if (started) return result;
    started = true;
    const servers = countServers(plan);
    emit({
      type: 'run.started',
      plan: plan.name,
      waves: plan.waves.length,
      servers,
      simulated: !!options.simulated,
      ...identityFields(options.identity?.identities),
      ...(options.earlierWaves ? { fromWave: options.earlierWaves.fromWave } : {}),
    });
    for (const body of options.identity?.events ?? []) emit(body);
    for (const body of options.earlierWaves?.events ?? []) emit(body);
    log.info({ plan: plan.name, waves: plan.waves.length, resumed: snapshot !== undefined }, 'run started');
    announcing = true;
    // The plan's first state before its first wave's (xstate reports the child first).
    if (!snapshot) announcer.onMachineStep(actor.getSnapshot() as unknown as MachineSnapshotLike);
    if (replay) renotify(notifier, replay, runId, plan);
    actor.start();
    if (snapshot) {
      wakeRestored(actor, clock);
      // A run resumed while it waited for a person asks again.
      if (actor.getSnapshot().status === 'active') approvals.askAgain();
    }
    return result;
  };

  return {
    id: runId,
    plan,
    actor,
    result,
    start,
    approve: (by) => approvals.answer('approve', asApprover(by)).ok,
    refuse: (by) => approvals.answer('refuse', asApprover(by)).ok,
    answer: approvals.answer,
    abort(by, reason) {
      actor.send({
        type: 'ABORT',
        ...(by !== undefined ? { by } : {}),
        ...(reason !== undefined ? { reason } : {}),
      });
    },
    on,
    pendingApproval: approvals.pending,
    pendingApprovals: approvals.allPending,
    persistedSnapshot: () => actor.getPersistedSnapshot() as Snapshot<unknown>,
  };
}

export { unnotifiedTransitions } from './durable.js';
export { activityActors, planRunInput, provideActivities } from './machine.js';
