// The failback replication's timeline and the data oracle: where each server's data is.
import {
  DescribeRecoveryInstancesCommand,
  type RecoveryInstance,
  StartFailbackLaunchCommand,
  StartRecoveryCommand,
  StopFailbackCommand,
} from '@aws-sdk/client-drs';
import { describe, expect, it } from 'vitest';
import { createSimulatedAws, type ScenarioFile, toScenario } from '../../src/sim/index.js';
import { baseScenario, MIN, RI1, RI2, S1, S2 } from './helpers.js';

const START = '2026-03-01T02:00:00.000Z';
const DISASTER = '2026-02-15T02:00:00.000Z';
const DAY = 24 * 60 * MIN;

function world(extra: Partial<ScenarioFile> = {}) {
  return createSimulatedAws(
    toScenario(
      baseScenario({
        startAt: START,
        disasterAt: DISASTER,
        defaults: {
          jobStartDelay: '30s',
          launch: { duration: '20m' },
          recoveryPoints: { every: '10m', retention: '30d' },
          writeRate: 1000,
          failbackClient: { pairedBefore: '1d', initialSync: '2h', lag: '10s' },
        },
        ...extra,
      }),
    ),
  );
}

async function instance(sim: ReturnType<typeof world>, id: string): Promise<RecoveryInstance> {
  const out = await sim.clients.drs.send(
    new DescribeRecoveryInstancesCommand({ filters: { recoveryInstanceIDs: [id] } }),
  );
  const found = out.items?.[0];
  if (!found) throw new Error(`no ${id}`);
  return found;
}
const replication = (ri: RecoveryInstance) => ({
  failbackState: ri.failback?.state,
  state: ri.dataReplicationInfo?.dataReplicationState,
  lag: ri.dataReplicationInfo?.lagDuration,
  backlog: (ri.dataReplicationInfo?.replicatedDisks ?? []).reduce(
    (n, d) => n + (d.backloggedStorageBytes ?? 0),
    0,
  ),
  seen: ri.failback?.failbackClientLastSeenByServiceDateTime,
  error: ri.dataReplicationInfo?.dataReplicationError?.error,
});

describe('the failback replication timeline', () => {
  it('pairs, goes INITIATING, INITIAL_SYNC, BACKLOG, then CONTINUOUS and FAILBACK_READY_FOR_LAUNCH', async () => {
    const sim = world({
      defaults: { writeRate: 1000, failbackClient: { pairedBefore: '30s', initialSync: '30m', lag: '10s' } },
    });
    const seen: ReturnType<typeof replication>[] = [];
    for (const at of [0, 1, 15, 25, 30]) {
      sim.clock.advanceTo(Date.parse(START) - 30_000 + at * MIN + (at === 0 ? 30_000 : 0));
      seen.push(replication(await instance(sim, RI1)));
    }
    expect(seen.map((s) => [s.failbackState, s.state])).toEqual([
      ['FAILBACK_IN_PROGRESS', 'INITIATING'],
      ['FAILBACK_IN_PROGRESS', 'INITIAL_SYNC'],
      ['FAILBACK_IN_PROGRESS', 'INITIAL_SYNC'],
      ['FAILBACK_IN_PROGRESS', 'BACKLOG'],
      ['FAILBACK_READY_FOR_LAUNCH', 'CONTINUOUS'],
    ]);
    expect(seen[3]?.backlog).toBeGreaterThan(0);
    expect(seen[4]).toMatchObject({ lag: 'PT10S', backlog: 0 });
    expect(seen[4]?.seen).toBe(new Date(sim.clock.now()).toISOString());
  });

  it('before the Failback Client pairs: FAILBACK_NOT_STARTED, NOT_STARTED, never seen', async () => {
    const sim = world({
      servers: [{ sourceServerID: S1, recoveryInstanceID: RI1, failbackState: 'FAILBACK_NOT_STARTED' }],
    });
    const ri = replication(await instance(sim, RI1));
    expect(ri).toMatchObject({
      failbackState: 'FAILBACK_NOT_STARTED',
      state: 'NOT_STARTED',
      seen: undefined,
    });
  });

  it('the lag drains once the writes stop (stopWrites), and stays put while they flow', async () => {
    const sim = world();
    sim.clock.advanceBy(5 * MIN);
    expect(replication(await instance(sim, RI1)).lag).toBe('PT10S');
    sim.stopWrites([RI1]);
    sim.clock.advanceBy(4_000);
    expect(replication(await instance(sim, RI1)).lag).toBe('PT6S');
    sim.clock.advanceBy(10_000);
    expect(replication(await instance(sim, RI1)).lag).toBe('PT0S');
    expect(replication(await instance(sim, RI2)).lag).toBe('PT10S');
  });

  it('faults: a stalled replication, a silent Failback Client, a lag that never drains', async () => {
    const sim = world({
      faults: [
        { kind: 'replication-stalled', servers: [S1] },
        { kind: 'failback-client-silent', servers: [S2], since: '30m' },
      ],
    });
    const stalled = replication(await instance(sim, RI1));
    expect(stalled).toMatchObject({ state: 'STALLED', error: 'UNSTABLE_NETWORK' });
    expect(stalled.backlog).toBeGreaterThan(0);
    const silent = replication(await instance(sim, RI2));
    expect(silent.seen).toBe(new Date(Date.parse(START) - 30 * MIN).toISOString());
    expect(silent.lag).toBe('PT30M10S');

    const stuck = world({ faults: [{ kind: 'replication-lag', servers: [S1], lag: '5m' }] });
    stuck.stopWrites([RI1]);
    stuck.clock.advanceBy(60 * MIN);
    expect(replication(await instance(stuck, RI1))).toMatchObject({ state: 'CONTINUOUS', lag: 'PT5M' });
  });

  it('StopFailback loses the readiness: NOT_STARTED, the client must pair and sync again', async () => {
    const sim = world();
    await sim.clients.drs.send(new StopFailbackCommand({ recoveryInstanceID: RI1 }));
    sim.clock.advanceBy(3 * 60 * MIN);
    expect(replication(await instance(sim, RI1))).toMatchObject({
      failbackState: 'FAILBACK_NOT_STARTED',
      state: 'NOT_STARTED',
      seen: undefined,
    });
  });

  it('a start DRS rejects (ConflictException) changes nothing', async () => {
    const sim = world({ limits: { concurrentJobs: 1 } });
    await sim.clients.drs.send(new StartFailbackLaunchCommand({ recoveryInstanceIDs: [RI1] }));
    const before = sim.save();
    await expect(
      sim.clients.drs.send(new StartFailbackLaunchCommand({ recoveryInstanceIDs: [RI1, RI2] })),
    ).rejects.toMatchObject({ name: 'ConflictException' });
    const after = sim.save();
    // Only the call record and the generator (a request id was drawn) moved.
    expect({ ...after, calls: [], rngState: 0 }).toEqual({ ...before, calls: [], rngState: 0 });
  });

  it('the source servers stopped replicating at the disaster: their newest point is that old', () => {
    const sim = world();
    const server = sim.world.sourceServer(S1);
    expect(server?.recoveryPoints.newestAgeMs).toBe(14 * DAY);
  });
});

