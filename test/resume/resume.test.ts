import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/events.js';
import { parsePlan } from '../../src/plan/load.js';
import { renderReportMarkdown, reportOfStoredRun } from '../../src/report/index.js';
import { resumeRun } from '../../src/resume.js';
import { createStoredRun } from '../../src/run/stored.js';
import {
  createSimulatedAws,
  loadSimulatedAws,
  type SimulatedAws,
  VirtualClock,
} from '../../src/sim/index.js';
import type { WorldState } from '../../src/sim/state.js';
import {
  planLockOwner,
  RunFinishedError,
  RunLockedError,
  RunNotFoundError,
  RunStore,
  SnapshotFormatError,
} from '../../src/store/index.js';
import { FIXTURE_PLAN, FIXTURE_RUN_ID, V2_FIXTURE_RUN_ID } from '../fixtures/snapshots/fixture-plan.js';
import { tempStateDir } from '../store/helpers.js';
import { CRASH_PLAN, crashScenario } from '../support/crash/fixture.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'snapshots');
const HOUR = 3_600_000;
/** The fixture run's start (`startedAt` in its snapshot). */
const FIXTURE_STARTED_AT = Date.parse('2026-01-01T00:00:00.000Z');

/** A state directory holding the committed fixture run, as a killed process left it. */
function fixtureRun(): { store: RunStore; world: WorldState } {
  const stateDir = tempStateDir();
  const store = new RunStore({ stateDir });
  const stored = store.create(parsePlan(FIXTURE_PLAN, 'plan.yaml'), FIXTURE_PLAN, FIXTURE_RUN_ID);
  writeFileSync(stored.snapshotPath, readFileSync(join(FIXTURES, 'v1-monitoring-job.snapshot.json'), 'utf8'));
  // The killed process had logged its start (as version 1 did: without `seq`).
  const started = { type: 'run.started', plan: 'snapshot-fixture', waves: 1, servers: 2, simulated: true };
  writeFileSync(
    stored.eventsPath,
    `${JSON.stringify({ ...started, at: new Date(FIXTURE_STARTED_AT).toISOString(), runId: FIXTURE_RUN_ID })}\n`,
  );
  stored.close();
  const world = JSON.parse(
    readFileSync(join(FIXTURES, 'v1-monitoring-job.world.json'), 'utf8'),
  ) as WorldState;
  return { store, world };
}

const starts = (sim: SimulatedAws) => sim.calls().filter((c) => c.operation === 'StartFailbackLaunch').length;
const states = (events: readonly RunEvent[]) =>
  events.flatMap((e) => (e.type === 'state' ? [`${e.wave ?? 'plan'}: ${e.to}`] : []));

describe('the committed v1 snapshot (taken mid-poll) keeps restoring', () => {
  it('resumes in the same simulated world and completes without a second StartFailbackLaunch', async () => {
    const { store, world } = fixtureRun();
    const sim = loadSimulatedAws(world);
    expect(starts(sim)).toBe(1);
    const run = await resumeRun({
      store,
      runId: FIXTURE_RUN_ID,
      clients: sim.clients,
      clock: sim.clock,
      probes: sim.probes,
      simulated: true,
    });
    const result = await sim.clock.run(run.start());
    expect(result.outcome).toBe('completed');
    expect(starts(sim)).toBe(1);
    const events = store.open(FIXTURE_RUN_ID).readEvents();
    expect(states(events)).toEqual(['databases: verifying', 'databases: completed', 'plan: completed']);
    expect(events.at(-1)).toMatchObject({ type: 'run.finished', outcome: 'completed' });
    // Finished: the locks are given back.
    expect(planLockOwner(store.stateDir, 'snapshot-fixture')).toBeNull();
    await expect(resumeRun({ store, runId: FIXTURE_RUN_ID, clients: sim.clients })).rejects.toThrow(
      RunFinishedError,
    );
  });

  it('resumed after its RTO passed with the launch still running, the run backs out (deadlines are absolute)', async () => {
    const { store, world } = fixtureRun();
    // DRS is still working on the launch (the job never ends in this world)...
    for (const job of world.jobs) {
      job.endAt = null;
      for (const server of job.servers) server.endAt = null;
    }
    // ...and the process stayed dead for 5 hours; the RTO is 4 hours from the start.
    const sim = loadSimulatedAws(world, { clock: new VirtualClock(world.now + 5 * HOUR) });
    const run = await resumeRun({
      store,
      runId: FIXTURE_RUN_ID,
      clients: sim.clients,
      clock: sim.clock,
      probes: sim.probes,
    });
    const result = await sim.clock.run(run.start());
    expect(result.outcome).toBe('backed-out');
    expect(result.waves[0]?.failure).toMatchObject({ code: 'rto-exceeded' });
    expect(states(store.open(FIXTURE_RUN_ID).readEvents())).toContain('databases: backout.stoppingFailback');
    expect(sim.calls().some((c) => c.operation === 'StopFailback')).toBe(true);
    expect(starts(sim)).toBe(1);
  });

  it('resumed after its RTO passed but with the launch done and healthy, the run completes (RTO missed)', async () => {
    const { store, world } = fixtureRun();
    const sim = loadSimulatedAws(world, { clock: new VirtualClock(world.now + 5 * HOUR) });
    const run = await resumeRun({
      store,
      runId: FIXTURE_RUN_ID,
      clients: sim.clients,
      clock: sim.clock,
      probes: sim.probes,
    });
    const result = await sim.clock.run(run.start());
    // The machine prefers a finished, verified launch to backing out: the report shows the RTO missed.
    expect(result.outcome).toBe('completed');
    const report = reportOfStoredRun(store.open(FIXTURE_RUN_ID));
    expect(report.outcome).toBe('completed');
    expect(report.rto).toMatchObject({ objectiveMs: 4 * HOUR, met: false });
    expect(report.rto.achievedMs).toBeGreaterThan(5 * HOUR);
    expect(Date.parse(report.finishedAt ?? '')).toBeGreaterThan(Date.parse(report.rto.deadlineAt ?? ''));
    expect(renderReportMarkdown(report)).toMatch(/\| RTO \| achieved 5h .* of 4h 00m: \*\*missed\*\* \|/);
  });
});

