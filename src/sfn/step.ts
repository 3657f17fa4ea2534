// The step Lambda: runs a machine one event further with xstate's pure transition() and says
// what Step Functions must do next. All logic stays in the machine; the ASL only routes.
import {
  type AnyMachineSnapshot,
  type AnyStateMachine,
  type EventObject,
  getInitialMicrosteps,
  getMicrosteps,
  initialTransition,
  transition,
} from 'xstate';
import { leafPath, waveLifecycle } from '../../machines/lifecycle.js';
import type { PlanOutput, PlanRunInput } from '../../machines/plan.machine.js';
import type { RunEventBody } from '../events.js';
import {
  answerEvent,
  lifecycleOf,
  runFinishedEvent,
  runStartedEvent,
  type StepNotice,
  transitionEvents,
} from './step-events.js';
import { type LeafKind, leavesOfMachine, MACHINES, type MachineName } from './structure.js';

/** The machine's persisted snapshot without its children (their inputs travel in the command). */
export interface StoredSnapshot {
  status: string;
  value: unknown;
  context: unknown;
  historyValue?: unknown;
  output?: unknown;
  error?: unknown;
}

/** What Step Functions does next; `state` names the ASL state the route Choice goes to. */
export type Command =
  | { kind: 'invoke'; state: string; invokeId: string; actor: string; input: unknown }
  | { kind: 'execution'; state: string; invokeId: string; machine: MachineName; input: ChildStart }
  | {
      kind: 'executions';
      state: string;
      machine: MachineName;
      /** The children the machine spawned since the last round: a Map runs each as a child execution. */
      starts: ChildExecution[];
      /** The Map's MaxConcurrency: the plan's `concurrency` (the machine starts no more anyway). */
      maxConcurrency: number;
    }
  | {
      kind: 'wait';
      state: string;
      delayMs: number;
      seconds: number;
      event: EventObject;
      /** A wait DRS's events can end early: who waits (the waker finds it by its launch's instances). */
      wake?: WakeTarget;
      /** The callback Task's timeout: the delay, at least 1 s (a Task's timeout is positive). */
      timeoutSeconds?: number;
    }
  | {
      kind: 'approval';
      state: string;
      /** The Task's timeout: the deadline, capped at MAX_TASK_TIMEOUT_S (asked again after that). */
      timeoutSeconds: number;
      /** Time from asking to the deadline; null: no deadline. */
      delayMs: number | null;
      /** Time left to the deadline once this Task times out; null: no deadline. */
      remainingMs: number | null;
      deadline: EventObject | null;
      request: ApprovalRequest;
    }
  | { kind: 'done'; state: string; output: unknown }
  | { kind: 'continue'; state: '#continue'; next: Command };

/** The wave whose wait DRS's events may end: the key of its wait in the registry (src/sfn/wait-registry.ts). */
export interface WakeTarget {
  runId: string;
  wave: string;
}

/** Who must approve what: what the approval Lambda stores and notifies (never with the token). */
export interface ApprovalRequest {
  runId: string;
  wave: string;
  waveIndex: number;
  state: string;
  /** Who may answer (the plan's `approvers`, from the machine's input); absent: anyone. */
  approvers?: string[];
}

/** How a child execution begins: from its input, or continued from a snapshot. */
export type ChildStart = { input: unknown } | { resume: Continuation };

/** One child a Map round starts: the id the machine spawned it with, and how it begins. */
export interface ChildExecution {
  invokeId: string;
  input: ChildStart;
}

/** How one child execution of a Map round ended: its machine's output, or its error. */
export type ChildResult = (
  | { invokeId: string; kind: 'done'; output: unknown }
  | { invokeId: string; Error: string; Cause?: unknown }
) & {
  /** How many times the child continued as new inside the Map (absent: none). */
  continuations?: number;
};

export interface Continuation {
  snapshot: StoredSnapshot;
  command: Command;
}

/** The estimated history of the current execution (real counts need AWS). */
export interface HistoryEstimate {
  events: number;
  limit: number;
}

/** The data every state of a generated definition passes on. */
export interface StepState {
  machine: MachineName;
  snapshot: StoredSnapshot;
  command: Command;
  history: HistoryEstimate;
}

