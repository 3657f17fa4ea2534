// Paths generated from the plan machine's graph (@xstate/graph) replayed through the generated plan
// ASL under the local runner: each wave child execution answers with the path's wave output, and
// the ASL must visit exactly the path's leaves, together ending in every leaf the plan ASL has.
// The event log each path writes must match the plan's own lifecycle for that path.
import '../support/promise-with-resolvers.js';
import { getShortestPaths, getSimplePaths } from '@xstate/graph';
import { StateMachine } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import type { EventObject, StateValue } from 'xstate';
import { leafPath } from '../../machines/lifecycle.js';
import { type PlanRunInput, planMachine } from '../../machines/plan.machine.js';
import type { Outcome } from '../../machines/types.js';
import type { RunEventBody } from '../../src/events.js';
import { generateAsl } from '../../src/sfn/asl.js';
import { type StepRequest, stepWithEvents } from '../../src/sfn/step.js';
import { forLocalRunner } from './local-engine.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const wave = (name: string, n: number) => ({ name, servers: [{ sourceServerID: `s-0000000000000000${n}` }] });
const input: PlanRunInput = {
  runId: 'run-1',
  planName: 'payments',
  waves: [wave('db', 1), wave('app', 2), wave('web', 3)],
  rpoMs: 900_000,
  rtoMs: 4 * 3600_000,
  approval: 'per-wave',
  polling: { intervalMs: 15_000, maxMs: 300_000 },
  verifyTimeoutMs: 1_200_000,
  jobTimeoutMs: 7_200_000,
  restore: 'if-unhealthy',
  jitterSeed: 1,
  startedAt: T0,
};

const OUTCOMES: Outcome[] = [
  'completed',
  'backed-out',
  'backout-failed',
  'needs-attention',
  'aborted',
  'precheck-failed',
];
/** A wave child execution ending with each outcome (its output, as the wave's Succeed state emits it). */
const waveDone = (outcome: Outcome) =>
  ({
    type: 'xstate.done.actor.wave',
    output: {
      waveIndex: 0,
      name: 'w',
      outcome,
      failure: outcome === 'completed' ? null : { code: 'x', message: `ended ${outcome}` },
      now: T0,
      jobIds: [],
      launch: [],
      backout: null,
      afterFailback: null,
    },
  }) as unknown as EventObject;
const events = OUTCOMES.map(waveDone);
/** The operator's events: the plan only forwards them to its wave (the wave hears them itself on AWS). */
const operatorEvents: EventObject[] = [
  { type: 'ABORT', by: 'ops' } as EventObject,
  { type: 'WAKE', now: T0 } as EventObject,
];

const runner = new StateMachine(forLocalRunner(generateAsl('plan')), {
  validationOptions: { noValidate: true },
});

/** Replays a path's wave outputs through the plan ASL: the leaves entered, and the events written. */
async function replay(pathEvents: EventObject[]): Promise<{ leaves: string[]; log: RunEventBody[] }> {
  const queue = [...pathEvents];
  const log: RunEventBody[] = [];
  const handlers: Record<string, (input: never) => Promise<unknown>> = {};
  for (const [name, state] of Object.entries(generateAsl('plan').States)) {
    if (state.Type !== 'Task') continue;
    if (name === 'Start' || name.endsWith('/step')) {
      handlers[name] = async ({ Payload }: { Payload: StepRequest }) => {
        const { state: next, events: written } = stepWithEvents(Payload);
        log.push(...written);
        return { StatusCode: 200, Payload: next };
      };
    } else if (String(state.Resource).includes('startExecution.sync')) {
      handlers[name] = async () => {
        const event = queue.shift() as (EventObject & { output: unknown }) | undefined;
        if (!event) throw new Error('the path has no wave output left');
        return { Status: 'SUCCEEDED', Output: event.output };
      };
    }
  }
  const running = runner.run({ begin: { input } } as never, {
    overrides: { taskResourceLocalHandlers: handlers as never },
    context: { Execution: { Id: 'local' }, StateMachine: { Id: 'plan' } },
  });
  const leaves: string[] = [];
  const collecting = (async () => {
    for await (const e of running.eventLogs)
      if (
        e.type === 'StateEntered' &&
        !e.state.name.includes('/') &&
        !['Start', 'Route'].includes(e.state.name)
      )
        leaves.push(e.state.name);
  })();
  await running.result;
  await collecting;
  expect(queue).toEqual([]);
  return { leaves, log };
}

describe('plan machine paths through the generated plan ASL', () => {
  const options = { events, input } as never;
  const paths = [...getShortestPaths(planMachine, options), ...getSimplePaths(planMachine, options)];
  // Whole runs only: paths that end in a final state.
  const runs = paths.filter((p) => p.state.status === 'done');

  it('ABORT and WAKE add no plan path: the plan forwards them to its running wave', () => {
    const withOperator = { events: [...events, ...operatorEvents], input } as never;
    const leavesOf = (ps: typeof paths) =>
      ps
        .filter((p) => p.state.status === 'done')
        .map((p) => JSON.stringify(p.steps.map((s) => leafPath(s.state.value as StateValue))))
        .sort();
    const more = [
      ...getShortestPaths(planMachine, withOperator),
      ...getSimplePaths(planMachine, withOperator),
    ];
    expect(leavesOf(more)).toEqual(leavesOf(paths));
    // No path takes either: neither changes the plan's state.
    expect(more.some((p) => p.steps.some((s) => s.event.type === 'ABORT' || s.event.type === 'WAKE'))).toBe(
      false,
    );
  });

  it('end in every final leaf of the plan ASL, with every wave count', () => {
    const ends = new Set(runs.map((p) => leafPath(p.state.value as StateValue)));
    const finals = Object.entries(generateAsl('plan').States)
      .filter(([, s]) => s.Type === 'Succeed')
      .map(([n]) => n);
    expect([...ends].sort()).toEqual(finals.sort());
    const waveCounts = new Set(runs.map((p) => p.steps.length - 1));
    expect([...waveCounts].sort()).toEqual([1, 2, 3]);
    expect(runs.length).toBeGreaterThanOrEqual(OUTCOMES.length + 2);
  });

  it('visit exactly the leaves of each path, and log its plan states and run.finished', async () => {
    for (const path of runs) {
      const expected = path.steps.map((s) => leafPath(s.state.value as StateValue));
      const { leaves, log } = await replay(path.steps.slice(1).map((s) => s.event));
      expect(leaves, JSON.stringify(expected)).toEqual(expected);
      const final = leafPath(path.state.value as StateValue);
      const states = log.flatMap((e) => (e.type === 'state' ? [`${e.from}->${e.to}`] : []));
      expect(states).toEqual(['null->running', `running->${final}`]);
      expect(log[0]?.type).toBe('run.started');
      expect(log.at(-1)).toMatchObject({
        type: 'run.finished',
        outcome: (path.state.context as { outcome: string }).outcome,
      });
    }
  }, 120_000);
});