describe('the committed v2 snapshot (second wave mid-poll, first result inline) keeps restoring', () => {
  it('resumes, completes without another launch, and is saved again as format 3 with the same results', async () => {
    const store = new RunStore({ stateDir: tempStateDir() });
    const stored = store.create(parsePlan(CRASH_PLAN, 'plan.yaml'), CRASH_PLAN, V2_FIXTURE_RUN_ID);
    const fixture = (name: string) => readFileSync(join(FIXTURES, `v2-second-wave.${name}`), 'utf8');
    writeFileSync(stored.snapshotPath, fixture('snapshot.json'));
    writeFileSync(stored.eventsPath, fixture('events.ndjson'));
    stored.close();
    const inline = JSON.parse(fixture('snapshot.json')) as {
      formatVersion: number;
      snapshot: { context: { results: { name: string; outcome: string }[] } };
    };
    expect(inline.formatVersion).toBe(2);
    expect(inline.snapshot.context.results).toMatchObject([{ name: 'databases', outcome: 'completed' }]);
    const sim = loadSimulatedAws(JSON.parse(fixture('world.json')) as WorldState);
    expect(starts(sim)).toBe(2);

    const run = await resumeRun({
      store,
      runId: V2_FIXTURE_RUN_ID,
      clients: sim.clients,
      clock: sim.clock,
      probes: sim.probes,
      simulated: true,
    });
    const result = await sim.clock.run(run.start());
    expect(result.outcome).toBe('completed');
    expect(starts(sim)).toBe(2);
    // The first wave's result came from the inline format 2 snapshot, unchanged.
    expect(result.waves[0]).toEqual(inline.snapshot.context.results[0]);
    expect(states(store.open(V2_FIXTURE_RUN_ID).readEvents()).slice(-3)).toEqual([
      'app: verifying',
      'app: completed',
      'plan: completed',
    ]);
    const raw = JSON.parse(readFileSync(stored.snapshotPath, 'utf8'));
    expect(raw).toMatchObject({ formatVersion: 3, snapshot: { status: 'done' } });
    expect(raw.snapshot.context.results).toEqual({ $ref: 'waves/', count: 2 });
    expect(store.open(V2_FIXTURE_RUN_ID).loadSnapshot()).toMatchObject({
      context: { results: [inline.snapshot.context.results[0], { name: 'app', outcome: 'completed' }] },
    });
  });
});

