// Format 3 of snapshot.json: the plan's waves stay in plan.json, each finished wave's result is
// written once to waves/<index>.json, and loading puts both back.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/plan/types.js';
import { setFaultHook } from '../../src/store/fault.js';
import { parseSnapshotFile, RunStore, SnapshotFormatError, type StoredRun } from '../../src/store/index.js';
import { RUN_A, tempStateDir, testPlan } from './helpers.js';

afterEach(() => setFaultHook(null));

/** A plan of `waves` waves of `size` servers each. */
function fleetPlan(waves: number, size: number): Plan {
  const plan = testPlan();
  plan.waves = Array.from({ length: waves }, (_, w) => ({
    name: `wave-${w}`,
    servers: Array.from({ length: size }, (_, s) => ({
      sourceServerID: `s-${String(w * size + s).padStart(17, '0')}`,
    })),
  }));
  return plan;
}

/** A finished wave's result, as the plan machine records it (about 1 kB per 10 servers). */
function result(plan: Plan, index: number) {
  const wave = plan.waves[index];
  return {
    name: wave?.name,
    outcome: 'completed',
    failure: null,
    jobIds: [`drsjob-${index}`],
    launch: (wave?.servers ?? []).map((s) => ({
      sourceServerID: s.sourceServerID,
      launchStatus: 'LAUNCHED',
    })),
    backout: null,
  };
}

/** The plan machine's persisted snapshot after `finished` waves, its wave child at `step`. */
function planSnapshot(plan: Plan, results: unknown[], step: string) {
  return {
    status: 'active',
    value: { running: 'wave' },
    historyValue: {},
    context: { runId: RUN_A, planName: plan.name, waves: plan.waves, waveIndex: results.length, results },
    children: {
      wave: { snapshot: { status: 'active', value: step, context: { n: results.length } }, src: 'wave' },
    },
  } as never;
}

function created(plan: Plan): { store: RunStore; run: StoredRun } {
  const store = new RunStore({ stateDir: tempStateDir() });
  return { store, run: store.create(plan, 'x', RUN_A) };
}

function countWaveFileWrites(): { count: () => number } {
  let n = 0;
  setFaultHook((point) => {
    if (point === 'snapshot:wave-result') n += 1;
  });
  return { count: () => n };
}