/** How the Task of the leaf that just ran ended. */
export type TaskOutcome =
  | { kind: 'done'; output: unknown }
  | { kind: 'after' }
  | { kind: 'event'; event: EventObject }
  /** A Map round of child executions ended: each child's result, in the order it was started. */
  | { kind: 'children'; results: ChildResult[] }
  | { Error: string; Cause?: unknown };

/**
 * What a step is asked. `executionArn` (the execution the step runs in) is not part of the
 * machine's step: the step Lambda keys the events it writes by it and the history count.
 */
export type StepRequest =
  | { machine: MachineName; execution: { begin: ChildStart; historyLimit?: number }; executionArn?: string }
  | (StepState & { outcome: TaskOutcome; executionArn?: string });

/** An abort an operator asked for (`drs-failback abort`), delivered to the wave at its next step. */
export interface AbortRequest {
  by: string;
  reason?: string;
}

export interface StepOptions {
  /**
   * Set: the wave hears the machine's own ABORT after this step's event, where it listens for one;
   * the plan hears it before a Map round's results, so those start no further wave.
   */
  abort?: AbortRequest | null;
}

/** A step's next state, and the contract's events it caused (the run's event log). */
export interface StepResult {
  state: StepState;
  events: RunEventBody[];
  /** One per `state` event, in order: what its notification says (src/sfn/step-notify.ts). */
  notices: StepNotice[];
}

/** Standard workflows stop at 25,000 history events; continue as new well before. */
export const DEFAULT_HISTORY_LIMIT = 20_000;
/** Node timers (the local runner's too) overflow past 2^31 ms: longer approvals are asked again. */
export const MAX_TASK_TIMEOUT_S = 1_728_000;

/**
 * The machines as the step runs them. The plan's waves are child executions here, not actors of
 * the plan: nothing reaches them through it (a wave step reads the recorded abort itself; approvals
 * and wake-ups answer the wave's own Tasks), so the plan's forwarding to its wave actors does
 * nothing. As written it would throw: xstate refuses to send to a child the snapshot lacks.
 */
const STEP_MACHINES: Readonly<Record<MachineName, AnyStateMachine>> = {
  plan: MACHINES.plan.provide({ actions: { forwardToWave: () => {}, forwardToWaves: () => {} } }),
  wave: MACHINES.wave,
};

/**
 * History events each ASL state adds when it runs once (AWS's event types): Task = entered,
 * scheduled, started, succeeded, exited; a callback Task adds `TaskSubmitted`; Wait, Choice,
 * Pass and Succeed = entered, exited. Estimates: retries and failures add more.
 */
export const HISTORY_EVENTS = {
  execution: 2,
  task: 5,
  callback: 6,
  wait: 2,
  choice: 2,
  pass: 2,
  succeed: 2,
  /** An inline Map: entered, started, succeeded, exited. */
  map: 4,
  /** Each item of a Map: iteration started and succeeded, its child's Task, Choice and Pass. */
  mapItem: 2 + 5 + 2 + 2,
  /** A child continued as new inside a Map: its Pass, the next child Task and Choice. */
  mapContinuation: 2 + 5 + 2,
} as const;

/** The most events one cycle (a leaf, its step, its route) may add: continue before it would pass. */
const CYCLE_EVENTS = HISTORY_EVENTS.callback + HISTORY_EVENTS.task + HISTORY_EVENTS.choice;

const leafKinds = new Map<MachineName, Map<string, LeafKind>>();
function leafKind(machine: MachineName, path: string): LeafKind {
  let kinds = leafKinds.get(machine);
  if (!kinds) {
    kinds = new Map(leavesOfMachine(machine).map((l) => [l.path, l.what]));
    leafKinds.set(machine, kinds);
  }
  const kind = kinds.get(path);
  if (!kind) throw new Error(`${machine}: no leaf ${path}`);
  return kind;
}

/** Events the leaf that ran adds to the history, its step and route included. */
function cycleEvents(command: Command): number {
  const leaf =
    command.kind === 'wait'
      ? command.wake
        ? HISTORY_EVENTS.callback
        : HISTORY_EVENTS.wait
      : command.kind === 'approval'
        ? HISTORY_EVENTS.callback
        : command.kind === 'executions'
          ? HISTORY_EVENTS.map + HISTORY_EVENTS.mapItem * command.starts.length
          : HISTORY_EVENTS.task;
  return leaf + HISTORY_EVENTS.task + HISTORY_EVENTS.choice;
}