describe('resumeRun finishes', () => {
  it('a run killed after its last step but before run.finished was logged: logs it, releases the locks', async () => {
    const { store, world } = fixtureRun();
    const sim = loadSimulatedAws(world);
    const first = await resumeRun({
      store,
      runId: FIXTURE_RUN_ID,
      clients: sim.clients,
      clock: sim.clock,
      probes: sim.probes,
    });
    await sim.clock.run(first.start());
    // As if the process died while the final notifications drained.
    const stored = store.open(FIXTURE_RUN_ID);
    const lines = readFileSync(stored.eventsPath, 'utf8').trimEnd().split('\n');
    writeFileSync(stored.eventsPath, `${lines.filter((l) => !l.includes('"run.finished"')).join('\n')}\n`);
    stored.lock();
    expect(stored.loadSnapshot()?.status).toBe('done');

    const again = await resumeRun({
      store,
      runId: FIXTURE_RUN_ID,
      clients: sim.clients,
      clock: sim.clock,
      probes: sim.probes,
    });
    const result = await sim.clock.run(again.start());
    expect(result.outcome).toBe('completed');
    expect(store.open(FIXTURE_RUN_ID).finishedOutcome()).toBe('completed');
    expect(planLockOwner(store.stateDir, 'snapshot-fixture')).toBeNull();
    expect(starts(sim)).toBe(1);
  });
});

describe('resumeRun refuses', () => {
  it('an unknown run', async () => {
    const sim = createSimulatedAws(crashScenario());
    await expect(
      resumeRun({ stateDir: tempStateDir(), runId: FIXTURE_RUN_ID, clients: sim.clients }),
    ).rejects.toThrow(RunNotFoundError);
  });

  it('a snapshot of a newer format, with the sentence that says to upgrade', async () => {
    const { store } = fixtureRun();
    const stored = store.open(FIXTURE_RUN_ID);
    const file = JSON.parse(readFileSync(stored.snapshotPath, 'utf8'));
    writeFileSync(stored.snapshotPath, JSON.stringify({ ...file, formatVersion: 4 }));
    const sim = createSimulatedAws(crashScenario());
    const resuming = resumeRun({ store, runId: FIXTURE_RUN_ID, clients: sim.clients });
    await expect(resuming).rejects.toThrow(SnapshotFormatError);
    await expect(resumeRun({ store, runId: FIXTURE_RUN_ID, clients: sim.clients })).rejects.toThrow(
      'snapshot.json format 4 is newer than this drs-failback understands (3); upgrade',
    );
  });

  it('a run another live process is running', async () => {
    const { store } = fixtureRun();
    const sim = createSimulatedAws(crashScenario());
    const elsewhere = new RunStore({ stateDir: store.stateDir, pid: 1, isProcessAlive: () => true });
    await expect(
      resumeRun({ store: elsewhere, runId: FIXTURE_RUN_ID, clients: sim.clients }),
    ).rejects.toThrow(RunLockedError);
  });
});

describe('never start twice', () => {
  it('a run killed right after StartFailbackLaunch was answered adopts that job when resumed', async () => {
    const sim = createSimulatedAws(crashScenario());
    const store = new RunStore({ stateDir: tempStateDir(), now: () => sim.clock.now() });
    const stored = store.create(parsePlan(FIXTURE_PLAN, 'plan.yaml'), FIXTURE_PLAN, FIXTURE_RUN_ID);
    const first = createStoredRun(stored, { clients: sim.clients, clock: sim.clock, probes: sim.probes });
    const answered = new Promise<void>((resolve) => {
      first.on((event) => {
        if (event.type === 'approval.requested') queueMicrotask(() => first.approve('test'));
        if (event.type === 'aws.response' && event.operation === 'StartFailbackLaunch') {
          // Killed before the machine learnt of the job: the snapshot still says "sending".
          first.actor.stop();
          resolve();
        }
      });
    });
    void first.start();
    await sim.clock.run(answered);
    stored.close();
    const saved = stored.loadSnapshot() as unknown as {
      children: { wave: { snapshot: { value: unknown } } };
    };
    expect(saved.children.wave.snapshot.value).toEqual({ startingFailback: 'sending' });
    expect(starts(sim)).toBe(1);

    const resumed = await resumeRun({
      store,
      runId: FIXTURE_RUN_ID,
      clients: sim.clients,
      clock: sim.clock,
      probes: sim.probes,
    });
    const result = await sim.clock.run(resumed.start());
    expect(result.outcome).toBe('completed');
    expect(starts(sim)).toBe(1);
    // The resumed activity read AWS before acting.
    const events = store.open(FIXTURE_RUN_ID).readEvents();
    const resumedAt = events.findLastIndex((e) => e.type === 'run.started');
    const after = events
      .slice(resumedAt)
      .filter((e) => e.type === 'aws.request')
      .map((e) => (e.type === 'aws.request' ? e.operation : ''));
    expect(after.slice(0, 2)).toEqual(['DescribeRecoveryInstances', 'DescribeJobs']);
    expect(after).not.toContain('StartFailbackLaunch');
  });
});