describe('the data oracle', () => {
  it('before any failback, the recovery instances serve and lack nothing', () => {
    const sim = world();
    sim.clock.advanceBy(MIN);
    expect(sim.dataOracle()).toEqual([
      expect.objectContaining({
        sourceServerID: S1,
        serving: 'recovery-instance',
        servingId: RI1,
        lacksMs: 0,
      }),
      expect.objectContaining({
        sourceServerID: S2,
        serving: 'recovery-instance',
        servingId: RI2,
        lacksMs: 0,
      }),
    ]);
  });

  it('a failback launched while writes flow: the primary lacks the lag and the launch window', async () => {
    const sim = world();
    await sim.clients.drs.send(new StartFailbackLaunchCommand({ recoveryInstanceIDs: [RI1] }));
    sim.clock.advanceBy(30 * MIN);
    const [s1] = sim.dataOracle();
    // The copy stands 10 s (the lag) before the launch; writes went on on the DR side until the
    // launch ended 20.5 minutes later.
    expect(s1).toMatchObject({
      serving: 'failback-target',
      lacksMs: 10_000 + 30_000 + 20 * MIN,
      bothLive: true,
    });
  });

  it('a failback after the writes stopped and the lag drained: nothing is lost', async () => {
    const sim = world();
    sim.stopWrites([RI1]);
    sim.clock.advanceBy(MIN);
    await sim.clients.drs.send(new StartFailbackLaunchCommand({ recoveryInstanceIDs: [RI1] }));
    sim.clock.advanceBy(30 * MIN);
    expect(sim.dataOracle()[0]).toMatchObject({ serving: 'failback-target', lacksMs: 0, bothLive: false });
  });

  it('a relaunch from a recovery snapshot lacks every write made on the lost instance since the disaster', async () => {
    const sim = world({ faults: [{ kind: 'recovery-instance-lost', server: S1, at: '1m' }] });
    sim.clock.advanceBy(2 * MIN);
    expect(sim.dataOracle()[0]).toMatchObject({ serving: 'none', lacksMs: null });
    const lostAt = Date.parse(START) + MIN;
    await sim.clients.drs.send(new StartRecoveryCommand({ sourceServers: [{ sourceServerID: S1 }] }));
    sim.clock.advanceBy(30 * MIN);
    const [s1] = sim.dataOracle();
    expect(s1).toMatchObject({ serving: 'relaunched-instance', copyAt: DISASTER });
    expect(s1?.lacksMs).toBe(lostAt - Date.parse(DISASTER));
  });
});

describe('the quiesce in the journal', () => {
  it('a journal replays stopWrites: a resumed simulated run finds the writes still stopped', async () => {
    const { journalHeaderLine, journalCallLine, journalWritesLine, worldFromText, loadSimulatedAws } =
      await import('../../src/sim/index.js');
    const sim = world();
    let text = journalHeaderLine(sim.save());
    sim.world.onCall((call) => {
      text += journalCallLine(call);
    });
    sim.world.onWrites((change) => {
      text += journalWritesLine(change);
    });
    sim.clock.advanceBy(MIN);
    sim.stopWrites([RI1]);
    sim.clock.advanceBy(MIN);
    await instance(sim, RI2);
    const again = loadSimulatedAws(worldFromText(text));
    expect(again.world.recoveryInstance(RI1)?.writesStoppedAt).toBe(Date.parse(START) + MIN);
    expect(again.world.recoveryInstance(RI2)?.writesStoppedAt).toBeUndefined();
  });
});