export function storedSnapshot(machine: AnyStateMachine, snapshot: AnyMachineSnapshot): StoredSnapshot {
  const { children: _children, ...rest } = machine.getPersistedSnapshot(snapshot) as StoredSnapshot & {
    children?: unknown;
  };
  return JSON.parse(JSON.stringify(rest)) as StoredSnapshot;
}

interface ActionLike {
  type: string;
  params?: unknown;
}

/** The command for the leaf a transition settled in, read from the actions the transition returned. */
export function commandFor(
  name: MachineName,
  snapshot: AnyMachineSnapshot,
  actions: readonly ActionLike[],
  previous: Command | null,
): Command {
  const state = leafPath(snapshot.value);
  if (snapshot.status === 'done') return { kind: 'done', state, output: snapshot.output };
  if (snapshot.status !== 'active') throw new Error(`${name} machine is ${snapshot.status} in ${state}`);
  const what = leafKind(name, state);
  // An event that left the leaf as it was (no entry actions): the same command again.
  const same = () => {
    if (previous && previous.kind !== 'continue' && previous.state === state) return previous;
    throw new Error(`${name}: entered ${state} without its entry actions`);
  };
  const spawned = actions
    .filter((a) => a.type === 'xstate.spawnChild')
    .map((a) => a.params as { id: string; input: unknown });
  const spawn = (id: string) =>
    actions.find((a) => a.type === 'xstate.spawnChild' && (a.params as { id?: string })?.id === id)?.params as
      | { input: unknown }
      | undefined;
  const delayed = actions
    .filter((a) => a.type === 'xstate.raise' && typeof (a.params as { delay?: unknown })?.delay === 'number')
    .map((a) => a.params as { delay: number; event: EventObject })
    .sort((a, b) => a.delay - b.delay);
  switch (what.kind) {
    case 'invoke': {
      const spawned = spawn(what.invokeId);
      if (!spawned) return same();
      return { kind: 'invoke', state, invokeId: what.invokeId, actor: what.actor, input: spawned.input };
    }
    case 'execution': {
      const spawned = spawn(what.invokeId);
      if (!spawned) return same();
      return {
        kind: 'execution',
        state,
        invokeId: what.invokeId,
        machine: what.machine,
        input: { input: spawned.input },
      };
    }
    case 'executions': {
      // Every child spawned by the transitions of this step (the round's done events included).
      if (spawned.length === 0) throw new Error(`${name}: waits in ${state} with no child to start`);
      const concurrency = (snapshot.context as { concurrency?: number }).concurrency;
      return {
        kind: 'executions',
        state,
        machine: what.machine,
        starts: spawned.map((p) => ({ invokeId: p.id, input: { input: p.input } })),
        maxConcurrency: Math.max(1, concurrency ?? 1),
      };
    }
    case 'wait': {
      const first = delayed[0];
      if (!first) return same();
      const seconds = Math.ceil(first.delay / 1000);
      const wake = what.wokenByEvents
        ? {
            wake: wakeTargetOf(snapshot),
            timeoutSeconds: Math.max(1, Math.min(MAX_TASK_TIMEOUT_S, seconds)),
          }
        : {};
      return { kind: 'wait', state, delayMs: first.delay, seconds, event: first.event, ...wake };
    }
    case 'approval': {
      const deadline = delayed.find((d) => d.event.type === what.deadline);
      if (what.deadline !== null && !deadline) return same();
      return approvalCommand(state, snapshot, deadline ? deadline.delay : null, deadline?.event ?? null);
    }
    case 'final':
    case 'transient':
      throw new Error(`${name}: an active machine settled in ${state} (${what.kind})`);
  }
}

function wakeTargetOf(snapshot: AnyMachineSnapshot): WakeTarget {
  const context = snapshot.context as { runId: string; wave: { name: string } };
  return { runId: context.runId, wave: context.wave.name };
}

function approvalCommand(
  state: string,
  snapshot: AnyMachineSnapshot,
  delayMs: number | null,
  deadline: EventObject | null,
): Command {
  const context = snapshot.context as {
    runId: string;
    wave: { name: string };
    waveIndex: number;
    approvers?: string[];
  };
  const timeoutSeconds =
    delayMs === null
      ? MAX_TASK_TIMEOUT_S
      : Math.max(1, Math.min(MAX_TASK_TIMEOUT_S, Math.ceil(delayMs / 1000)));
  return {
    kind: 'approval',
    state,
    timeoutSeconds,
    delayMs,
    remainingMs: delayMs === null ? null : Math.max(0, delayMs - timeoutSeconds * 1000),
    deadline,
    request: {
      runId: context.runId,
      wave: context.wave.name,
      waveIndex: context.waveIndex,
      state,
      ...(context.approvers ? { approvers: context.approvers } : {}),
    },
  };
}

