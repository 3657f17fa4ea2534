// Every example folder is checked code: its plan runs against its scenario and ends the way
// its comment says, with the AWS calls that make that ending right.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadPlan } from '../../src/plan/load.js';
import { createSimulatedAws, type SimulatedAws } from '../../src/sim/index.js';
import { snapshotsAt } from '../../src/sim/snapshots.js';
import {
  callsOf,
  expectRunInvariants,
  jsonLines,
  MUTATING_OPERATIONS,
  recoveryInstanceIdsOf,
  runOnSimulation,
  type SimulatedRun,
} from '../e2e/harness.js';

const EXAMPLES = [
  'three-wave',
  'throttling-storm',
  'launch-failure',
  'job-timeout',
  'recovery-instance-lost',
  'rpo-precheck-failure',
  'sns-outage',
] as const;
type Example = (typeof EXAMPLES)[number];

interface Ran extends SimulatedRun {
  sim: SimulatedAws;
}

async function runExample(name: Example): Promise<Ran> {
  const plan = await loadPlan(`examples/${name}/plan.yaml`);
  const sim = createSimulatedAws(`examples/${name}/scenario.yaml`);
  return { ...(await runOnSimulation(plan, sim)), sim };
}

/** The recovery instance DRS associates with a source server when the run starts. */
function recoveryInstanceOf(sim: SimulatedAws, sourceServerID: string): string {
  const server = sim.world.sourceServer(sourceServerID);
  const id = server?.recoveryInstance[0]?.value;
  if (!id) throw new Error(`no recovery instance for ${sourceServerID} in the world`);
  return id;
}

/** The newest recovery point taken strictly before the run began, read from the world itself. */
function newestPointBeforeRun(sim: SimulatedAws, sourceServerID: string): string {
  const server = sim.world.sourceServer(sourceServerID);
  if (!server) throw new Error(`no source server ${sourceServerID} in the world`);
  const runStart = sim.world.startAt;
  const point = snapshotsAt(sim.world, server, runStart)
    .filter((p) => p.takenAt < runStart)
    .at(-1);
  if (!point) throw new Error(`no recovery point before the run for ${sourceServerID}`);
  return point.snapshotID;
}

const waveOutcomes = (run: Ran) => run.result.waves.map((w) => [w.name, w.outcome]);
const launchedInstances = (run: Ran) =>
  callsOf(run.calls, 'StartFailbackLaunch')
    .filter((c) => c.ok)
    .map((c) => recoveryInstanceIdsOf(c));
const stopped = (run: Ran) =>
  callsOf(run.calls, 'StopFailback').map(
    (c) => (c.input as { recoveryInstanceID: string }).recoveryInstanceID,
  );

