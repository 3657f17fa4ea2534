// Every example folder is checked code: its plan runs against its scenario and ends the way
// its comment says, with the AWS calls that make that ending right.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isMutating } from '../../src/aws/operations.js';
import { loadPlan } from '../../src/plan/load.js';
import { buildReport, renderReportMarkdown } from '../../src/report/index.js';
import type { SimulatedAws } from '../../src/sim/index.js';
import { recoveryInstanceView } from '../../src/sim/recovery-instances.js';
import { snapshotsAt } from '../../src/sim/snapshots.js';
import {
  callsOf,
  expectRunInvariants,
  jsonLines,
  RUN_ID,
  recoveryInstanceIdsOf,
  runOnSimulation,
  type SimulatedRun,
  sourceServerIdsOf,
  unapprovedDestructiveCalls,
} from '../e2e/harness.js';
import { simulatedExample } from '../support/example-world.js';

const EXAMPLES = [
  'three-wave',
  'throttling-storm',
  'launch-failure',
  'job-timeout',
  'recovery-instance-lost',
  'rpo-precheck-failure',
  'failback-replication-stalled',
  'failback-client-silent',
  'lag-never-drains',
  'marker-missing',
  'rejected-start',
  'sns-outage',
  'ec2-origin',
  'mixed-wave',
  'ec2-origin-backout',
  'ec2-origin-not-ready',
  'quota-wait',
  'estate',
] as const;
type Example = (typeof EXAMPLES)[number];

interface Ran extends SimulatedRun {
  sim: SimulatedAws;
}

