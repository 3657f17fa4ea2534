import {
  DataReplicationState,
  DescribeJobLogItemsCommand,
  DescribeSourceServersCommand,
  LaunchStatus,
  ReverseReplicationCommand,
  StartRecoveryCommand,
  ThrottlingException,
} from '@aws-sdk/client-drs';
import { DescribeInstanceStatusCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/index.js';
import { parseScenarioText, toScenario } from '../../src/sim/index.js';
import {
  A1,
  A2,
  DR,
  ec2OriginScenario,
  job,
  MIN,
  ORIGIN,
  P1,
  RA1,
  REV_A2,
  reverse,
  simulateEc2Origin,
  sourceServer,
} from './ec2-origin.helpers.js';
import { rejection } from './helpers.js';

describe('replication faults', () => {
  it('replication-stalled without at: the reversed replication stalls during the sync, lag growing', async () => {
    const sim = simulateEc2Origin({ faults: [{ kind: 'replication-stalled', servers: [A1] }] });
    const west = sim.clients.forRegion(ORIGIN).drs;
    const reversedID = await reverse(sim.clients.drs, RA1);
    sim.clock.advanceBy(9 * MIN);
    expect((await sourceServer(west, reversedID))?.dataReplicationInfo?.dataReplicationState).toBe(
      DataReplicationState.INITIAL_SYNC,
    );
    sim.clock.advanceBy(MIN); // halfway through the 20 m catch-up
    expect((await sourceServer(west, reversedID))?.dataReplicationInfo).toMatchObject({
      dataReplicationState: DataReplicationState.STALLED,
      lagDuration: 'PT10M',
    });
    sim.clock.advanceBy(60 * MIN);
    expect((await sourceServer(west, reversedID))?.dataReplicationInfo).toMatchObject({
      dataReplicationState: DataReplicationState.STALLED,
      lagDuration: 'PT1H10M',
    });
  });

  it('replication-stalled with at: a replication already continuous stalls then', async () => {
    const sim = simulateEc2Origin({ faults: [{ kind: 'replication-stalled', servers: [A2], at: '30m' }] });
    const west = sim.clients.forRegion(ORIGIN).drs;
    const info = async () => (await sourceServer(west, REV_A2))?.dataReplicationInfo;
    expect(await info()).toMatchObject({ dataReplicationState: 'CONTINUOUS', lagDuration: 'PT30S' });
    sim.clock.advanceBy(40 * MIN);
    expect(await info()).toMatchObject({ dataReplicationState: 'STALLED', lagDuration: 'PT10M30S' });
  });

  it('replication-lag: continuous, but with the lag of the fault', async () => {
    const sim = simulateEc2Origin({ faults: [{ kind: 'replication-lag', servers: [A1], lag: '2h' }] });
    const reversedID = await reverse(sim.clients.drs, RA1);
    sim.clock.advanceBy(20 * MIN);
    expect(
      (await sourceServer(sim.clients.forRegion(ORIGIN).drs, reversedID))?.dataReplicationInfo,
    ).toMatchObject({ dataReplicationState: 'CONTINUOUS', lagDuration: 'PT2H' });
  });

  it('replication faults leave the re-protect replication alone', async () => {
    const sim = simulateEc2Origin({ faults: [{ kind: 'replication-lag', servers: [A2], lag: '2h' }] });
    const west = sim.clients.forRegion(ORIGIN).drs;
    await west.send(new StartRecoveryCommand({ sourceServers: [{ sourceServerID: REV_A2 }] }));
    sim.clock.advanceBy(16 * MIN);
    const newRI = (await sourceServer(west, REV_A2))?.recoveryInstanceId ?? '';
    const back = await reverse(west, newRI);
    sim.clock.advanceBy(20 * MIN);
    expect((await sourceServer(sim.clients.drs, back))?.dataReplicationInfo?.lagDuration).toBe('PT30S');
  });
});

describe('launch faults in the origin region', () => {
  for (const during of ['origin', undefined] as const) {
    it(`launch-failure${during ? ` during: ${during}` : ' (default during: failback)'} fails the origin launch`, async () => {
      const sim = simulateEc2Origin({
        faults: [{ kind: 'launch-failure', servers: [A2], ...(during ? { during } : {}) }],
      });
      const west = sim.clients.forRegion(ORIGIN).drs;
      const started = await west.send(
        new StartRecoveryCommand({ sourceServers: [{ sourceServerID: REV_A2 }] }),
      );
      const jobID = started.job?.jobID ?? '';
      sim.clock.advanceBy(16 * MIN);
      expect((await job(west, jobID))?.participatingServers).toEqual([
        { sourceServerID: REV_A2, launchStatus: LaunchStatus.FAILED },
      ]);
      const log = (await west.send(new DescribeJobLogItemsCommand({ jobID }))).items ?? [];
      expect(log.map((i) => i.event)).toContain('LAUNCH_FAILED');
      expect((await sourceServer(west, REV_A2))?.recoveryInstanceId).toBeUndefined();
      expect((await sourceServer(west, REV_A2))?.lastLaunchResult).toBe('FAILED');
    });
  }

  it('launch-failure during: recovery does not touch the origin launch, only DR-region recoveries', async () => {
    const sim = simulateEc2Origin({
      faults: [{ kind: 'launch-failure', servers: [A2], during: 'recovery' }],
    });
    const west = sim.clients.forRegion(ORIGIN).drs;
    const origin = await west.send(new StartRecoveryCommand({ sourceServers: [{ sourceServerID: REV_A2 }] }));
    const dr = await sim.clients.drs.send(
      new StartRecoveryCommand({ sourceServers: [{ sourceServerID: A2 }] }),
    );
    sim.clock.advanceBy(30 * MIN);
    expect((await job(west, origin.job?.jobID ?? ''))?.participatingServers?.[0]?.launchStatus).toBe(
      'LAUNCHED',
    );
    expect((await job(sim.clients.drs, dr.job?.jobID ?? ''))?.participatingServers?.[0]?.launchStatus).toBe(
      'FAILED',
    );
  });

  it('job-never-finishes during: origin keeps the origin job STARTED', async () => {
    const sim = simulateEc2Origin({
      faults: [{ kind: 'job-never-finishes', servers: [A2], during: 'origin' }],
    });
    const west = sim.clients.forRegion(ORIGIN).drs;
    const started = await west.send(
      new StartRecoveryCommand({ sourceServers: [{ sourceServerID: REV_A2 }] }),
    );
    sim.clock.advanceBy(10 * 60 * MIN);
    expect((await job(west, started.job?.jobID ?? ''))?.status).toBe('STARTED');
  });

  it('impaired-after-launch: the new primary fails its instance status check', async () => {
    const sim = simulateEc2Origin({ faults: [{ kind: 'impaired-after-launch', servers: [A2] }] });
    const west = sim.clients.forRegion(ORIGIN);
    await west.drs.send(new StartRecoveryCommand({ sourceServers: [{ sourceServerID: REV_A2 }] }));
    sim.clock.advanceBy(20 * MIN);
    const ec2 = sim.world.state.ec2Instances.filter((e) => e.region === ORIGIN);
    expect(ec2).toHaveLength(1);
    const out = await west.ec2.send(
      new DescribeInstanceStatusCommand({ InstanceIds: [ec2[0]?.instanceId ?? ''] }),
    );
    expect(out.InstanceStatuses?.[0]?.InstanceStatus?.Status).toBe('impaired');
  });
});

describe('error faults may name a region', () => {
  it('only calls to that region fail', async () => {
    const sim = simulateEc2Origin({
      faults: [{ operation: 'DescribeSourceServers', error: 'ThrottlingException', region: ORIGIN }],
    });
    await sim.clients.drs.send(new DescribeSourceServersCommand({}));
    const err = await rejection(sim.clients.forRegion(ORIGIN).drs.send(new DescribeSourceServersCommand({})));
    expect(err).toBeInstanceOf(ThrottlingException);
    expect(sim.calls().map((c) => [c.region, c.ok])).toEqual([
      [DR, true],
      [ORIGIN, false],
    ]);
  });

  it('without region they apply in every region', async () => {
    const sim = simulateEc2Origin({
      faults: [{ operation: 'ReverseReplication', error: 'InternalServerException' }],
    });
    const west = sim.clients.forRegion(ORIGIN).drs;
    expect(
      (await rejection(west.send(new ReverseReplicationCommand({ recoveryInstanceID: RA1 })))).name,
    ).toBe('InternalServerException');
    expect(
      (await rejection(sim.clients.drs.send(new ReverseReplicationCommand({ recoveryInstanceID: RA1 }))))
        .name,
    ).toBe('InternalServerException');
  });
});

describe('scenario keys for EC2 origin', () => {
  const problems = (text: string): string[] => {
    try {
      parseScenarioText(text, 's.yaml');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as ConfigError).message.split('\n');
    }
    throw new Error('expected the scenario to be rejected');
  };

  it('defaults: reverse replication none, 20m catch-up, 30s lag; FAILBACK_NOT_STARTED', () => {
    const s = parseScenarioText(
      'servers:\n  - { sourceServerID: s-1234567890abcdef0, origin: AWS, originRegion: us-west-2 }\n',
      's.yaml',
    );
    expect(s.servers[0]).toMatchObject({
      origin: 'AWS',
      originRegion: 'us-west-2',
      failbackState: 'FAILBACK_NOT_STARTED',
      reverseReplication: { state: 'none', catchUpMs: 20 * MIN, lagMs: 30_000 },
    });
  });

  it('rejects inconsistent EC2-origin settings, each at its line', () => {
    const lines = problems(
      [
        'servers:', //                                                                  1
        '  - { sourceServerID: s-1234567890abcdef0, origin: AWS }', //                  2
        '  - sourceServerID: s-1234567890abcdef1', //                                  3
        '    originRegion: us-west-2', //                                              4
        '    reverseReplication: { state: reversed }', //                               5
        '  - sourceServerID: s-1234567890abcdef2', //                                  6
        '    origin: AWS', //                                                          7
        '    originRegion: us-west-2', //                                              8
        '    failbackState: FAILBACK_READY_FOR_LAUNCH', //                             9
        '    reverseReplication: { sourceServerID: s-1234567890abcdef3 }', // 10
        'faults:', //                                                                  11
        '  - { kind: replication-lag, servers: [s-1234567890abcdef1], lag: 2h }', //  12
        '  - { operation: DescribeJobs, error: ThrottlingException, region: eu-north-1 }', // 13
      ].join('\n'),
    );
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^s\.yaml:2 servers\[0\]\.originRegion: required with origin: AWS/),
        expect.stringMatching(/^s\.yaml:4 servers\[1\]\.originRegion: only with origin: AWS/),
        expect.stringMatching(/servers\[1\]\.reverseReplication: only with origin: AWS/),
        expect.stringMatching(/servers\[2\]\.failbackState: AWS origin has no failback client/),
        expect.stringMatching(
          /^s\.yaml:10 servers\[2\]\.reverseReplication\.sourceServerID: only with state: reversed/,
        ),
      ]),
    );
  });

  it('cross-checks faults: origin-only faults need AWS origin, a fault region must be known', () => {
    const bad = (faults: unknown[]) => () =>
      toScenario(ec2OriginScenario({ faults: faults as never }), 's.yaml');
    // Replication faults apply to either direction home: the reversed replication (AWS origin) or
    // the failback replication (on premises); a Failback Client exists only on premises.
    expect(bad([{ kind: 'replication-stalled', servers: [P1] }])).not.toThrow();
    expect(bad([{ kind: 'failback-client-silent', servers: [A1] }])).toThrow(
      /of origin AWS \(no Failback Client\)/,
    );
    expect(bad([{ kind: 'launch-failure', servers: [P1], during: 'origin' }])).toThrow(/not of origin AWS/);
    expect(bad([{ operation: '*', error: 'ThrottlingException', region: 'eu-north-1' }])).toThrow(
      /neither the scenario's region nor a server's originRegion \(us-east-1, us-west-2\)/,
    );
    expect(
      bad([
        { kind: 'launch-failure', servers: [A1], during: 'origin' },
        { kind: 'replication-lag', servers: [A2], lag: '2h' },
      ]),
    ).not.toThrow();
  });

  it('a reversed server id may not collide with another server', () => {
    const s = ec2OriginScenario();
    const servers = (s.servers ?? []).map((x) =>
      x.sourceServerID === A2
        ? { ...x, reverseReplication: { state: 'reversed' as const, sourceServerID: A1 } }
        : x,
    );
    expect(() => toScenario({ ...s, servers }, 's.yaml')).toThrow(/duplicate s-a000000000000aaa1/);
  });
});
