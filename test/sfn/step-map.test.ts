// The step of the plan machine around a Map of wave child executions: which waves a round starts
// is the machine's (readyWaves under the concurrency), and the round's results reach the machine
// in the order the waves ended, whatever order the Map lists them in.

import { describe, expect, it } from 'vitest';
import { transition } from 'xstate';
import { type PlanRunInput, planMachine } from '../../machines/plan.machine.js';
import type { WaveOutcome } from '../../machines/types.js';
import {
  type ChildResult,
  type Command,
  type StepOptions,
  type StepState,
  step,
} from '../../src/sfn/step.js';
import { leavesOfMachine } from '../../src/sfn/structure.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const wave = (name: string, n: number, after?: string[]) => ({
  name,
  servers: [{ sourceServerID: `s-0000000000000000${n}` }],
  ...(after ? { after } : {}),
});
const input = (concurrency: number): PlanRunInput => ({
  runId: 'run-1',
  planName: 'payments',
  waves: [wave('db', 1, []), wave('app', 2, []), wave('web', 3, []), wave('batch', 4, ['db'])],
  concurrency,
  rpoMs: 900_000,
  rtoMs: 4 * 3600_000,
  approval: 'none',
  polling: { intervalMs: 15_000, maxMs: 300_000 },
  verifyTimeoutMs: 1_200_000,
  jobTimeoutMs: 7_200_000,
  restore: 'if-unhealthy',
  jitterSeed: 1,
  startedAt: T0,
});

const ended = (invokeId: string, name: string, outcome: WaveOutcome, now: number): ChildResult => ({
  invokeId,
  kind: 'done',
  output: {
    waveIndex: Number(invokeId.split('-')[1]),
    name,
    outcome,
    failure: outcome === 'completed' ? null : { code: 'x', message: outcome },
    now,
    jobIds: [],
    launch: [],
    backout: null,
    afterFailback: null,
  },
});

type Round = Extract<Command, { kind: 'executions' }>;
const startsOf = (state: StepState) => {
  expect(state.command.kind).toBe('executions');
  const round = state.command as Round;
  return round.starts.map((s) => [s.invokeId, (s.input as { input: { now: number } }).input.now]);
};
const afterRound = (state: StepState, results: ChildResult[], options: StepOptions = {}) =>
  step({ ...state, outcome: { kind: 'children', results } }, options);
const outcomesOf = (state: StepState) =>
  (
    (state.command as Extract<Command, { kind: 'done' }>).output as {
      waves: { name: string; outcome: string }[];
    }
  ).waves.map((w) => `${w.name}:${w.outcome}`);

describe('the plan step around a Map of wave executions', () => {
  it('is the leaf kind of running.sideBySide', () => {
    expect(leavesOfMachine('plan').find((l) => l.path === 'running.sideBySide')?.what).toEqual({
      kind: 'executions',
      machine: 'wave',
    });
  });

  it('starts what the machine makes ready, at most the concurrency, and says the concurrency', () => {
    const first = step({ machine: 'plan', execution: { begin: { input: input(2) } } });
    expect(first.command).toMatchObject({ state: 'running.sideBySide', machine: 'wave', maxConcurrency: 2 });
    expect(startsOf(first)).toEqual([
      ['wave-0', T0],
      ['wave-1', T0],
    ]);
  });

  it('hears the round in the order the waves ended: the wave freed first hands its room on', () => {
    const first = step({ machine: 'plan', execution: { begin: { input: input(2) } } });
    // The Map lists db before app; app ended first (minute 10), db at minute 20.
    const next = afterRound(first, [
      ended('wave-0', 'db', 'completed', T0 + 20 * 60_000),
      ended('wave-1', 'app', 'completed', T0 + 10 * 60_000),
    ]);
    // app's end frees room for web (as in process, at minute 10); db's end for batch (after db).
    expect(startsOf(next)).toEqual([
      ['wave-2', T0 + 10 * 60_000],
      ['wave-3', T0 + 20 * 60_000],
    ]);
    const last = afterRound(next, [
      ended('wave-2', 'web', 'completed', T0 + 40 * 60_000),
      ended('wave-3', 'batch', 'completed', T0 + 30 * 60_000),
    ]);
    expect(last.command).toMatchObject({ kind: 'done', state: 'completed' });
  });

  it('a wave that did not complete: its dependents never start, the others run to their end', () => {
    const first = step({ machine: 'plan', execution: { begin: { input: input(4) } } });
    expect(startsOf(first).map(([id]) => id)).toEqual(['wave-0', 'wave-1', 'wave-2']);
    const next = afterRound(first, [
      ended('wave-0', 'db', 'backed-out', T0 + 5 * 60_000),
      ended('wave-1', 'app', 'completed', T0 + 6 * 60_000),
      ended('wave-2', 'web', 'completed', T0 + 7 * 60_000),
    ]);
    expect(next.command).toMatchObject({ kind: 'done', state: 'backedOut' });
    const output = (next.command as Extract<Command, { kind: 'done' }>).output as {
      waves: { name: string; outcome: string }[];
    };
    expect(output.waves.map((w) => `${w.name}:${w.outcome}`)).toEqual([
      'db:backed-out',
      'app:completed',
      'web:completed',
      'batch:not-started',
    ]);
  });

  it('a child execution that failed is the actor error event, as for one wave at a time: the plan machine errors', () => {
    const first = step({ machine: 'plan', execution: { begin: { input: input(2) } } });
    const failed: ChildResult = {
      invokeId: 'wave-0',
      Error: 'States.TaskFailed',
      Cause: 'the execution failed',
    };
    expect(() => afterRound(first, [failed, ended('wave-1', 'app', 'completed', T0 + 60_000)])).toThrow(
      'plan machine is error in running.sideBySide',
    );
  });

  describe('an abort recorded while a round ran', () => {
    const abort = { abort: { by: 'alice', reason: 'primary not ready' } };
    const bothAborted = [
      ended('wave-0', 'db', 'aborted', T0 + 5 * 60_000),
      ended('wave-1', 'app', 'aborted', T0 + 5 * 60_000),
    ];

    it('the plan hears it before the results: no further wave starts, those never started end not-started', () => {
      const first = step({ machine: 'plan', execution: { begin: { input: input(2) } } });
      const next = afterRound(first, bothAborted, abort);
      expect(next.command).toMatchObject({ kind: 'done', state: 'aborted' });
      expect(outcomesOf(next)).toEqual(['db:aborted', 'app:aborted', 'web:not-started', 'batch:not-started']);
    });

    it('a plan step that ignored it would start web, which needs neither db nor app (non-vacuous)', () => {
      const first = step({ machine: 'plan', execution: { begin: { input: input(2) } } });
      expect(startsOf(afterRound(first, bothAborted)).map(([id]) => id)).toEqual(['wave-2']);
    });

    it('the plan as written cannot hear it in a pure step: it forwards to wave actors the snapshot lacks', () => {
      const first = step({ machine: 'plan', execution: { begin: { input: input(2) } } });
      const snapshot = planMachine.resolveState(first.snapshot as never);
      expect(() => transition(planMachine, snapshot, { type: 'ABORT', by: 'alice' })).toThrow(
        "Unable to send event to actor 'wave-0'",
      );
    });
  });
});
