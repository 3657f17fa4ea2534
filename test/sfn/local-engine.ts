// Runs a plan twice over the simulated AWS: in process (as createFailbackRun does) and as the
// generated ASL under aws-local-stepfunctions, its Tasks handled by the same activities. Waits
// are skipped and the virtual clock moved by the machine's own delay instead; approvals follow
// a script. Both runs record leaf traces, aws.request events and the outcome.
import '../support/promise-with-resolvers.js';
import {
  type SendTaskSuccessCommand,
  type SFNClient,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import type { InspectionEvent } from 'xstate';
import { leafPath } from '../../machines/lifecycle.js';
import type { ActorDeps, FailbackActivities } from '../../src/actors/types.js';
import type { AwsClients, SnsSender } from '../../src/aws/clients.js';
import type { DrsEvent } from '../../src/aws/drs-events.js';
import type { RunEvent } from '../../src/events.js';
import { createLogger } from '../../src/log.js';
import type { Plan } from '../../src/plan/types.js';
import { wakeRunOnEvents } from '../../src/run/wake-ups.js';
import { createFailbackRun, planRunInput } from '../../src/run.js';
import { actorActivities } from '../../src/sfn/actor-activities.js';
import { createRunActorHandler } from '../../src/sfn/actor-runtime.js';
import {
  type AslDefinition,
  type AslState,
  CONTINUE,
  generateAsl,
  PLACEHOLDERS,
  ROUTE,
  START,
  UNROUTABLE,
} from '../../src/sfn/asl.js';
import { createEngineStep } from '../../src/sfn/engine-step.js';
import { appendEvents, placedBefore, placeEvents, readEvents } from '../../src/sfn/event-log.js';
import { type QuotaHome, withPlanQuota } from '../../src/sfn/quota.js';
import type { RunTableDeps } from '../../src/sfn/run-table.js';
import { abortOf, ensureRun, requestAbort } from '../../src/sfn/runs.js';
import { createQuotaSemaphore } from '../../src/sfn/semaphore.js';
import {
  createDynamoSnapshotStore,
  load,
  type SnapshotStore,
  type WireRequest,
} from '../../src/sfn/spill.js';
import { type Command, HISTORY_EVENTS, type StepRequest, type StepState } from '../../src/sfn/step.js';
import type { MachineName } from '../../src/sfn/structure.js';
import { createDynamoWaitRegistry } from '../../src/sfn/wait-registry.js';
import {
  createWaitHandler,
  createWakerHandler,
  type WaitTaskEvent,
  type WakerResult,
} from '../../src/sfn/wake-lambdas.js';
import { createDrsEventSource, type DrsEventSourceOptions } from '../../src/sim/events.js';
import type { SimulatedAws } from '../../src/sim/index.js';

/** A simulated AWS to run over: one world, or an estate of accounts and regions. */
export type SimulatedRun = Pick<SimulatedAws, 'clock' | 'probes' | 'writes'> & { clients: AwsClients };

/** DRS's simulated events come from one world: the harness does not publish an estate's. */
function oneWorld(sim: SimulatedRun): SimulatedAws {
  if (!('world' in sim)) throw new Error('events: the harness publishes the events of one simulated world');
  return sim as SimulatedAws;
}

import { createFakeRunTable, type FakeRunTable } from '../support/fake-run-table.js';

/** One event of the local runner's log (the library does not export its type). */
export type EventLog = Extract<
  Awaited<ReturnType<ReturnType<StateMachine['run']>['eventLogs']['next']>>,
  { done?: false }
>['value'];

export const RUN_ID = 'run-20260301T020000Z-abcdef';
export const JITTER_SEED = 20260301;

/**
 * What a person does when asked, in the order the run asks. Past the script: approve. `abort`:
 * `drs-failback abort` answers the approval with the machine's ABORT (the CLI: `run.abort`).
 */
export type Answer = 'approve' | 'refuse' | 'timeout' | 'abort';

export interface AwsRequest {
  service: string;
  region: string;
  /** The `aws.accounts` name of a wave in another account. */
  account?: string;
  operation: string;
  input: unknown;
}

export interface EngineRun {
  outcome: unknown;
  /** Leaf paths per machine execution: `plan`, then `wave:<index>`. */
  traces: Record<string, string[]>;
  /** Every AWS request but SNS's, in order. */
  requests: AwsRequest[];
  /**
   * The SNS requests (per-transition notifications), in order. Apart from `requests`: the CLI
   * publishes in the background, so where a Publish falls among the activities' calls depends on
   * microtask timing; the Step Functions engine publishes from the step, before the next Task.
   */
  notifications: AwsRequest[];
  events: RunEvent[];
}

const requestsOf = (events: readonly RunEvent[], sns: boolean): AwsRequest[] =>
  events.flatMap((e) =>
    e.type === 'aws.request' && (e.service === 'sns') === sns
      ? [
          {
            service: e.service,
            region: e.region,
            // A wave in another account names it (the region alone would not tell).
            ...(e.account !== undefined ? { account: e.account } : {}),
            operation: e.operation,
            input: e.input,
          },
        ]
      : [],
  );

/**
 * The topic both engines publish to in these comparisons, outside the simulated world: simulated
 * Publish calls would draw on the world's one random stream (message ids, fault dice) and shift
 * every later draw. Calls are compared as sent.
 */
export const outsideTopic: SnsSender = {
  send: async () => ({ MessageId: 'outside-the-simulation' }),
} as SnsSender;

interface SnapshotLike {
  value: Parameters<typeof leafPath>[0];
  context: { waveIndex?: number };
  machine?: { id: string };
}

/** In process, as the CLI runs it; leaf traces read from the actor system's inspection events. */
export async function runInProcess(
  plan: Plan,
  sim: SimulatedRun,
  answers: readonly Answer[],
  /** The operator aborts once a wave stands in this leaf (`wave:<index>` and the leaf). */
  abortAt?: { key: string; leaf: string },
  /** The simulated DRS's events reach the run's waker (src/run/wake-ups.ts), as on Step Functions. */
  wakeEvents?: LocalEngineOptions['events'],
): Promise<EngineRun> {
  const run = createFailbackRun({
    plan,
    // Notifications go to a topic outside the simulated world (outsideTopic).
    clients: { ...sim.clients, sns: outsideTopic },
    clock: sim.clock,
    probes: sim.probes,
    writes: sim.writes,
    simulated: true,
    runId: RUN_ID,
    jitterSeed: JITTER_SEED,
  });
  const events: RunEvent[] = [];
  const traces: Record<string, string[]> = {};
  const record = (key: string, leaf: string) => {
    traces[key] ??= [];
    traces[key].push(leaf);
  };
  run.actor.system.inspect((ev: InspectionEvent) => {
    if (ev.type !== '@xstate.snapshot') return;
    const snap = ev.snapshot as unknown as SnapshotLike;
    const id = snap.machine?.id;
    // The plan takes a step on its own events only (it forwards approvals to the wave).
    if (id === 'plan' && (ev.event.type === 'xstate.init' || ev.event.type.startsWith('xstate.done.actor.')))
      record('plan', leafPath(snap.value));
    if (id === 'wave') {
      const key = `wave:${snap.context.waveIndex}`;
      record(key, leafPath(snap.value));
      if (abortAt && key === abortAt.key && leafPath(snap.value) === abortAt.leaf) {
        abortAt = undefined;
        queueMicrotask(() => run.abort('tester', 'asked by the test'));
      }
    }
  });
  let asked = 0;
  run.on((event) => {
    events.push(event);
    if (event.type !== 'approval.requested') return;
    const answer = answers[asked++] ?? 'approve';
    if (answer === 'approve') queueMicrotask(() => run.approve('tester'));
    if (answer === 'refuse') queueMicrotask(() => run.refuse('tester'));
    if (answer === 'abort') queueMicrotask(() => run.abort('tester', 'asked by the test'));
  });
  const wake = wakeEvents ? wakeRunOnEvents(run, sim.clock) : undefined;
  const source =
    wake && wakeEvents
      ? createDrsEventSource(oneWorld(sim), {
          ...wakeEvents,
          deliver: (event) => {
            void wake.onEvent(event);
            for (const other of wakeEvents.extra?.(event) ?? []) void wake.onEvent(other);
          },
        })
      : undefined;
  const result = await sim.clock.run(run.start());
  source?.stop();
  const { runId: _runId, ...outcome } = result;
  return {
    outcome,
    traces,
    requests: requestsOf(events, false),
    notifications: requestsOf(events, true),
    events,
  };
}

export interface LocalEngineOptions {
  answers?: readonly Answer[];
  /** History limit passed to every execution (continue as new before it). */
  historyLimit?: number;
  /**
   * Task states whose first attempt loses its answer after the activity ran (a Lambda that timed
   * out or crashed after its call succeeded): Step Functions retries them.
   */
  loseFirstAnswerOf?: readonly string[];
  /** Step with spilling: snapshots above `maxInlineBytes` go to `store` (docs/step-functions.md). */
  spill?: { store: SnapshotStore; maxInlineBytes: number };
  /** While a start Task runs, DescribeJobs finds nothing: no adoption (proves the retry test can fail). */
  blindAdoption?: boolean;
  /** `drs-failback abort` once the leaf has run (the step after it delivers the ABORT). */
  abortAt?: { key: string; leaf: string };
  /** The run table (DynamoDB, in memory): the event log, the run record, the abort. */
  table?: FakeRunTable;
  /** The step Lambda's SNS client (default: outsideTopic). */
  sns?: SnsSender;
  /**
   * The simulated DRS publishes its failback state changes to the waker Lambda (events wake the
   * waits); `extra` delivers more events beside each one. Absent: no event reaches the waker.
   */
  events?: Omit<DrsEventSourceOptions, 'deliver'> & { extra?: (event: DrsEvent) => DrsEvent[] };
  /** The run's id (default RUN_ID): runs side by side in one table need their own. */
  runId?: string;
  /**
   * The actor Lambda takes each wave's in-flight quota as entry.ts does (`withPlanQuota`): the
   * semaphore in the run table (`table`: one shared by every run), on the virtual clock.
   */
  quota?: { home: QuotaHome; leaseMs?: number };
  /**
   * The actor Lambda dies inside this activity, after the quota wrapping took its share (nothing
   * gives it back), and the run's executions are stopped (StopExecution): the outcome is null.
   */
  diesIn?: keyof FailbackActivities;
  /** Drives virtual time until the work settles (default `sim.clock.run`; runs side by side share one driver). */
  drive?: <T>(work: Promise<T>) => Promise<T>;
}

/** DRS clients whose DescribeJobs finds nothing while `blind()` holds. */
function blindToJobs<T extends { send: (command: never) => Promise<unknown> }>(
  client: T,
  blind: () => boolean,
): T {
  const send = async (command: { constructor: { name: string } }) =>
    blind() && command.constructor.name === 'DescribeJobsCommand'
      ? { items: [] }
      : client.send(command as never);
  return { ...client, send } as T;
}

export interface LocalExecution {
  machine: MachineName;
  key: string;
  log: EventLog[];
  /** History events estimated by the steps when the execution ended. */
  estimatedEvents: number | null;
  continued: boolean;
}

export interface LocalEngineRun extends EngineRun {
  executions: LocalExecution[];
  /** The most wave executions that ran at the same time. */
  peakWaveExecutions: number;
  /** The run table the Lambdas wrote. */
  table: RunTableDeps & { fake: FakeRunTable };
  /** What the waker Lambda did with each event delivered to it, and the events DRS published. */
  wakeUps: { results: WakerResult[]; published: readonly DrsEvent[] };
}

/**
 * Step Functions' task-token service for the waits' callback Tasks, which the local runner lacks:
 * the waker's SendTaskSuccess reaches the Task's local handler while it still waits.
 */
function createLocalTaskTokens() {
  const waiting = new Map<string, (output: unknown) => void>();
  const ended = new Set<string>();
  const sfn = {
    send: async (command: SendTaskSuccessCommand) => {
      const { taskToken = '', output = 'null' } = command.input;
      const answer = waiting.get(taskToken);
      const $metadata = {};
      if (!answer && ended.has(taskToken)) throw new TaskTimedOut({ message: 'Task Timed Out', $metadata });
      if (!answer) throw new TaskDoesNotExist({ message: 'Task does not exist', $metadata });
      waiting.delete(taskToken);
      ended.add(taskToken);
      answer(JSON.parse(output));
      return {};
    },
  };
  return {
    sfn: sfn as unknown as Pick<SFNClient, 'send'>,
    wait(token: string, onAnswer: (output: unknown) => void) {
      waiting.set(token, onAnswer);
    },
    end(token: string) {
      waiting.delete(token);
      ended.add(token);
    },
  };
}

/** The local runner resolves TimeoutSecondsPath against the Task's effective input (its Parameters). */
export function forLocalRunner(definition: AslDefinition): StateMachineDefinition {
  const copy = structuredClone(definition);
  for (const state of Object.values(copy.States)) {
    if (typeof state.TimeoutSecondsPath === 'string')
      state.TimeoutSecondsPath = state.TimeoutSecondsPath.replace(/^\$\./, '$.Payload.');
  }
  return copy as unknown as StateMachineDefinition;
}

// Building a StateMachine validates its definition (about 2 s); asl.test.ts validates them already.
const runners = new Map<MachineName, StateMachine>();
function runnerOf(machine: MachineName): StateMachine {
  let runner = runners.get(machine);
  if (!runner) {
    runner = new StateMachine(forLocalRunner(generateAsl(machine)), {
      validationOptions: { noValidate: true },
    });
    runners.set(machine, runner);
  }
  return runner;
}

const NOT_LEAVES = new Set([START, ROUTE, CONTINUE, UNROUTABLE]);
const isLeaf = (name: string) => !NOT_LEAVES.has(name) && !name.includes('/');

/** Every state of a definition, those inside a Map's ItemProcessor included (handlers go by name). */
function allStates<S>(states: Record<string, S>): [string, S][] {
  return Object.entries(states).flatMap(([name, state]): [string, S][] => {
    const processor = (state as { ItemProcessor?: { States: Record<string, S> } }).ItemProcessor;
    return [[name, state], ...(processor ? allStates(processor.States) : [])];
  });
}

/** Which wave a child execution runs: its input's, or the snapshot it continues from. */
function waveIndexOf(begin: {
  input?: { waveIndex?: number };
  resume?: { snapshot?: unknown };
}): number | undefined {
  if (begin.input?.waveIndex !== undefined) return begin.input.waveIndex;
  const context = (begin.resume?.snapshot as { context?: { waveIndex?: number } } | undefined)?.context;
  return context?.waveIndex;
}

class TaskError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** The generated ASL under aws-local-stepfunctions, over the same simulated AWS. */
export async function runOnLocalStepFunctions(
  plan: Plan,
  sim: SimulatedRun,
  options: LocalEngineOptions = {},
): Promise<LocalEngineRun> {
  const fake = options.table ?? createFakeRunTable();
  const runId = options.runId ?? RUN_ID;
  const drive = options.drive ?? (<T>(work: Promise<T>) => sim.clock.run(work, { idleTurns: 5 }));
  const table: RunTableDeps = {
    ddb: fake as unknown as RunTableDeps['ddb'],
    table: 'runs',
    clock: sim.clock,
  };
  let starting = false;
  const clients = options.blindAdoption
    ? {
        ...sim.clients,
        drs: blindToJobs(sim.clients.drs, () => starting),
        ...(sim.clients.forRegion
          ? {
              forRegion: (region: string) => {
                const regional = sim.clients.forRegion?.(region);
                if (!regional) throw new Error(`no clients for ${region}`);
                return { ...regional, drs: blindToJobs(regional.drs, () => starting) };
              },
            }
          : {}),
      }
    : sim.clients;
  // The actor Lambda: its events go to the run's log, mutating calls written ahead, each wave's
  // calls in its own account and region (src/sfn/actor-activities.ts, as entry.ts builds them).
  // DRS's quotas are read once per run and target, as in process (the Lambda keeps them per
  // container, run and target).
  const quotaReads = new Map<string, NonNullable<ActorDeps['quotaReads']>>();
  // Events wake the waits: the registry in the run table, the wait and waker Lambdas' own code.
  const registry = createDynamoWaitRegistry({
    dynamo: fake as unknown as RunTableDeps['ddb'],
    table: 'runs',
    expiresAt: () => Math.floor(sim.clock.now() / 1000) + 86_400,
  });
  const silent = createLogger({ level: 'silent' });
  const tokens = createLocalTaskTokens();
  const waitHandler = createWaitHandler({ registry, log: silent });
  const wakerHandler = createWakerHandler({ registry, sfn: tokens.sfn, clock: sim.clock, log: silent });
  const wakeResults: WakerResult[] = [];
  const delivering: Promise<unknown>[] = [];
  const deliver = (event: DrsEvent) =>
    delivering.push(wakerHandler(event).then((result) => wakeResults.push(result)));
  const eventSource = options.events
    ? createDrsEventSource(oneWorld(sim), {
        ...options.events,
        deliver: (event) => {
          deliver(event);
          for (const other of options.events?.extra?.(event) ?? []) deliver(other);
        },
      })
    : undefined;
  /** Lets the waker Lambda finish with every event delivered so far. */
  const delivered = async () => {
    while (delivering.length > 0) await Promise.all(delivering.splice(0));
  };
  let tokenCount = 0;
  const semaphore = options.quota
    ? createQuotaSemaphore({
        dynamo: fake as unknown as RunTableDeps['ddb'],
        table: 'runs',
        now: () => sim.clock.now(),
        ...(options.quota.leaseMs !== undefined ? { leaseMs: options.quota.leaseMs } : {}),
      })
    : undefined;
  // Stops every execution of the run (StopExecution), as an operator would, or a timeout.
  const stops = new Set<() => void>();
  const dying = (activities: FailbackActivities): FailbackActivities =>
    options.diesIn === undefined
      ? activities
      : {
          ...activities,
          [options.diesIn]: () => {
            for (const stop of stops) stop();
            return new Promise<never>(() => {});
          },
        };
  const actorHandler = createRunActorHandler({
    clock: sim.clock,
    waits: { register: (target, resources) => registry.register(target, resources) },
    append: (runId, batch) => appendEvents(table, runId, batch),
    abortOf: (runId) => abortOf(table, runId),
    activitiesFor: ({ emit, beforeSend, writeAhead }) => {
      const activities = actorActivities({
        plan,
        drRegion: plan.region,
        clients,
        io: { emit, beforeSend, writeAhead },
        actors: {
          log: createLogger({ level: 'silent' }),
          clock: sim.clock,
          probes: sim.probes,
          writes: sim.writes,
        },
        quotaReadsOf: (target: string) => {
          let reads = quotaReads.get(target);
          if (!reads) {
            reads = new Map();
            quotaReads.set(target, reads);
          }
          return reads;
        },
      });
      return semaphore && options.quota
        ? withPlanQuota(dying(activities), {
            semaphore,
            plan,
            home: options.quota.home,
            now: () => sim.clock.now(),
          })
        : dying(activities);
    },
  });
  const store = options.spill ? options.spill.store : createDynamoSnapshotStore(table);
  const engineStep = createEngineStep({
    store,
    maxInlineBytes: options.spill ? options.spill.maxInlineBytes : Number.POSITIVE_INFINITY,
    clock: sim.clock,
    abortOf: (runId) => abortOf(table, runId),
    append: (runId, batch, writeKey) => placeEvents(table, runId, batch, writeKey),
    placedBefore: (runId, writeKey) => placedBefore(table, runId, writeKey),
    notify: {
      targetOf: async () => ({
        plan: plan.name,
        ...(plan.notifications ? { topicArn: plan.notifications.topicArn } : {}),
      }),
      snsFor: () => options.sns ?? outsideTopic,
      clock: sim.clock,
      log: createLogger({ level: 'silent' }),
    },
    ensureRun: (run) => ensureRun(table, run),
  });
  // Waits are skipped; time moves on by the machine's own delay, on the virtual clock's timers, so
  // wave executions running side by side (a Map) share one timeline as they do in process.
  const sleep = (ms: number) => new Promise<void>((resolve) => sim.clock.setTimeout(resolve, ms));
  let runningWaves = 0;
  let peakWaveExecutions = 0;
  const answers = [...(options.answers ?? [])];
  const lose = new Set(options.loseFirstAnswerOf ?? []);
  const traces: Record<string, string[]> = {};
  const executions: LocalExecution[] = [];

  let continuation: Promise<unknown> | null = null;
  const definitions = {
    plan: forLocalRunner(generateAsl('plan')),
    wave: forLocalRunner(generateAsl('wave')),
  };

  const execute = async (machine: MachineName, input: unknown, key: string): Promise<unknown> => {
    const definition = definitions[machine];
    const handlers: Record<string, (input: never) => Promise<unknown>> = {};
    const waits: Record<string, number> = {};
    for (const [name, state] of allStates(definition.States)) {
      if (state.Type === 'Wait') waits[name] = 0;
      if (state.Type !== 'Task') continue;
      const resource = (state as { Resource: string }).Resource;
      if (name === START || name.endsWith('/step')) {
        handlers[name] = async ({ Payload }: { Payload: StepRequest }) => {
          // The Wait was skipped: time moves on by the machine's own delay instead.
          if ('outcome' in Payload && !('Error' in Payload.outcome) && Payload.outcome.kind === 'after')
            if (Payload.command.kind === 'wait') await sleep(Payload.command.delayMs);
          const ran = 'command' in Payload ? Payload.command.state : null;
          if (options.abortAt && ran === options.abortAt.leaf && key === options.abortAt.key) {
            options.abortAt = undefined;
            await requestAbort(table, runId, { by: 'tester', reason: 'asked by the test' });
          }
          return { StatusCode: 200, Payload: await engineStep(Payload as WireRequest) };
        };
      } else if (
        resource.endsWith('.waitForTaskToken') &&
        (state.Parameters as { FunctionName?: string } | undefined)?.FunctionName === PLACEHOLDERS.wait
      ) {
        // A wait DRS's events may end: the wait Lambda stores the token, then virtual time runs to
        // the poll delay unless the waker's SendTaskSuccess answers first (at the event's instant).
        handlers[name] = async ({ Payload }: { Payload: WaitTaskEvent }) => {
          const token = `${key}#${name}#${++tokenCount}`;
          await waitHandler({ ...Payload, token });
          const command = Payload.command as Extract<Command, { kind: 'wait' }>;
          // On the virtual clock's timers (not by moving the clock: waves side by side share it):
          // the poll delay's timer, or the waker's answer, whichever comes first.
          const answer = await new Promise<unknown>((resolve) => {
            const timer = sim.clock.setTimeout(() => resolve(undefined), command.delayMs);
            tokens.wait(token, (output) => {
              sim.clock.clearTimeout(timer);
              resolve(output);
            });
          });
          tokens.end(token);
          if (answer !== undefined) return answer;
          throw new TaskError('States.Timeout', 'the wait timed out: poll');
        };
      } else if (resource.endsWith('.waitForTaskToken')) {
        handlers[name] = async ({
          Payload,
        }: {
          Payload: { command: Extract<Command, { kind: 'approval' }> };
        }) => {
          const answer = answers.shift() ?? 'approve';
          if (answer === 'timeout') {
            await sleep(Payload.command.delayMs ?? 0);
            throw new TaskError('States.Timeout', 'the approval timed out');
          }
          if (answer === 'abort') {
            await requestAbort(table, runId, { by: 'tester', reason: 'asked by the test' });
            return { type: 'ABORT', by: 'tester', reason: 'asked by the test' };
          }
          return answer === 'approve'
            ? { type: 'APPROVE', by: 'tester', at: sim.clock.now() }
            : { type: 'REFUSE', by: 'tester' };
        };
      } else if (name === CONTINUE) {
        // The top-level machine starts itself again: the run's outcome is the last execution's.
        handlers[name] = async ({ Input }: { Input: unknown }) => {
          continuation = execute(machine, Input, key);
          return { ExecutionArn: `arn:aws:states:local:000000000000:execution:${machine}:continued` };
        };
      } else if (resource.startsWith('arn:aws:states:::states:startExecution')) {
        handlers[name] = async ({ Input }: { Input: { begin: Parameters<typeof waveIndexOf>[0] } }) => {
          const child = waveIndexOf(Input.begin);
          const last = [...executions].reverse().find((e) => e.machine === 'wave');
          const index = child ?? Number(last?.key.split(':')[1] ?? 0);
          peakWaveExecutions = Math.max(peakWaveExecutions, ++runningWaves);
          try {
            return { Status: 'SUCCEEDED', Output: await execute('wave', Input, `wave:${index}`) };
          } finally {
            runningWaves--;
          }
        };
      } else {
        let attempts = 0;
        handlers[name] = async ({ Payload }: { Payload: { actor: string; input: unknown } }) => {
          starting = Payload.actor === 'startFailback';
          const output = await actorHandler(Payload).finally(() => {
            starting = false;
          });
          if (lose.has(name) && attempts++ === 0)
            throw new TaskError('Lambda.ServiceException', 'the answer was lost after the call succeeded');
          return { StatusCode: 200, Payload: output };
        };
      }
    }
    const execution: LocalExecution = { machine, key, log: [], estimatedEvents: null, continued: false };
    executions.push(execution);
    const running = runnerOf(machine).run(input as never, {
      noThrowOnAbort: true,
      overrides: {
        taskResourceLocalHandlers: handlers as never,
        waitTimeOverrides: waits,
        retryIntervalOverrides: Object.fromEntries(Object.keys(handlers).map((n) => [n, 0])),
      },
      context: {
        Execution: { Id: `arn:aws:states:local:000000000000:execution:${machine}:${key}` },
        StateMachine: { Id: `arn:aws:states:local:000000000000:stateMachine:${machine}` },
        Task: { Token: 'local-task-token' },
      },
    });
    stops.add(running.abort);
    const collecting = (async () => {
      for await (const event of running.eventLogs) {
        execution.log.push(event);
        if (event.type === 'StateEntered' && isLeaf(event.state.name)) {
          traces[key] ??= [];
          traces[key].push(event.state.name);
        }
        if (event.type === 'StateExited' && event.state.name.endsWith('/step')) {
          execution.estimatedEvents = (event.state.output as StepState | undefined)?.history.events ?? null;
        }
        if (event.type === 'StateEntered' && event.state.name === CONTINUE) execution.continued = true;
      }
    })();
    const output = await running.result;
    await collecting;
    stops.delete(running.abort);
    return output;
  };

  const input = planRunInput(plan, runId, sim.clock.now(), JITTER_SEED);
  const execution = {
    begin: { input },
    ...(options.historyLimit !== undefined ? { historyLimit: options.historyLimit } : {}),
  };
  let outcome = await drive(execute('plan', execution, 'plan'));
  while (continuation) {
    const next: Promise<unknown> = continuation;
    continuation = null;
    outcome = await drive(next);
  }
  // A large plan output leaves the execution by reference, as `status` and `report` read it.
  outcome = await load(store, outcome);
  eventSource?.stop();
  await delivered();
  const events = await readEvents(table, runId);
  return {
    outcome,
    traces,
    requests: requestsOf(events, false),
    notifications: requestsOf(events, true),
    events,
    executions,
    peakWaveExecutions,
    table: { ...table, fake },
    wakeUps: { results: wakeResults, published: eventSource?.published() ?? [] },
  };
}

/**
 * Ids the simulated AWS mints (jobs, launched instances, message ids) come from one random
 * stream, which the CLI's notifications also draw from: compare them by order of appearance.
 */
export function normalizeMintedIds<T>(value: T, names = new Map<string, string>()): T {
  const text = JSON.stringify(value).replace(
    /\b(drsjob|i|s|pit|ri)-[0-9A-Za-z]{8,}\b/g,
    (id, kind: string) => {
      let name = names.get(id);
      if (!name) {
        name = `${kind}-#${names.size + 1}`;
        names.set(id, name);
      }
      return name;
    },
  );
  return JSON.parse(text) as T;
}

/** AWS history events a local event log stands for (estimates: AWS's own counts need AWS). */
export function estimatedHistoryEvents(log: readonly EventLog[], definition: AslDefinition): number {
  let events = HISTORY_EVENTS.execution;
  const states: Record<string, AslState | undefined> = Object.fromEntries(allStates(definition.States));
  for (const e of log) {
    // An item of a Map: its iteration started and succeeded (its states are counted as they run).
    if (e.type === 'MapIterationStarted') events += 2;
    if (e.type !== 'StateEntered') continue;
    const state = states[e.state.name];
    if (state?.Type === 'Map') events += HISTORY_EVENTS.map;
    const resource = String(state?.Resource ?? '');
    if (state?.Type === 'Task')
      events += resource.endsWith('.waitForTaskToken') ? HISTORY_EVENTS.callback : HISTORY_EVENTS.task;
    else if (state?.Type === 'Wait') events += HISTORY_EVENTS.wait;
    else if (state?.Type === 'Choice') events += HISTORY_EVENTS.choice;
    else if (state?.Type === 'Pass') events += HISTORY_EVENTS.pass;
    else if (state?.Type === 'Succeed') events += HISTORY_EVENTS.succeed;
  }
  return events;
}

/**
 * What both engines must agree on, in order. Not compared here: `seq` and `runId` (the CLI's stream
 * also holds its notifications), notifications and SNS calls (both engines publish one per
 * transition, but the CLI in the background, so they fall elsewhere in its stream: the equivalence
 * test compares them apart, in order), and `simulated` (the CLI's dry run says so; the engine
 * cannot know).
 */
export function comparable(events: readonly RunEvent[], withTimes = true): unknown[] {
  return events.flatMap((e): unknown[] => {
    if (e.type === 'notification') return [];
    if ((e.type === 'aws.request' || e.type === 'aws.response') && e.service === 'sns') return [];
    const { seq: _seq, runId: _runId, ...stamped } = e;
    const { at: _at, ...untimed } = stamped;
    const rest = withTimes ? stamped : (untimed as typeof stamped);
    if (rest.type === 'run.started') {
      const { simulated: _simulated, ...started } = rest;
      return [started];
    }
    return [rest];
  });
}

/**
 * Plan executions started at once over one simulated AWS (one virtual timeline): each its own
 * run (give each its `runId`), typically all with one `table` (the run table and its semaphores).
 */
export function runSideBySideOnLocalStepFunctions(
  sim: SimulatedRun,
  runs: readonly { plan: Plan; options: LocalEngineOptions }[],
): Promise<LocalEngineRun[]> {
  const together = <T>(work: Promise<T>) => work;
  return sim.clock.run(
    Promise.all(
      runs.map(({ plan, options }) => runOnLocalStepFunctions(plan, sim, { ...options, drive: together })),
    ),
    { idleTurns: 5 },
  );
}