/** The xstate event a Task's outcome stands for, or null when the leaf just runs again. */
function eventFor(command: Command, outcome: TaskOutcome): EventObject | null {
  if ('Error' in outcome) {
    if (command.kind === 'approval' && outcome.Error === 'States.Timeout') {
      // The deadline passed: the machine's own delayed event. Capped, or no deadline: ask again.
      if (command.deadline && (command.remainingMs ?? 0) <= 0) return command.deadline;
      return null;
    }
    // A wait's callback Task: States.Timeout is the delay passing (poll as without events). Any
    // other error is its Lambda failing after the Task's retries: the wait cannot be woken, so
    // DRS is read now (polling stays the authority; events only ever move a read earlier).
    if (command.kind === 'wait') return command.event;
    if (command.kind === 'invoke' || command.kind === 'execution') {
      return {
        type: `xstate.error.actor.${command.invokeId}`,
        error: { name: outcome.Error, message: causeMessage(outcome.Cause) },
        actorId: command.invokeId,
      } as EventObject;
    }
    throw new Error(`${command.state}: ${outcome.Error} ${causeMessage(outcome.Cause)}`);
  }
  switch (outcome.kind) {
    case 'done':
      if (command.kind !== 'invoke' && command.kind !== 'execution')
        throw new Error(`${command.state}: a result without an invoke`);
      return {
        type: `xstate.done.actor.${command.invokeId}`,
        output: outcome.output,
        actorId: command.invokeId,
      } as EventObject;
    case 'after':
      if (command.kind !== 'wait') throw new Error(`${command.state}: a wait ended outside a Wait state`);
      return command.event;
    case 'children':
      throw new Error(`${command.state}: a Map's results outside a Map of child executions`);
    case 'event':
      if (command.kind === 'wait') {
        // The waker's SendTaskSuccess: the machine's own WAKE, stamped with the waker's clock.
        const wake = outcome.event as { type: string; now?: unknown };
        if (!command.wake || wake.type !== 'WAKE' || typeof wake.now !== 'number')
          throw new Error(`${command.state}: ${wake.type} does not end a wait`);
        return outcome.event;
      }
      if (command.kind !== 'approval') throw new Error(`${command.state}: an answer nobody asked for`);
      // ABORT: `drs-failback abort` answered the approval Task with the machine's own event.
      if (
        outcome.event.type !== 'APPROVE' &&
        outcome.event.type !== 'REFUSE' &&
        outcome.event.type !== 'ABORT'
      )
        throw new Error(`${command.state}: ${outcome.event.type} is not an answer`);
      return outcome.event;
  }
}

function causeMessage(cause: unknown): string {
  if (typeof cause !== 'string') return String(cause ?? '');
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    return typeof parsed.errorMessage === 'string' ? parsed.errorMessage : cause;
  } catch {
    return cause;
  }
}

function withHistory(machine: MachineName, state: Omit<StepState, 'machine'>): StepState {
  const { command, history } = state;
  // The next cycle, then the continuation (a Task at most) and the end of the execution must fit.
  const cycle = command.kind === 'executions' ? Math.max(CYCLE_EVENTS, cycleEvents(command)) : CYCLE_EVENTS;
  const needed = cycle + HISTORY_EVENTS.task + HISTORY_EVENTS.execution;
  if (command.kind !== 'done' && command.kind !== 'continue' && history.events + needed > history.limit) {
    return { machine, ...state, command: { kind: 'continue', state: '#continue', next: command } };
  }
  return { machine, ...state };
}

/** One step of a machine: what the step Lambda does. Pure: same request, same answer. */
export function step(request: StepRequest, options: StepOptions = {}): StepState {
  return stepWithEvents(request, options).state;
}

const snapshotsOf = (microsteps: readonly (readonly [AnyMachineSnapshot, unknown])[]) =>
  microsteps.map((m) => m[0]);