describe('examples/', () => {
  it('has a test for every example folder', () => {
    const folders = readdirSync('examples', { withFileTypes: true })
      .filter((d) => d.isDirectory() && !['plans', 'scenarios', 'embedding'].includes(d.name))
      .map((d) => d.name)
      .sort();
    expect(folders).toEqual([...EXAMPLES].sort());
  });

  describe.each(EXAMPLES)('%s', (name) => {
    it('keeps the run invariants', async () => {
      expectRunInvariants(await runExample(name));
    });

    it('yields byte-identical event streams when run twice', async () => {
      const [first, second] = [await runExample(name), await runExample(name)];
      expect(jsonLines(second.events)).toBe(jsonLines(first.events));
      expect(second.calls).toEqual(first.calls);
    });
  });

  it('three-wave: completes every wave, one launch per wave', async () => {
    const run = await runExample('three-wave');
    expect(run.result.outcome).toBe('completed');
    expect(waveOutcomes(run)).toEqual([
      ['databases', 'completed'],
      ['app', 'completed'],
      ['web', 'completed'],
    ]);
    const ri = (id: string) => recoveryInstanceOf(run.sim, id);
    expect(launchedInstances(run)).toEqual([
      [ri('s-1234567890abcdef0'), ri('s-1234567890abcdef1')],
      [ri('s-abcdef01234567890'), ri('s-abcdef01234567891')],
      [ri('s-0fedcba9876543210')],
    ]);
    expect(stopped(run)).toEqual([]);
  });

  it('throttling-storm: completes although reads are throttled, honouring retryAfterSeconds', async () => {
    const run = await runExample('throttling-storm');
    expect(run.result.outcome).toBe('completed');
    expect(waveOutcomes(run)).toEqual([
      ['databases', 'completed'],
      ['app', 'completed'],
    ]);
    const throttled = (op: string) => callsOf(run.calls, op).filter((c) => !c.ok).length;
    expect(throttled('DescribeJobs')).toBeGreaterThan(20);
    expect(throttled('DescribeRecoveryInstances')).toBeGreaterThan(0);
    expect(throttled('DescribeInstances') + throttled('DescribeInstanceStatus')).toBeGreaterThan(0);
    // After a throttled DescribeJobs (retryAfterSeconds: 20) the next one waits at least 20 s.
    const describeJobs = callsOf(run.calls, 'DescribeJobs');
    describeJobs.forEach((call, i) => {
      const next = describeJobs[i + 1];
      if (call.ok || next === undefined || call.errorName !== 'ThrottlingException') return;
      if (Date.parse(call.at) < Date.parse(run.sim.world.scenario.startAt) + 5 * 60_000) return; // precheck
      expect(Date.parse(next.at) - Date.parse(call.at)).toBeGreaterThanOrEqual(20_000);
    });
    expect(launchedInstances(run).flat()).toHaveLength(4);
    expect(stopped(run)).toEqual([]);
  });

  it('launch-failure: the failed wave backs out, the DR side stays, later waves never start', async () => {
    const run = await runExample('launch-failure');
    expect(run.result.outcome).toBe('backed-out');
    expect(waveOutcomes(run)).toEqual([
      ['databases', 'completed'],
      ['app', 'backed-out'],
      ['web', 'not-started'],
    ]);
    expect(run.result.waves[1]?.failure?.code).toBe('launch-failed');
    const ri = (id: string) => recoveryInstanceOf(run.sim, id);
    const app = [ri('s-7100000000000000b'), ri('s-7100000000000000c')];
    expect(launchedInstances(run)).toEqual([[ri('s-7100000000000000a')], app]);
    expect(stopped(run)).toEqual(app);
    expect(callsOf(run.calls, 'StartRecovery')).toEqual([]);
    expect(run.result.waves[1]?.backout?.health.map((h) => h.status)).toEqual(['healthy', 'healthy']);
    // The web wave's server was never touched.
    expect(JSON.stringify(run.calls)).not.toContain('s-7100000000000000d');
  });

  it('job-timeout: the RTO passes while the job never ends; the wave backs out', async () => {
    const run = await runExample('job-timeout');
    expect(run.result.outcome).toBe('backed-out');
    expect(waveOutcomes(run)).toEqual([
      ['ledger', 'backed-out'],
      ['reporting', 'not-started'],
    ]);
    expect(run.result.waves[0]?.failure?.code).toBe('rto-exceeded');
    const ri = (id: string) => recoveryInstanceOf(run.sim, id);
    const ledger = [ri('s-7200000000000000a'), ri('s-7200000000000000b')];
    expect(launchedInstances(run)).toEqual([ledger]);
    expect(stopped(run)).toEqual(ledger);
    // StopFailback no earlier than the 1h RTO.
    const firstStop = callsOf(run.calls, 'StopFailback')[0];
    expect(Date.parse(firstStop?.at ?? '')).toBeGreaterThanOrEqual(
      Date.parse(run.sim.world.scenario.startAt) + 60 * 60_000,
    );
    expect(callsOf(run.calls, 'StartRecovery')).toEqual([]);
  });

  it('recovery-instance-lost: relaunches the lost instance at the newest point before the run', async () => {
    const run = await runExample('recovery-instance-lost');
    expect(run.result.outcome).toBe('backed-out');
    expect(waveOutcomes(run)).toEqual([
      ['crm', 'backed-out'],
      ['portal', 'not-started'],
    ]);
    const ri = (id: string) => recoveryInstanceOf(run.sim, id);
    const crm = [ri('s-7300000000000000a'), ri('s-7300000000000000b')];
    expect(launchedInstances(run)).toEqual([crm]);
    expect(stopped(run)).toEqual(crm);
    const recoveries = callsOf(run.calls, 'StartRecovery');
    expect(recoveries).toHaveLength(1);
    expect(recoveries[0]?.input).toMatchObject({
      sourceServers: [
        {
          sourceServerID: 's-7300000000000000b',
          recoverySnapshotID: newestPointBeforeRun(run.sim, 's-7300000000000000b'),
        },
      ],
      isDrill: false,
    });
    // The recovery points were asked for newest first, up to the start of the run.
    expect(callsOf(run.calls, 'DescribeRecoverySnapshots').at(-1)?.input).toMatchObject({
      sourceServerID: 's-7300000000000000b',
      order: 'DESC',
      filters: { toDateTime: run.sim.world.scenario.startAt },
    });
    const restored = run.result.waves[0]?.backout?.restored ?? [];
    expect(restored.map((r) => r.sourceServerID)).toEqual(['s-7300000000000000b']);
    expect(run.result.waves[0]?.backout?.health.every((h) => h.status === 'healthy')).toBe(true);
  });

  it('rpo-precheck-failure: fails the precheck without a single mutating call', async () => {
    const run = await runExample('rpo-precheck-failure');
    expect(run.result.outcome).toBe('precheck-failed');
    expect(waveOutcomes(run)).toEqual([
      ['billing', 'precheck-failed'],
      ['invoicing', 'not-started'],
    ]);
    expect(run.calls.filter((c) => (MUTATING_OPERATIONS as readonly string[]).includes(c.operation))).toEqual(
      [],
    );
    expect(run.calls.every((c) => c.operation.startsWith('Describe') || c.operation === 'Publish')).toBe(
      true,
    );
    const rpo = run.events.filter((e) => e.type === 'check' && e.name === 'rpo' && e.status === 'fail');
    expect(rpo).toMatchObject([{ server: 's-7400000000000000b' }]);
  });

  it('sns-outage: completes, and every notification is recorded as failed', async () => {
    const run = await runExample('sns-outage');
    expect(run.result.outcome).toBe('completed');
    expect(waveOutcomes(run)).toEqual([
      ['index', 'completed'],
      ['frontend', 'completed'],
    ]);
    const publishes = callsOf(run.calls, 'Publish');
    expect(publishes.length).toBeGreaterThan(0);
    expect(publishes.every((c) => !c.ok && c.errorName === 'InternalErrorException')).toBe(true);
    const notifications = run.events.filter((e) => e.type === 'notification');
    const states = run.events.filter((e) => e.type === 'state');
    expect(notifications).toHaveLength(states.length);
    for (const n of notifications) {
      expect(n).toMatchObject({ error: expect.stringContaining('InternalErrorException') });
      expect(n).not.toHaveProperty('messageId');
    }
    expect(run.sim.world.state.published).toEqual([]);
  });
});
