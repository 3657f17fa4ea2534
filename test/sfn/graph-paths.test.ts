// Paths generated from the wave machine's graph (@xstate/graph, the same candidate events as
// test/machines/wave.graph.test.ts, ABORT and WAKE included) replayed through the generated ASL
// under the local runner: activity Tasks answer with the path's actor results, Waits end with its
// delayed events, approvals with its answers. The ASL must visit exactly the path's leaves: every
// Choice routes where the machine goes. ABORT and WAKE arrive as the engine delivers them:
// - ABORT (`drs-failback abort` records it; src/sfn/step.ts): at an approval, as the Task's answer;
//   at a Wait, when it ends (the abort wins over the delay); in an activity's leaf, at the step that
//   settles there, recorded before it: the Task never runs, so the ASL does not enter that leaf (the
//   machine's transition is the same). Never in the leaf that crosses the point of no return: the
//   actor Lambda refuses that call instead (test/sfn/event-log.test.ts), so those paths are left out.
//   Once recorded, every later step hears it where the wave listens, as on AWS.
// - WAKE ends a poll wait early (an event wake-up) or, past a deadline, an approval: on Step
//   Functions the Wait ends (the same next leaf) and the approval Task times out into its deadline;
//   the job poll wait is a callback Task the waker answers with the WAKE itself.
import '../support/promise-with-resolvers.js';
import { getShortestPaths } from '@xstate/graph';
import { StateMachine } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import { type AnyMachineSnapshot, type EventObject, type StateValue, transition } from 'xstate';
import { leafPath, waveLifecycle } from '../../machines/lifecycle.js';
import { type WaveInput, waveMachine } from '../../machines/wave.machine.js';
import { generateAsl, PLACEHOLDERS } from '../../src/sfn/asl.js';
import { type StepRequest, step } from '../../src/sfn/step.js';
import { leavesOfMachine } from '../../src/sfn/structure.js';
import { FINAL_STATES, withMode } from '../support/wave-graph.js';
import { forLocalRunner } from './local-engine.js';

/** Modes with every candidate event, and without ABORT and WAKE (the shortest paths that avoid them). */
const sfnModes = (
  restore: WaveInput['restore'],
  requiresApproval?: boolean,
  afterFailback?: { reprotect: boolean; cleanup: boolean },
  cutover?: WaveInput['cutover'],
) => [
  withMode(restore, requiresApproval, afterFailback, () => true, cutover),
  withMode(restore, requiresApproval, afterFailback, (e) => e.type !== 'ABORT' && e.type !== 'WAKE', cutover),
];

const ABORT = { by: 'ops' };
const kinds = new Map(leavesOfMachine('wave').map((l) => [l.path, l.what.kind]));
/** Activity leaves of the states past the point of no return's gate (as src/sfn/step.ts reads them). */
const crossing = new Set(
  waveLifecycle.states
    .filter((s) => s.pointOfNoReturn)
    .flatMap((s) =>
      leavesOfMachine('wave').filter((l) => l.path === s.path || l.path.startsWith(`${s.path}.`)),
    )
    .filter((l) => l.what.kind === 'invoke')
    .map((l) => l.path),
);

/** The leaves the ASL enters for a path: an ABORT heard in an activity's leaf skips that leaf's Task. */
function aslLeaves(leaves: readonly string[], events: readonly EventObject[]): string[] {
  return leaves.filter((leaf, i) => !(events[i]?.type === 'ABORT' && kinds.get(leaf) === 'invoke'));
}

const runner = new StateMachine(forLocalRunner(generateAsl('wave')), {
  validationOptions: { noValidate: true },
});