const abortEvent = (abort: AbortRequest) => ({
  type: 'ABORT',
  by: abort.by,
  ...(abort.reason !== undefined ? { reason: abort.reason } : {}),
});

/** Leaves whose activity crosses the point of no return: its own gate refuses the call instead. */
const crossingLeaves = new Set(
  waveLifecycle.states
    .filter((s) => s.pointOfNoReturn)
    .flatMap((s) =>
      leavesOfMachine('wave').filter((l) => l.path === s.path || l.path.startsWith(`${s.path}.`)),
    )
    .filter((l) => l.what.kind === 'invoke')
    .map((l) => l.path),
);

/**
 * The machine's own ABORT, where the wave listens for one: the operator's abort at this step. Not
 * into a leaf about to cross the point of no return: nothing was sent there yet, and the actor
 * Lambda refuses the call once an abort is recorded (the CLI's stop gate), so the wave ends
 * `aborted` instead of backing out of a failback that never started.
 */
function withAbort(
  name: MachineName,
  settled: { snapshot: AnyMachineSnapshot; command: Command },
  abort: AbortRequest | null | undefined,
  events: RunEventBody[],
  notices: StepNotice[],
): { snapshot: AnyMachineSnapshot; command: Command } {
  if (!abort || name !== 'wave' || settled.snapshot.status !== 'active') return settled;
  if (settled.command.kind === 'invoke' && crossingLeaves.has(settled.command.state)) return settled;
  const event = abortEvent(abort);
  if (!settled.snapshot.can(event)) return settled;
  const machine = STEP_MACHINES[name];
  const from = lifecycleOf(name, settled.snapshot.value);
  events.push(
    ...transitionEvents(name, from, snapshotsOf(getMicrosteps(machine, settled.snapshot, event)), notices),
  );
  const [next, actions] = transition(machine, settled.snapshot, event as never);
  return { snapshot: next, command: commandFor(name, next, actions, settled.command) };
}

/** The child's end time (a machine output's `now`), for ordering a round's results. */
const endedAt = (result: ChildResult): number => {
  const now = 'output' in result ? (result.output as { now?: unknown } | null)?.now : undefined;
  return typeof now === 'number' ? now : Number.POSITIVE_INFINITY;
};

/**
 * A Map round ended: the machine hears each child's done (or error) event, in the order the
 * children ended (their output's `now`; ties and errors in start order), as it would have in
 * process, and the children those events spawn make the next round's command. An operator's abort
 * recorded by then reaches the plan first, as it reaches the in-process plan while its waves run:
 * the round's ends then start no further wave (those never started end `not-started`).
 */
function afterRound(
  name: MachineName,
  current: AnyMachineSnapshot,
  command: Extract<Command, { kind: 'executions' }>,
  results: readonly ChildResult[],
  abort: AbortRequest | null | undefined,
  events: RunEventBody[],
  notices: StepNotice[],
): { snapshot: AnyMachineSnapshot; command: Command } {
  const machine = STEP_MACHINES[name];
  const ended = results
    .map((result, index) => ({ result, index }))
    .sort((a, b) => endedAt(a.result) - endedAt(b.result) || a.index - b.index)
    .map(({ result }): EventObject & Record<string, unknown> =>
      'Error' in result
        ? {
            type: `xstate.error.actor.${result.invokeId}`,
            error: { name: result.Error, message: causeMessage(result.Cause) },
            actorId: result.invokeId,
          }
        : { type: `xstate.done.actor.${result.invokeId}`, output: result.output, actorId: result.invokeId },
    );
  const aborted = abort && name === 'plan' && current.can(abortEvent(abort)) ? [abortEvent(abort)] : [];
  let snapshot = current;
  const actions: ActionLike[] = [];
  for (const event of [...aborted, ...ended]) {
    const from = lifecycleOf(name, snapshot.value);
    events.push(
      ...transitionEvents(name, from, snapshotsOf(getMicrosteps(machine, snapshot, event as never)), notices),
    );
    const [next, done] = transition(machine, snapshot, event as never);
    snapshot = next;
    actions.push(...(done as readonly ActionLike[]));
  }
  return { snapshot, command: commandFor(name, snapshot, actions, command) };
}

