import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createActor, toPromise } from 'xstate';
import { type PlanRunInput, runOutcome, waveInputFor } from '../../machines/plan.machine.js';
import { provideActivities } from '../../src/run.js';
import { type ActivityCall, type Script, scriptedActivities } from '../support/fake-activities.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const wave = (name: string, n: number) => ({
  name,
  servers: [{ sourceServerID: `s-0000000000000000${n}` }],
});
const input = (over: Partial<PlanRunInput> = {}): PlanRunInput => ({
  runId: 'run-1',
  planName: 'payments',
  waves: [wave('db', 1), wave('app', 2), wave('web', 3)],
  rpoMs: 900_000,
  rtoMs: 4 * 3600_000,
  approval: 'none',
  polling: { intervalMs: 15_000, maxMs: 300_000 },
  verifyTimeoutMs: 1_200_000,
  jobTimeoutMs: 7_200_000,
  restore: 'if-unhealthy',
  jitterSeed: 1,
  startedAt: T0,
  ...over,
});

function run(script: Script, over: Partial<PlanRunInput> = {}) {
  const calls: ActivityCall[] = [];
  const actor = createActor(provideActivities(scriptedActivities(script, calls)), {
    input: input(over),
  }).start();
  return { actor, calls, done: toPromise(actor) };
}

describe('plan machine', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(T0);
  });
  afterEach(() => vi.useRealTimers());

  it('runs the waves in order and completes', async () => {
    const r = run({});
    const out = await r.done;
    expect(out.outcome).toBe('completed');
    expect(out.waves.map((w) => [w.name, w.outcome])).toEqual([
      ['db', 'completed'],
      ['app', 'completed'],
      ['web', 'completed'],
    ]);
    const prechecks = r.calls
      .filter((c) => c.name === 'precheck')
      .map((c) => (c.input as { wave: string }).wave);
    expect(prechecks).toEqual(['db', 'app', 'web']);
  });

  it('startAtWave: the waves before it are already-failed-back and never started', async () => {
    const r = run({}, { startAtWave: 2 });
    const out = await r.done;
    expect(out.outcome).toBe('completed');
    expect(out.waves.map((w) => [w.name, w.outcome])).toEqual([
      ['db', 'already-failed-back'],
      ['app', 'already-failed-back'],
      ['web', 'completed'],
    ]);
    expect(
      r.calls.map((c) => (c.input as { wave?: string }).wave).filter((w) => w !== undefined),
    ).not.toContain('db');
    expect(runOutcome([{ outcome: 'already-failed-back' }, { outcome: 'aborted' }])).toBe('aborted');
  });

  it('approval once, from a later wave: the first wave this run starts is the one asked', () => {
    const context = {
      ...input({ approval: 'once', startAtWave: 1 }),
      rtoDeadlineAt: T0 + 4 * 3600_000,
      now: T0,
      results: [],
      outcome: null,
    };
    expect(waveInputFor({ ...context, waveIndex: 1 }).requiresApproval).toBe(true);
    expect(waveInputFor({ ...context, waveIndex: 2 }).requiresApproval).toBe(false);
  });

  it('a wave that backs out stops the later waves, reported as not started', async () => {
    let polls = 0;
    const r = run({ pollJobs: [{ verdict: 'launched' }, { verdict: 'failed', detail: 'FAILED' }] });
    const out = await r.done;
    polls = r.calls.filter((c) => c.name === 'pollJobs').length;
    expect(polls).toBe(2);
    expect(out.outcome).toBe('backed-out');
    expect(out.waves.map((w) => w.outcome)).toEqual(['completed', 'backed-out', 'not-started']);
    expect(r.calls.filter((c) => c.name === 'precheck')).toHaveLength(2);
  });

  it('approval "once" asks before the first wave only; APPROVE is forwarded to the wave', async () => {
    const r = run({}, { approval: 'once' });
    await vi.advanceTimersByTimeAsync(1);
    expect(r.actor.getSnapshot().children.wave?.getSnapshot().value).toBe('awaitingApproval');
    r.actor.send({ type: 'APPROVE', by: 'alice' });
    const out = await r.done;
    expect(out.outcome).toBe('completed');
  });

  it('approval "per-wave" asks before every wave', async () => {
    const r = run({}, { approval: 'per-wave' });
    for (let i = 0; i < 3; i++) {
      await vi.advanceTimersByTimeAsync(1);
      expect(r.actor.getSnapshot().children.wave?.getSnapshot().value).toBe('awaitingApproval');
      r.actor.send({ type: 'APPROVE', by: 'alice' });
    }
    expect((await r.done).outcome).toBe('completed');
  });

  it('ABORT before the point of no return gives aborted, later waves not started', async () => {
    const r = run({}, { approval: 'per-wave' });
    await vi.advanceTimersByTimeAsync(1);
    r.actor.send({ type: 'ABORT', by: 'ops' });
    const out = await r.done;
    expect(out.outcome).toBe('aborted');
    expect(out.waves.map((w) => w.outcome)).toEqual(['aborted', 'not-started', 'not-started']);
  });

  it('the run outcome is the first wave that did not complete', () => {
    expect(
      runOutcome([{ outcome: 'completed' }, { outcome: 'backout-failed' }, { outcome: 'not-started' }]),
    ).toBe('backout-failed');
    expect(runOutcome([{ outcome: 'completed' }])).toBe('completed');
    expect(runOutcome([{ outcome: 'precheck-failed' }, { outcome: 'not-started' }])).toBe('precheck-failed');
  });

  it('the RTO deadline is one absolute timestamp for all waves', async () => {
    const r = run({}, { rtoMs: 3600_000 });
    await r.done;
    const rto = r.calls
      .filter((c) => c.name === 'precheck')
      .map((c) => (c.input as { rtoDeadlineAt: number }).rtoDeadlineAt);
    expect(new Set(rto)).toEqual(new Set([T0 + 3600_000]));
  });
});