/** Replays one path's events through the ASL; returns the leaves the ASL entered. */
async function replay(waveInput: WaveInput, pathEvents: EventObject[]): Promise<string[]> {
  const queue = [...pathEvents];
  const mismatches: string[] = [];
  let aborted = false;
  // The path ends where its last event leads: the next Task finds the queue empty and stops the run.
  let stop = () => {};
  const next = (): EventObject | Promise<never> => {
    const event = queue.shift();
    if (event) return event;
    stop();
    return new Promise<never>(() => {});
  };
  const handlers: Record<string, (input: never) => Promise<unknown>> = {};
  for (const [name, state] of Object.entries(generateAsl('wave').States)) {
    if (state.Type !== 'Task') continue;
    if (name === 'Start' || name.endsWith('/step')) {
      handlers[name] = async ({ Payload }: { Payload: StepRequest }) => {
        if ('outcome' in Payload && !('Error' in Payload.outcome) && Payload.outcome.kind === 'after') {
          const event = await next();
          // ABORT: recorded while the Wait ran, heard when it ends. WAKE: the Wait ended early.
          if (event.type === 'ABORT') aborted = true;
          else if (
            event.type !== 'WAKE' &&
            (Payload.command.kind !== 'wait' || event.type !== Payload.command.event.type)
          )
            mismatches.push(`${name}: path sends ${event.type}`);
        }
        let stepped = step(Payload, aborted ? { abort: ABORT } : {});
        // The path aborts in the activity leaf this step settles in: recorded before the step.
        if (!aborted && queue[0]?.type === 'ABORT' && stepped.command.kind === 'invoke') {
          queue.shift();
          aborted = true;
          stepped = step(Payload, { abort: ABORT });
        }
        return { StatusCode: 200, Payload: stepped };
      };
    } else if ((state.Parameters as { FunctionName?: string }).FunctionName === PLACEHOLDERS.wait) {
      // The job poll wait's callback Task: the delay is its timeout, WAKE the waker's answer; an
      // abort recorded meanwhile is heard when it times out (the abort wins over the delay).
      handlers[name] = async () => {
        const event = await next();
        if (event.type === 'WAKE') return event;
        if (event.type === 'ABORT') aborted = true;
        else if (!event.type.startsWith('xstate.after.'))
          mismatches.push(`${name}: path sends ${event.type}`);
        throw Object.assign(new Error('the poll delay'), { name: 'States.Timeout' });
      };
    } else if (String(state.Resource).endsWith('.waitForTaskToken')) {
      handlers[name] = async () => {
        const event = await next();
        // The deadline, or a WAKE past it: the Task times out into the machine's deadline event.
        if (event.type.startsWith('xstate.after.') || event.type === 'WAKE') {
          throw Object.assign(new Error('deadline'), { name: 'States.Timeout' });
        }
        // `drs-failback abort` answers a waiting approval with the machine's ABORT.
        if (event.type === 'ABORT') aborted = true;
        return event;
      };
    } else {
      handlers[name] = async () => {
        const event = (await next()) as EventObject & { output?: unknown };
        if (event.type.startsWith('xstate.error.actor.')) throw new Error('boom');
        if (!event.type.startsWith('xstate.done.actor.'))
          mismatches.push(`${name}: path sends ${event.type}`);
        return { StatusCode: 200, Payload: event.output };
      };
    }
  }
  const waits = Object.fromEntries(
    Object.entries(generateAsl('wave').States).flatMap(([n, s]) => (s.Type === 'Wait' ? [[n, 0]] : [])),
  );
  const running = runner.run({ begin: { input: waveInput } } as never, {
    overrides: { taskResourceLocalHandlers: handlers as never, waitTimeOverrides: waits },
    context: { Execution: { Id: 'local' }, Task: { Token: 't' } },
    noThrowOnAbort: true,
  });
  stop = running.abort;
  const leaves: string[] = [];
  const collecting = (async () => {
    for await (const e of running.eventLogs) {
      if (
        e.type === 'StateEntered' &&
        !e.state.name.includes('/') &&
        !['Start', 'Route'].includes(e.state.name)
      )
        leaves.push(e.state.name);
    }
  })();
  await running.result;
  await collecting;
  expect(mismatches).toEqual([]);
  return leaves;
}

