// Paths generated from the wave machine's graph (@xstate/graph, the same candidate events as
// test/machines/wave.graph.test.ts) replayed through the generated ASL under the local runner:
// activity Tasks answer with the path's actor results, Waits end with its delayed events,
// approvals with its answers. The ASL must visit exactly the path's leaves: every Choice routes
// where the machine goes. (ABORT reaches a wave at a step or through an approval, WAKE only
// its job poll wait through the waker: see abort tests and test/sfn/wake-ups.test.ts. A WAKE
// there leads where the wait's own delay leads, so it opens no path of its own.)
import '../support/promise-with-resolvers.js';
import { getShortestPaths } from '@xstate/graph';
import { StateMachine } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import type { EventObject, StateValue } from 'xstate';
import { leafPath } from '../../machines/lifecycle.js';
import { type WaveInput, waveMachine } from '../../machines/wave.machine.js';
import { generateAsl } from '../../src/sfn/asl.js';
import { stepHandler } from '../../src/sfn/lambda.js';
import type { StepRequest } from '../../src/sfn/step.js';
import { FINAL_STATES, withMode } from '../support/wave-graph.js';
import { forLocalRunner } from './local-engine.js';

// The paths use what the Step Functions engine delivers at any leaf (not ABORT, not WAKE).
const delivered = (e: EventObject) => e.type !== 'ABORT' && e.type !== 'WAKE';
const sfnMode = (
  restore: WaveInput['restore'],
  requiresApproval?: boolean,
  afterFailback?: { reprotect: boolean; cleanup: boolean },
  cutover?: WaveInput['cutover'],
) => withMode(restore, requiresApproval, afterFailback, delivered, cutover);

const runner = new StateMachine(forLocalRunner(generateAsl('wave')), {
  validationOptions: { noValidate: true },
});

/** Replays one path's events through the ASL; returns the leaves the ASL entered. */
async function replay(waveInput: WaveInput, pathEvents: EventObject[]): Promise<string[]> {
  const queue = [...pathEvents];
  const mismatches: string[] = [];
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
          if (Payload.command.kind !== 'wait' || event.type !== Payload.command.event.type)
            mismatches.push(`${name}: path sends ${event.type}`);
        }
        return { StatusCode: 200, Payload: stepHandler(Payload) };
      };
    } else if (String(state.Resource).endsWith('.waitForTaskToken')) {
      handlers[name] = async () => {
        const event = await next();
        if (event.type.startsWith('xstate.after.')) {
          throw Object.assign(new Error('deadline'), { name: 'States.Timeout' });
        }
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
    sfnMode('if-unhealthy'),
    sfnMode('never'),
    sfnMode('if-unhealthy', false),
    sfnMode('if-unhealthy', false, { reprotect: true, cleanup: true }),
    sfnMode('if-unhealthy', true, undefined, { quiesce: 'confirm', maxLagMs: 30_000, timeoutMs: 1_800_000 }),
  ];
  const cases = modes.flatMap((m) =>
    getShortestPaths(waveMachine, m as never).map((p) => ({ mode: m, path: p })),
  );

  it('ends in every leaf the ASL has, every final state included', () => {
    const ends = new Set(cases.map((c) => leafPath(c.path.state.value as StateValue)));
    for (const final of FINAL_STATES) expect(ends.has(final), final).toBe(true);
    const leaves = generateAsl('wave');
    const missing = Object.keys(leaves.States).filter(
      (n) =>
        !n.includes('/') && !['Start', 'Route', 'ContinueAsNew', 'Unroutable'].includes(n) && !ends.has(n),
    );
    expect(missing).toEqual([]);
    expect(cases.length).toBeGreaterThan(20);
  });

  it('visits exactly the leaves of each path', async () => {
    for (const { mode, path } of cases) {
      const expected = path.steps.map((s) => leafPath(s.state.value as StateValue));
      const events = path.steps.slice(1).map((s) => s.event);
      const visited = await replay(mode.input as WaveInput, events);
      expect(visited, JSON.stringify(events.map((e) => e.type))).toEqual(expected);
    }
  }, 120_000);
});