async function runExample(name: Example): Promise<Ran> {
  const plan = await loadPlan(`examples/${name}/plan.yaml`);
  // An estate scenario gives several worlds: the home world's clients reach the others.
  const sim = simulatedExample(plan, `examples/${name}/scenario.yaml`);
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

  it('estate: ledger fails in prod/eu-west-1, frontend never starts, the independent branch completes', async () => {
    const run = await runExample('estate');
    expect(run.result.outcome).toBe('backed-out');
    expect(waveOutcomes(run)).toEqual([
      ['analytics', 'completed'],
      ['reports', 'completed'],
      ['core-db', 'completed'],
      ['payments', 'completed'],
      ['ledger', 'backed-out'],
      ['frontend', 'not-started'],
    ]);
    // Each launch went to its wave's account and region, and says so in the stream.
    const launches = run.events.flatMap((e) =>
      e.type === 'aws.request' && e.operation === 'StartFailbackLaunch'
        ? [`${e.account ?? '-'}/${e.region}`]
        : [],
    );
    expect(launches.sort()).toEqual([
      '-/us-east-1',
      'data/eu-west-1',
      'data/us-east-1',
      'prod/eu-west-1',
      'prod/us-east-1',
    ]);
    // Waves side by side: analytics and core-db both launched before either finished.
    const started = run.events.flatMap((e) =>
      e.type === 'state' && e.machine === 'wave' && e.to === 'monitoringJob' ? [e.wave] : [],
    );
    expect(started.slice(0, 2).sort()).toEqual(['analytics', 'core-db']);
    expect(stopped(run)).toHaveLength(1);
  });

  it('quota-wait: jobs of 4, at most 8 in flight; the wave waits for capacity, then completes', async () => {
    const run = await runExample('quota-wait');
    expect(run.result.outcome).toBe('completed');
    expect(waveOutcomes(run)).toEqual([
      ['warehouse', 'completed'],
      ['frontend', 'completed'],
    ]);
    expect(launchedInstances(run).map((ids) => ids.length)).toEqual([4, 4, 4, 2]);
    const quota = run.events.filter((e) => e.type === 'check' && e.name === 'quota');
    expect(quota.map((e) => (e.type === 'check' ? [e.wave, e.status] : []))).toEqual([
      ['warehouse', 'warn'],
      ['frontend', 'pass'],
    ]);
    // Service Quotas is read once for the run, in the first wave's precheck.
    expect(callsOf(run.calls, 'GetServiceQuota')).toHaveLength(3);
    const waves = run.events.flatMap((e) =>
      e.type === 'state' && e.machine === 'wave' ? [`${e.wave}: ${e.to}`] : [],
    );
    expect(waves).toContain('warehouse: startingFailback.waitingForQuota');
    expect(waves).not.toContain('frontend: startingFailback.waitingForQuota');
    // The third job starts once the first (15-minute launches) has ended, never before.
    const starts = callsOf(run.calls, 'StartFailbackLaunch').map((c) => Date.parse(c.at));
    const firstEnd = Math.min(...run.sim.world.jobs().flatMap((j) => (j.endAt === null ? [] : [j.endAt])));
    expect(starts[2]).toBeGreaterThanOrEqual(firstEnd);
    expect(stopped(run)).toEqual([]);
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

  it('launch-failure: one server launched, one failed: needs-attention, the converted primary is not reset, later waves never start', async () => {
    const run = await runExample('launch-failure');
    expect(run.result.outcome).toBe('needs-attention');
    expect(waveOutcomes(run)).toEqual([
      ['databases', 'completed'],
      ['app', 'needs-attention'],
      ['web', 'not-started'],
    ]);
    expect(run.result.waves[1]?.failure?.code).toBe('launch-failed');
    const ri = (id: string) => recoveryInstanceOf(run.sim, id);
    const app = [ri('s-7100000000000000b'), ri('s-7100000000000000c')];
    expect(launchedInstances(run)).toEqual([[ri('s-7100000000000000a')], app]);
    // s-...b launched (its primary was converted): it is named, not reset; only s-...c is stopped.
    expect(stopped(run)).toEqual([ri('s-7100000000000000c')]);
    expect(callsOf(run.calls, 'StartRecovery')).toEqual([]);
    expect(run.result.waves[1]?.backout?.health.map((h) => h.status)).toEqual(['healthy', 'healthy']);
    // A partial launch: app-1's primary was converted (both copies may be live), app-2's was not.
    expect(
      run.sim
        .dataOracle()
        .filter((o) => ['s-7100000000000000b', 's-7100000000000000c'].includes(o.sourceServerID))
        .map((o) => o.serving),
    ).toEqual(['failback-target', 'recovery-instance']);
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
    expect(run.result.outcome).toBe('needs-attention');
    expect(waveOutcomes(run)).toEqual([
      ['crm', 'needs-attention'],
      ['portal', 'not-started'],
    ]);
    const ri = (id: string) => recoveryInstanceOf(run.sim, id);
    const crm = [ri('s-7300000000000000a'), ri('s-7300000000000000b')];
    expect(launchedInstances(run)).toEqual([crm]);
    // s-...a launched before the wave failed: its primary was converted, so it is not reset.
    expect(stopped(run)).toEqual([ri('s-7300000000000000b')]);
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
    // The relaunch holds the snapshot's point: the oracle counts what it lacks.
    const lost = run.sim.dataOracle().find((o) => o.sourceServerID === 's-7300000000000000b');
    expect(lost).toMatchObject({ serving: 'relaunched-instance' });
    expect(lost?.lacksMs).toBeGreaterThanOrEqual(0);
  });

  it('rpo-precheck-failure: fails the precheck without a single mutating call', async () => {
    const run = await runExample('rpo-precheck-failure');
    expect(run.result.outcome).toBe('precheck-failed');
    expect(waveOutcomes(run)).toEqual([
      ['billing', 'precheck-failed'],
      ['invoicing', 'not-started'],
    ]);
    expect(run.calls.filter((c) => isMutating(c.operation))).toEqual([]);
    expect(run.calls.every((c) => c.operation.startsWith('Describe') || c.operation === 'Publish')).toBe(
      true,
    );
    const rpo = run.events.filter((e) => e.type === 'check' && e.name === 'rpo' && e.status === 'fail');
    expect(rpo).toMatchObject([{ server: 's-7400000000000000b' }]);
  });

  it('three-wave: 14 days after the disaster (recovery points 14 days old) every server passes the precheck on its failback replication', async () => {
    // Before issue 10 every server failed here: the precheck gated on the recovery point's age.
    const run = await runExample('three-wave');
    const checks = run.events.filter((e) => e.type === 'check');
    expect(checks.filter((e) => e.status === 'fail')).toEqual([]);
    const points = checks.filter((e) => e.name === 'backout-point');
    expect(points).toHaveLength(5);
    for (const p of points) {
      const data = p.data as { ageMs: number };
      expect(data.ageMs).toBeGreaterThan(14 * 24 * 3_600_000 - 60 * 60_000);
    }
    expect(checks.filter((e) => e.name === 'rpo').map((e) => e.status)).toEqual(Array(5).fill('pass'));
    // The run never quiesced the writes: each primary lacks the lag and its launch window (the
    // oracle); a cutover phase (issue 10, section 2) brings this to zero.
    const oracle = run.sim.dataOracle();
    expect(oracle.map((o) => o.serving)).toEqual(Array(5).fill('failback-target'));
  });

  for (const [name, server, problem] of [
    ['failback-replication-stalled', 's-7500000000000000b', /replication is STALLED/],
    [
      'failback-client-silent',
      's-7600000000000000a',
      /Failback Client last seen .*\(2700 s ago, limit 600 s\)/,
    ],
  ] as const) {
    it(`${name}: fails the precheck on the failback replication, read calls only; the DR side keeps serving`, async () => {
      // Before issue 10 the precheck passed these: it never read the failback replication.
      const run = await runExample(name);
      expect(run.result.outcome).toBe('precheck-failed');
      expect(run.calls.filter((c) => isMutating(c.operation))).toEqual([]);
      const failedChecks = run.events.filter((e) => e.type === 'check' && e.status === 'fail');
      expect(failedChecks).toMatchObject([{ name: 'rpo', server, detail: expect.stringMatching(problem) }]);
      expect(run.sim.dataOracle().map((o) => [o.serving, o.lacksMs])).toEqual([
        ['recovery-instance', 0],
        ['recovery-instance', 0],
      ]);
    });
  }

  it('lag-never-drains: the precheck passes (5 min lag, within the RPO)', async () => {
    const run = await runExample('lag-never-drains');
    const rpo = run.events.filter((e) => e.type === 'check' && e.name === 'rpo');
    expect(rpo.map((e) => (e.type === 'check' ? e.status : null))).toEqual(['pass', 'pass']);
  });

  it('lag-never-drains: the cutover aborts before the point of no return, nothing changed, the lag named', async () => {
    // Before the cutover phase the wave crossed with 5 minutes of writes not yet home.
    const run = await runExample('lag-never-drains');
    expect(run.result.outcome).toBe('aborted');
    expect(run.result.waves[0]?.failure).toMatchObject({ code: 'drain-timeout' });
    expect(run.result.waves[0]?.failure?.message).toMatch(/s-7700000000000000b.*lag 300s above 30s/);
    expect(run.calls.filter((c) => isMutating(c.operation))).toEqual([]);
    expect(run.events.some((e) => e.type === 'cutover.drained')).toBe(false);
    // Nothing crossed: both recovery instances serve and nothing is lost.
    expect(run.sim.dataOracle().map((o) => [o.serving, o.lacksMs])).toEqual([
      ['recovery-instance', 0],
      ['recovery-instance', 0],
    ]);
  });

  it('rejected-start: nothing started, nothing lost; the recovery instances keep serving', async () => {
    const run = await runExample('rejected-start');
    expect(run.result.outcome).not.toBe('completed');
    const starts = callsOf(run.calls, 'StartFailbackLaunch');
    expect(starts.map((c) => c.errorName)).toEqual(['ConflictException']);
    expect(callsOf(run.calls, 'StartRecovery')).toEqual([]);
    expect(run.sim.dataOracle().map((o) => [o.serving, o.lacksMs])).toEqual([
      ['recovery-instance', 0],
      ['recovery-instance', 0],
    ]);
  });

  it('rejected-start: no StopFailback; every recovery instance stays FAILBACK_READY_FOR_LAUNCH', async () => {
    // Before the honest backout a rejected start sent StopFailback for every instance, which
    // throws the failback replication's readiness away (the clients pair and sync again).
    const run = await runExample('rejected-start');
    expect(run.result.outcome).toBe('aborted');
    expect(callsOf(run.calls, 'StopFailback')).toEqual([]);
    const states = ['s-7800000000000000a', 's-7800000000000000b'].map((id) => {
      const ri = run.sim.world.recoveryInstance(recoveryInstanceOf(run.sim, id));
      if (!ri) throw new Error(`no recovery instance for ${id}`);
      return recoveryInstanceView(run.sim.world, ri).failback?.state;
    });
    expect(states).toEqual(['FAILBACK_READY_FOR_LAUNCH', 'FAILBACK_READY_FOR_LAUNCH']);
  });

  it('marker-missing: the marker is not on the primary, verification fails, the converted primaries need a person', async () => {
    const run = await runExample('marker-missing');
    expect(run.result.outcome).toBe('needs-attention');
    expect(run.result.waves[0]?.failure?.message).toMatch(/marker .* missing on the primary side/);
    // Both primaries were converted: no StopFailback for them, nothing relaunched.
    expect(callsOf(run.calls, 'StopFailback')).toEqual([]);
    expect(callsOf(run.calls, 'StartRecovery')).toEqual([]);
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

describe('examples/ with servers that came from EC2', () => {
  const DR = 'us-east-1';
  const WEST = 'us-west-2';
  const inRegion = (run: Ran, operation: string, region: string) =>
    callsOf(run.calls, operation).filter((c) => c.region === region);
  const reportOf = (run: Ran) =>
    buildReport({ runId: RUN_ID, events: run.events, plan: run.plan, results: run.result.waves });
  /** The recovery instance a reversed source server's launch created in the origin region. */
  const launchedFrom = (run: Ran, reversedId: string) =>
    run.sim.world.sourceServer(reversedId, WEST)?.recoveryInstance.at(-1)?.value ?? undefined;

  it('ec2-origin: StartRecovery in us-west-2, verified there, re-protected there, old instances terminated in us-east-1', async () => {
    const run = await runExample('ec2-origin');
    expect(run.result.outcome).toBe('completed');
    expect(waveOutcomes(run)).toEqual([['apps', 'completed']]);
    const reversed = ['s-2b00000000000000a', 's-2b00000000000000b'];
    const oldInstances = [
      recoveryInstanceOf(run.sim, 's-2a00000000000000a'),
      recoveryInstanceOf(run.sim, 's-2a00000000000000b'),
    ];
    // The point of no return, once, in the origin region, for the reversed source servers.
    const starts = callsOf(run.calls, 'StartRecovery');
    expect(starts.map((c) => [c.region, sourceServerIdsOf(c)])).toEqual([[WEST, reversed]]);
    expect(callsOf(run.calls, 'StartFailbackLaunch')).toEqual([]);
    expect(callsOf(run.calls, 'StopFailback')).toEqual([]);
    // Verified in us-west-2: the new recovery instances and their EC2 instances there.
    const launched = reversed.map((id) => launchedFrom(run, id));
    expect(launched.every((id) => id !== undefined && !oldInstances.includes(id))).toBe(true);
    const westReads = inRegion(run, 'DescribeRecoveryInstances', WEST).map(
      (c) => (c.input as { filters?: { recoveryInstanceIDs?: string[] } }).filters?.recoveryInstanceIDs,
    );
    expect(westReads).toContainEqual(launched);
    expect(inRegion(run, 'DescribeInstanceStatus', WEST).length).toBeGreaterThan(0);
    // Re-protect: ReverseReplication of each new primary in us-west-2, after its own approval.
    expect(inRegion(run, 'ReverseReplication', WEST).map((c) => c.input)).toEqual(
      launched.map((id) => ({ recoveryInstanceID: id })),
    );
    expect(inRegion(run, 'ReverseReplication', DR)).toEqual([]);
    // Clean-up: TerminateRecoveryInstances in us-east-1 with the old ids, after its own approval.
    const terminations = callsOf(run.calls, 'TerminateRecoveryInstances');
    expect(terminations.map((c) => [c.region, recoveryInstanceIdsOf(c)])).toEqual([[DR, oldInstances]]);
    expect(unapprovedDestructiveCalls(run.calls, run.events, run.plan)).toEqual([]);
    const approvals = run.events.filter((e) => e.type === 'approval.requested').map((e) => e.pointOfNoReturn);
    expect(approvals).toHaveLength(3);
    expect(approvals[0]).toContain(`StartRecovery for 2 server(s) in ${WEST}`);
    expect(approvals[1]).toContain('ReverseReplication');
    expect(approvals[2]).toContain('TerminateRecoveryInstances');
    const after = run.result.waves[0]?.afterFailback;
    expect(after?.reprotected.map((r) => r.sourceServerID)).toEqual([
      's-2a00000000000000a',
      's-2a00000000000000b',
    ]);
    expect(after?.terminated).toEqual(oldInstances);
    // The report: origin region, reversed servers, launched instances, re-protect, clean-up.
    const e = reportOf(run).waves[0]?.ec2Origin;
    expect(e?.originRegions).toEqual([WEST]);
    expect(e?.servers.map((s) => [s.reversedSourceServerID, s.startRecoverySent, s.launch])).toEqual([
      ['s-2b00000000000000a', true, 'launched'],
      ['s-2b00000000000000b', true, 'launched'],
    ]);
    expect(e?.launchedInstances).toEqual([{ region: WEST, recoveryInstanceIDs: launched }]);
    expect(e?.reprotect.results).toEqual(after?.reprotected);
    expect(e?.cleanup.terminated).toEqual(oldInstances);
    expect(e?.leftRunning).toEqual([]);
    expect(e?.leftForInspection).toBe(false);
  });

  it('the invariant refuses a TerminateRecoveryInstances nobody approved, or that the plan did not ask for', async () => {
    const run = await runExample('ec2-origin');
    const termination = callsOf(run.calls, 'TerminateRecoveryInstances');
    const withoutApproval = run.events.filter((e) => e.type !== 'approval.given');
    expect(unapprovedDestructiveCalls(run.calls, withoutApproval, run.plan)).toEqual(termination);
    const noCleanup = { ...run.plan, afterFailback: { reprotect: true, cleanup: false } };
    expect(unapprovedDestructiveCalls(run.calls, run.events, noCleanup)).toEqual(termination);
  });

  it('mixed-wave: StartFailbackLaunch in us-east-1 for the on-premises server, StartRecovery in us-west-2 for the EC2 one', async () => {
    const run = await runExample('mixed-wave');
    expect(run.result.outcome).toBe('completed');
    expect(waveOutcomes(run)).toEqual([['storefront', 'completed']]);
    const onPremises = recoveryInstanceOf(run.sim, 's-3a00000000000000a');
    expect(
      callsOf(run.calls, 'StartFailbackLaunch').map((c) => [c.region, recoveryInstanceIdsOf(c)]),
    ).toEqual([[DR, [onPremises]]]);
    const reversedId = run.sim.world
      .sourceServer('s-3a00000000000000b')
      ?.reversedDirectionSourceServerArn?.split('/')
      .at(-1);
    expect(reversedId).toMatch(/^s-/);
    expect(callsOf(run.calls, 'StartRecovery').map((c) => [c.region, sourceServerIdsOf(c)])).toEqual([
      [WEST, [reversedId]],
    ]);
    // Both verified where they run: the on-premises target in us-east-1, the new instance in us-west-2.
    const drStatus = inRegion(run, 'DescribeInstanceStatus', DR).map(
      (c) => (c.input as { InstanceIds?: string[] }).InstanceIds,
    );
    expect(drStatus).toContainEqual(['i-0123456789abcdef0']);
    expect(inRegion(run, 'DescribeInstanceStatus', WEST).length).toBeGreaterThan(0);
    expect(run.events.filter((e) => e.type === 'approval.requested')).toHaveLength(1);
    // Opt-in steps are off: nothing re-protected, nothing terminated, the DR instance listed as left running.
    expect(callsOf(run.calls, 'ReverseReplication')).toEqual([]);
    const e = reportOf(run).waves[0]?.ec2Origin;
    expect(e?.servers.map((s) => s.sourceServerID)).toEqual(['s-3a00000000000000b']);
    expect(e?.leftRunning).toEqual([recoveryInstanceOf(run.sim, 's-3a00000000000000b')]);
  });

  it('ec2-origin-backout: the launch fails in us-west-2; the DR instances keep serving, no StopFailback, the report lists what was left there', async () => {
    const run = await runExample('ec2-origin-backout');
    // api-1 launched in us-west-2 before api-2 failed: both copies may be live, a person decides.
    expect(run.result.outcome).toBe('needs-attention');
    expect(waveOutcomes(run)).toEqual([
      ['ledger', 'needs-attention'],
      ['reporting', 'not-started'],
    ]);
    expect(run.result.waves[0]?.failure?.code).toBe('launch-failed');
    const starts = callsOf(run.calls, 'StartRecovery');
    expect(starts.map((c) => [c.region, sourceServerIdsOf(c)])).toEqual([
      [WEST, ['s-4b00000000000000a', 's-4b00000000000000b']],
    ]);
    expect(callsOf(run.calls, 'StopFailback')).toEqual([]);
    expect(callsOf(run.calls, 'StartFailbackLaunch')).toEqual([]);
    expect(callsOf(run.calls, 'ReverseReplication')).toEqual([]);
    expect(callsOf(run.calls, 'TerminateRecoveryInstances')).toEqual([]);
    const backout = run.result.waves[0]?.backout;
    expect(backout?.stopped).toEqual([]);
    expect(backout?.health.map((h) => [h.sourceServerID, h.status])).toEqual([
      ['s-4a00000000000000a', 'healthy'],
      ['s-4a00000000000000b', 'healthy'],
    ]);
    expect(backout?.restored).toEqual([]);
    // api-1 did launch in us-west-2: that instance is still there, for inspection.
    expect(launchedFrom(run, 's-4b00000000000000a')).toMatch(/^i-/);
    expect(launchedFrom(run, 's-4b00000000000000b')).toBeUndefined();
    const report = reportOf(run);
    const e = report.waves[0]?.ec2Origin;
    expect(e?.leftForInspection).toBe(true);
    expect(e?.servers.map((s) => [s.sourceServerID, s.startRecoverySent, s.launch])).toEqual([
      ['s-4a00000000000000a', true, 'launched'],
      ['s-4a00000000000000b', true, 'failed'],
    ]);
    expect(e?.servers.every((s) => s.launchJobIds.length === 1)).toBe(true);
    const md = renderReportMarkdown(report);
    expect(md).toContain('left for inspection');
    expect(md).toContain('s-4b00000000000000a: launched');
    expect(md).toContain('s-4b00000000000000b: launch failed');
    expect(md).toContain('The DR recovery instances keep serving');
    // The wave that never started was never touched.
    expect(JSON.stringify(run.calls)).not.toContain('s-4a00000000000000c');
  });

  // KNOWN GAP (src/report/build.ts), checked by running it: the wave does record api-1's launch.
  // api-1's 15-minute launch ends before api-2's 20-minute one fails, so the last poll of the
  // us-west-2 job sees it LAUNCHED, and the wave result's `launch` names its recovery instance
  // and region. But `buildReport` hands `ec2OriginEvidence` only each wave's outcome and
  // `afterFailback`, not its `launch`, and once the wave backs out no DescribeRecoveryInstances
  // or ReverseReplication in us-west-2 names that instance, so `launchedInstances` stays empty.
  // A second gap, not exercised here: a launch still running when another server's fails is
  // never seen at all, since the wave stops polling the origin-region job once it backs out.
  // Remove `.fails` once the report reads the wave's `launch`.
  it('ec2-origin-backout: the report names the instance api-1 left in us-west-2 (from the launch the wave recorded)', async () => {
    const run = await runExample('ec2-origin-backout');
    const left = launchedFrom(run, 's-4b00000000000000a');
    const e = reportOf(run).waves[0]?.ec2Origin;
    expect(e?.launchedInstances).toEqual([{ region: WEST, recoveryInstanceIDs: [left] }]);
  });

  it('ec2-origin-not-ready: stalled replication and lag above the RPO fail the precheck; nothing mutating', async () => {
    const run = await runExample('ec2-origin-not-ready');
    expect(run.result.outcome).toBe('precheck-failed');
    expect(waveOutcomes(run)).toEqual([
      ['batch', 'precheck-failed'],
      ['later', 'not-started'],
    ]);
    expect(run.calls.filter((c) => isMutating(c.operation))).toEqual([]);
    expect(run.calls.every((c) => c.operation.startsWith('Describe') || c.operation === 'Publish')).toBe(
      true,
    );
    // The reversed servers were read where they live.
    expect(inRegion(run, 'DescribeSourceServers', WEST).length).toBeGreaterThan(0);
    const failed = run.events
      .filter((e) => e.type === 'check' && e.status === 'fail')
      .map((e) => (e.type === 'check' ? [e.server, e.name] : []));
    expect(failed).toEqual([
      ['s-5a00000000000000a', 'reverse-replication'],
      ['s-5a00000000000000a', 'rpo'],
      ['s-5a00000000000000b', 'rpo'],
    ]);
    const stalled = run.events.find(
      (e) => e.type === 'check' && e.server === 's-5a00000000000000a' && e.name === 'reverse-replication',
    );
    expect(stalled).toMatchObject({ detail: expect.stringContaining(`replication to ${WEST} is STALLED`) });
  });
});
