// The plan machine with waves side by side, on scripted activities under fake timers: answers
// routed by wave, an abort that stops the rest, and a persisted snapshot that restores its
// spawned waves.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createActor, type Snapshot, toPromise } from 'xstate';
import { type PlanRunInput, waveActorId } from '../../machines/plan.machine.js';
import { readyWaves, runOutcome, waveDependencies } from '../../machines/wave-order.js';
import { provideActivities } from '../../src/run.js';
import { scriptedActivities } from '../support/fake-activities.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const wave = (name: string, n: number, after?: string[]) => ({
  name,
  ...(after ? { after } : {}),
  servers: [{ sourceServerID: `s-0000000000000000${n}` }],
});
const input = (over: Partial<PlanRunInput> = {}): PlanRunInput => ({
  runId: 'run-1',
  planName: 'payments',
  waves: [wave('db', 1, []), wave('app', 2, []), wave('web', 3, ['db', 'app'])],
  rpoMs: 900_000,
  rtoMs: 4 * 3600_000,
  approval: 'per-wave',
  polling: { intervalMs: 15_000, maxMs: 300_000 },
  verifyTimeoutMs: 1_200_000,
  jobTimeoutMs: 7_200_000,
  restore: 'if-unhealthy',
  jitterSeed: 1,
  startedAt: T0,
  concurrency: 2,
  ...over,
});

const machine = () => provideActivities(scriptedActivities({}));
const waveValue = (actor: ReturnType<typeof start>, index: number) =>
  actor.getSnapshot().children[waveActorId(index)]?.getSnapshot().value;
function start(snapshot?: Snapshot<unknown>) {
  return createActor(machine(), {
    input: input(),
    ...(snapshot ? { snapshot: snapshot as never } : {}),
  }).start();
}

describe('plan machine, waves side by side', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(T0);
  });
  afterEach(() => vi.useRealTimers());

  it('an answer naming a wave reaches that wave only', async () => {
    const actor = start();
    await vi.advanceTimersByTimeAsync(1);
    expect(waveValue(actor, 0)).toBe('awaitingApproval');
    expect(waveValue(actor, 1)).toBe('awaitingApproval');
    actor.send({ type: 'APPROVE', by: 'alice', wave: 'app' });
    await vi.advanceTimersByTimeAsync(1);
    expect(waveValue(actor, 0)).toBe('awaitingApproval');
    expect(waveValue(actor, 1)).not.toBe('awaitingApproval');
  });

  it('an abort reaches every running wave and no later wave starts', async () => {
    const actor = start();
    await vi.advanceTimersByTimeAsync(1);
    actor.send({ type: 'ABORT', by: 'alice' });
    const out = await toPromise(actor);
    expect(out.waves.map((w) => [w.name, w.outcome])).toEqual([
      ['db', 'aborted'],
      ['app', 'aborted'],
      ['web', 'not-started'],
    ]);
    expect(out.outcome).toBe('aborted');
  });

  it('a persisted snapshot restores its running waves, which go on to the end', async () => {
    const first = start();
    await vi.advanceTimersByTimeAsync(1);
    const persisted = JSON.parse(JSON.stringify(first.getPersistedSnapshot())) as Snapshot<unknown>;
    first.stop();
    const actor = start(persisted);
    expect(waveValue(actor, 0)).toBe('awaitingApproval');
    expect(waveValue(actor, 1)).toBe('awaitingApproval');
    actor.send({ type: 'APPROVE', by: 'alice', wave: 'db' });
    actor.send({ type: 'APPROVE', by: 'alice', wave: 'app' });
    // web starts after both, and asks too.
    await vi.advanceTimersByTimeAsync(1);
    expect(waveValue(actor, 2)).toBe('awaitingApproval');
    actor.send({ type: 'APPROVE', by: 'alice', wave: 'web' });
    const out = await toPromise(actor);
    expect(out.outcome).toBe('completed');
    expect(out.waves.map((w) => w.name)).toEqual(['db', 'app', 'web']);
  });
});

describe('wave order (pure)', () => {
  const waves = [wave('a', 1), wave('b', 2), wave('c', 3, []), wave('d', 4, ['a', 'c'])];

  it('defaults to the wave before; [] is none; names resolve to indices', () => {
    expect(waveDependencies(waves)).toEqual([[], [0], [], [0, 2]]);
  });

  it('starts, in plan order, the waves whose dependencies completed, up to the concurrency', () => {
    const none = { started: [], running: [], outcomes: new Map() };
    expect(readyWaves(waves, 1, none)).toEqual([0]);
    expect(readyWaves(waves, 3, none)).toEqual([0, 2]);
    const aDone = { started: [0, 2], running: [2], outcomes: new Map([[0, 'completed' as const]]) };
    expect(readyWaves(waves, 3, aDone)).toEqual([1]);
    const cFailed = {
      started: [0, 1, 2],
      running: [],
      outcomes: new Map([
        [0, 'completed' as const],
        [1, 'completed' as const],
        [2, 'backed-out' as const],
      ]),
    };
    expect(readyWaves(waves, 3, cFailed)).toEqual([]);
  });

  it('the run outcome is the worst wave outcome; not-started waves do not count', () => {
    expect(runOutcome([{ outcome: 'completed' }, { outcome: 'not-started' }])).toBe('completed');
    expect(runOutcome([{ outcome: 'precheck-failed' }, { outcome: 'backed-out' }])).toBe('backed-out');
    expect(runOutcome([{ outcome: 'aborted' }, { outcome: 'backout-failed' }])).toBe('backout-failed');
    expect(runOutcome([{ outcome: 'precheck-failed' }, { outcome: 'aborted' }])).toBe('aborted');
  });
});