function begin(
  name: MachineName,
  request: Extract<StepRequest, { execution: unknown }>,
  options: StepOptions,
): StepResult {
  const machine = STEP_MACHINES[name];
  const limit = request.execution.historyLimit ?? DEFAULT_HISTORY_LIMIT;
  const history = {
    events: HISTORY_EVENTS.execution / 2 + HISTORY_EVENTS.task + HISTORY_EVENTS.choice,
    limit,
  };
  const start = request.execution.begin;
  if ('resume' in start)
    return { state: { machine: name, ...start.resume, history }, events: [], notices: [] };
  const events: RunEventBody[] = [];
  const notices: StepNotice[] = [];
  if (name === 'plan') events.push(runStartedEvent(start.input as PlanRunInput));
  events.push(
    ...transitionEvents(name, null, snapshotsOf(getInitialMicrosteps(machine, start.input)), notices),
  );
  const [snapshot, actions] = initialTransition(machine, start.input);
  const settled = withAbort(
    name,
    { snapshot, command: commandFor(name, snapshot, actions, null) },
    options.abort,
    events,
    notices,
  );
  return {
    state: {
      machine: name,
      snapshot: storedSnapshot(machine, settled.snapshot),
      command: settled.command,
      history,
    },
    events,
    notices,
  };
}

/** One step of a machine, with the events it caused. Pure: same request and options, same answer. */
export function stepWithEvents(request: StepRequest, options: StepOptions = {}): StepResult {
  const name = request.machine;
  const machine = STEP_MACHINES[name];
  if ('execution' in request) return begin(name, request, options);
  const { command, outcome } = request;
  // A Map round: its children's continuations happened inside it (known once it ended).
  const continued =
    'kind' in outcome && outcome.kind === 'children'
      ? outcome.results.reduce((n, r) => n + (r.continuations ?? 0), 0) * HISTORY_EVENTS.mapContinuation
      : 0;
  const history = {
    events: request.history.events + cycleEvents(command) + continued,
    limit: request.history.limit,
  };
  // A child execution that continued as new: start the next one where it stopped.
  if (command.kind === 'execution' && !('Error' in outcome) && outcome.kind === 'done') {
    const continued = (outcome.output as { continued?: Continuation } | null)?.continued;
    if (continued)
      return {
        state: withHistory(name, {
          snapshot: request.snapshot,
          command: { ...command, input: { resume: continued } },
          history,
        }),
        events: [],
        notices: [],
      };
  }
  const current = machine.resolveState(request.snapshot as never);
  const events: RunEventBody[] = [];
  const notices: StepNotice[] = [];
  // A Wait's end or an answer that arrives with an abort: the abort wins (nothing ran in between).
  const abortNow =
    !!options.abort &&
    name === 'wave' &&
    (command.kind === 'wait' || command.kind === 'approval') &&
    current.can(abortEvent(options.abort));
  const round = command.kind === 'executions' && 'kind' in outcome && outcome.kind === 'children';
  const event = abortNow || round ? null : eventFor(command, outcome);
  let settled: { snapshot: AnyMachineSnapshot; command: Command };
  if (round && command.kind === 'executions' && outcome.kind === 'children') {
    settled = afterRound(name, current, command, outcome.results, options.abort, events, notices);
  } else if (abortNow) {
    settled = withAbort(name, { snapshot: current, command }, options.abort, events, notices);
  } else if (event === null) {
    // An approval whose Task timed out before its deadline (or without one): ask again.
    const remainingMs = command.kind === 'approval' ? command.remainingMs : null;
    const again =
      command.kind === 'approval'
        ? approvalCommand(command.state, current, remainingMs, command.deadline)
        : command;
    settled = { snapshot: current, command: again };
  } else {
    const answered = answerEvent(current.context as { wave: { name: string } }, event);
    if (answered) events.push(answered);
    const from = lifecycleOf(name, current.value);
    events.push(
      ...transitionEvents(name, from, snapshotsOf(getMicrosteps(machine, current, event as never)), notices),
    );
    const [next, actions] = transition(machine, current, event as never);
    settled = { snapshot: next, command: commandFor(name, next, actions, command) };
  }
  settled = withAbort(name, settled, options.abort, events, notices);
  if (name === 'plan' && settled.snapshot.status === 'done')
    events.push(runFinishedEvent(settled.snapshot.output as PlanOutput));
  const snapshot =
    settled.snapshot === current ? request.snapshot : storedSnapshot(machine, settled.snapshot);
  return { state: withHistory(name, { snapshot, command: settled.command, history }), events, notices };
}