describe('snapshot.json, format 3', () => {
  it("refers to plan.json's waves and to one file per finished wave; loading gives the snapshot back", () => {
    const plan = fleetPlan(4, 10);
    const { store, run } = created(plan);
    // The run's plan is plan.json's, as createStoredRun gives it.
    const waves = run.plan().waves;
    const results = [result(plan, 0), result(plan, 1)];
    const snapshot = planSnapshot({ ...plan, waves }, results, 'monitoringJob');
    run.saveSnapshot(snapshot);

    const raw = JSON.parse(readFileSync(run.snapshotPath, 'utf8'));
    expect(raw).toMatchObject({ formatVersion: 3, machineVersion: 1, runId: RUN_A });
    expect(raw.snapshot.context.waves).toEqual({ $ref: 'plan.json#/waves' });
    expect(raw.snapshot.context.results).toEqual({ $ref: 'waves/', count: 2 });
    expect(JSON.parse(readFileSync(join(run.dir, 'waves', '1.json'), 'utf8'))).toEqual({
      runId: RUN_A,
      index: 1,
      result: results[1],
    });
    expect(existsSync(join(run.dir, 'waves', '2.json'))).toBe(false);
    // Every reader opens the run afresh: the same snapshot as format 2 held inline.
    expect(store.open(RUN_A).loadSnapshot()).toEqual(JSON.parse(JSON.stringify(snapshot)));
    run.releaseLocks();
  });

  it("a finished run's output refers to the same wave files; loading gives it back", () => {
    const plan = fleetPlan(2, 3);
    const { store, run } = created(plan);
    const results = [result(plan, 0), result(plan, 1)];
    const done = {
      ...(planSnapshot({ ...plan, waves: run.plan().waves }, results, 'completed') as object),
      status: 'done',
      value: 'completed',
      output: { outcome: 'completed', waves: results },
    } as never;
    run.saveSnapshot(done);
    const raw = JSON.parse(readFileSync(run.snapshotPath, 'utf8'));
    expect(raw.snapshot.output).toEqual({ outcome: 'completed', waves: { $ref: 'waves/', count: 2 } });
    expect(readFileSync(run.snapshotPath, 'utf8')).not.toContain('drsjob-');
    expect(store.open(RUN_A).loadSnapshot()).toEqual(JSON.parse(JSON.stringify(done)));
    run.releaseLocks();
  });

  it('the bytes written per step do not grow with the waves behind it', () => {
    // 20 servers per wave: creating the run takes a lock file per server.
    const plan = fleetPlan(10, 20);
    const { run } = created(plan);
    const waves = run.plan().waves;
    const sizes: number[] = [];
    const results: unknown[] = [];
    for (let w = 0; w < 10; w++) {
      run.saveSnapshot(planSnapshot({ ...plan, waves }, [...results], `step-${w}`));
      sizes.push(readFileSync(run.snapshotPath, 'utf8').length);
      results.push(result(plan, w));
    }
    // Format 2 held the fleet (14 kB here) and every result behind (about 1.5 kB per wave):
    // now only the count of results grows, a digit.
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    expect(Math.max(...sizes)).toBeLessThan(1_000);
    run.releaseLocks();
  });

  it('writes each wave file once, also across a resume, and again only when the result changed', () => {
    const plan = fleetPlan(3, 5);
    const { store, run } = created(plan);
    const waves = run.plan().waves;
    const writes = countWaveFileWrites();
    const results = [result(plan, 0)];
    for (let step = 0; step < 20; step++)
      run.saveSnapshot(planSnapshot({ ...plan, waves }, results, `s${step}`));
    expect(writes.count()).toBe(1);
    run.releaseLocks();

    // A resumed process: its snapshot's objects are new (read from disk), their content is not.
    const reopened = store.open(RUN_A);
    const loaded = reopened.loadSnapshot() as unknown as {
      context: { waves: Plan['waves']; results: unknown[] };
    };
    const more = [...loaded.context.results, result(plan, 1)];
    reopened.saveSnapshot(planSnapshot({ ...plan, waves: loaded.context.waves }, more, 'r'));
    expect(writes.count()).toBe(2);
    // Restored from an older snapshot, a wave can end differently: its file is replaced.
    const changed = [{ ...result(plan, 0), outcome: 'backed-out' }];
    reopened.saveSnapshot(planSnapshot({ ...plan, waves }, changed, 'x'));
    expect(writes.count()).toBe(3);
    expect(store.open(RUN_A).loadSnapshot()).toMatchObject({
      context: { results: [{ outcome: 'backed-out' }] },
    });
  });

  it('keeps waves inline that are not the run folder plan', () => {
    const plan = fleetPlan(2, 2);
    const { store, run } = created(plan);
    const other = fleetPlan(1, 3).waves;
    run.saveSnapshot(planSnapshot({ ...plan, waves: other }, [], 'a'));
    const raw = JSON.parse(readFileSync(run.snapshotPath, 'utf8'));
    expect(raw.snapshot.context.waves).toEqual(other);
    expect(store.open(RUN_A).loadSnapshot()).toMatchObject({ context: { waves: other } });
    run.releaseLocks();
  });

  it('a missing or misplaced wave file is refused with a sentence naming it', () => {
    const plan = fleetPlan(3, 2);
    const { store, run } = created(plan);
    run.saveSnapshot(
      planSnapshot({ ...plan, waves: run.plan().waves }, [result(plan, 0), result(plan, 1)], 'a'),
    );
    run.releaseLocks();
    const waveFile = (i: number) => join(run.dir, 'waves', `${i}.json`);
    const wave1 = readFileSync(waveFile(1), 'utf8');
    writeFileSync(waveFile(1), readFileSync(waveFile(0), 'utf8'));
    expect(() => store.open(RUN_A).loadSnapshot()).toThrow(SnapshotFormatError);
    expect(() => store.open(RUN_A).loadSnapshot()).toThrow(
      `${join(run.dir, 'waves', '1.json')}, which snapshot.json refers to, is not wave 1's result of run ${RUN_A}`,
    );
    writeFileSync(waveFile(1), wave1);
    expect(store.open(RUN_A).loadSnapshot()).toBeDefined();
    rmSync(waveFile(0));
    expect(() => store.open(RUN_A).loadSnapshot()).toThrow(
      /waves\/0\.json, which .*snapshot\.json refers to, is missing/,
    );
  });

  it('parseSnapshotFile without a reader refuses references rather than returning them', () => {
    const plan = fleetPlan(1, 1);
    const { run } = created(plan);
    run.saveSnapshot(planSnapshot({ ...plan, waves: run.plan().waves }, [], 'a'));
    expect(() => parseSnapshotFile(readFileSync(run.snapshotPath, 'utf8'), RUN_A)).toThrow(
      /refers to files of its run's folder/,
    );
    run.releaseLocks();
  });
});