describe('generated paths through the generated ASL', () => {
  const modes = [
    ...sfnModes('if-unhealthy'),
    ...sfnModes('never'),
    ...sfnModes('if-unhealthy', false),
    ...sfnModes('if-unhealthy', false, { reprotect: true, cleanup: true }),
    ...sfnModes('if-unhealthy', true, undefined, {
      quiesce: 'confirm',
      maxLagMs: 30_000,
      timeoutMs: 1_800_000,
    }),
  ];
  const cases = modes.flatMap((m) =>
    getShortestPaths(waveMachine, m as never)
      .filter(
        (p) =>
          !p.steps.some(
            (s, i) =>
              s.event.type === 'ABORT' && crossing.has(leafPath(p.steps[i - 1]?.state.value as StateValue)),
          ),
      )
      .map((p) => ({ mode: m, path: p })),
  );
  /** One path and its events, as the replay takes them. */
  type Replayed = { mode: (typeof modes)[number]; leaves: string[]; events: EventObject[] };
  const generated: Replayed[] = cases.map(({ mode, path }) => ({
    mode,
    leaves: path.steps.map((s) => leafPath(s.state.value as StateValue)),
    events: path.steps.slice(1).map((s) => s.event),
  }));
  // Shortest paths reach their states before anyone aborts in a Wait or an approval: add, per mode
  // and leaf, a path that aborts there (the machine's own transition says where it leads).
  const abortEvent = { type: 'ABORT' as const, ...ABORT };
  const abortedThere = new Map<string, Replayed>();
  for (const { mode, path } of cases) {
    path.steps.forEach((s, i) => {
      const leaf = leafPath(s.state.value as StateValue);
      const key = `${modes.indexOf(mode)}:${leaf}`;
      const kind = kinds.get(leaf);
      if ((kind !== 'wait' && kind !== 'approval') || abortedThere.has(key)) return;
      const snapshot = s.state as unknown as AnyMachineSnapshot;
      if (!snapshot.can(abortEvent)) return;
      // The abort stays recorded: the engine delivers it again in the same step wherever the wave
      // still listens (a declined reprotect, then the cleanup approval), as one `abort` does.
      let [next] = transition(waveMachine, snapshot, abortEvent as never);
      while (next.status === 'active' && next.can(abortEvent) && !crossing.has(leafPath(next.value)))
        [next] = transition(waveMachine, next, abortEvent as never);
      const prefix = path.steps.slice(0, i + 1);
      abortedThere.set(key, {
        mode,
        leaves: [...prefix.map((p) => leafPath(p.state.value as StateValue)), leafPath(next.value)],
        events: [...prefix.slice(1).map((p) => p.event), abortEvent],
      });
    });
  }
  const replayed = [...generated, ...abortedThere.values()];
  const delivering = (type: string) => replayed.filter((r) => r.events.some((e) => e.type === type));

  it('ends in every leaf the ASL has, every final state included', () => {
    // Every replayed path counts: `resolvingStart` (a backout reading whether the start went out)
    // is entered on Step Functions only from an abort heard in a Wait (`startingFailback.throttled`).
    const ends = new Set(replayed.map((r) => r.leaves.at(-1)));
    for (const final of FINAL_STATES) expect(ends.has(final), final).toBe(true);
    const leaves = generateAsl('wave');
    const missing = Object.keys(leaves.States).filter(
      (n) =>
        !n.includes('/') && !['Start', 'Route', 'ContinueAsNew', 'Unroutable'].includes(n) && !ends.has(n),
    );
    expect(missing).toEqual([]);
    expect(cases.length).toBeGreaterThan(20);
    // Non-vacuous: paths hear ABORT (in a Wait, an approval and an activity's leaf) and WAKE.
    const abortIn = new Set(
      delivering('ABORT').flatMap((r) =>
        r.events.flatMap((e, i) => (e.type === 'ABORT' ? [kinds.get(r.leaves[i] ?? '')] : [])),
      ),
    );
    expect([...abortIn].sort()).toEqual(['approval', 'invoke', 'wait']);
    expect(delivering('WAKE').length).toBeGreaterThan(0);
  });

  it('visits exactly the leaves of each path', async () => {
    for (const { mode, leaves, events } of replayed) {
      const visited = await replay(mode.input as WaveInput, events);
      expect(visited, JSON.stringify(events.map((e) => e.type))).toEqual(aslLeaves(leaves, events));
    }
  }, 120_000);
});
