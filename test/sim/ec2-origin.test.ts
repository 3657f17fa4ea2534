import {
  DataReplicationState,
  DescribeJobLogItemsCommand,
  DescribeJobsCommand,
  DescribeRecoveryInstancesCommand,
  DescribeSourceServersCommand,
  EC2InstanceState,
  FailbackState,
  InitiatedBy,
  JobStatus,
  JobType,
  LaunchStatus,
  OriginEnvironment,
  ReplicationDirection,
  ResourceNotFoundException,
  ReverseReplicationCommand,
  StartFailbackLaunchCommand,
  StartRecoveryCommand,
  TerminateRecoveryInstancesCommand,
  UninitializedAccountException,
  ValidationException,
} from '@aws-sdk/client-drs';
import { DescribeInstanceStatusCommand, DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { createSimulatedAws, loadScenarioFile } from '../../src/sim/index.js';
import {
  A1,
  A2,
  ACCOUNT,
  ARN,
  DR,
  EC2_A1,
  job,
  MIN,
  ORIGIN,
  P1,
  RA1,
  RA2,
  REV_A2,
  RP1,
  recoveryInstance,
  reverse,
  simulateEc2Origin,
  sourceServer,
} from './ec2-origin.helpers.js';
import { rejection } from './helpers.js';

describe('EC2-origin servers in the DR region', () => {
  it('carry their origin region, FAILOVER direction, and FAILBACK_NOT_STARTED without a failback client', async () => {
    const sim = simulateEc2Origin();
    const { drs } = sim.clients;
    const server = await sourceServer(drs, A1);
    expect(server).toMatchObject({
      arn: `arn:aws:drs:${DR}:${ACCOUNT}:source-server/${A1}`,
      replicationDirection: ReplicationDirection.FAILOVER,
      sourceCloudProperties: { originRegion: ORIGIN, originAccountID: ACCOUNT },
    });
    expect(server?.reversedDirectionSourceServerArn).toBeUndefined();
    const ri = await recoveryInstance(drs, RA1);
    expect(ri).toMatchObject({
      originEnvironment: OriginEnvironment.AWS,
      failback: { state: FailbackState.FAILBACK_NOT_STARTED },
      dataReplicationInfo: { dataReplicationState: 'NOT_STARTED' },
    });
    expect(ri?.failback?.failbackClientID).toBeUndefined();
    const refused = await rejection(drs.send(new StartFailbackLaunchCommand({ recoveryInstanceIDs: [RA1] })));
    expect(refused).toBeInstanceOf(ValidationException);
  });
});

describe('ReverseReplication', () => {
  it('creates a FAILBACK source server in the origin region that catches up to CONTINUOUS', async () => {
    const sim = simulateEc2Origin();
    const { drs } = sim.clients;
    const west = sim.clients.forRegion(ORIGIN).drs;
    const out = await drs.send(new ReverseReplicationCommand({ recoveryInstanceID: RA1 }));
    const match = ARN.exec(out.reversedDirectionSourceServerArn ?? '');
    expect(match?.slice(1, 3)).toEqual([ORIGIN, ACCOUNT]);
    const reversedID = match?.[3] ?? '';
    expect(reversedID).not.toBe(A1);
    expect(Object.keys(out).filter((k) => k !== '$metadata')).toEqual(['reversedDirectionSourceServerArn']);

    expect((await sourceServer(drs, A1))?.reversedDirectionSourceServerArn).toBe(
      out.reversedDirectionSourceServerArn,
    );
    // Not listed in the DR region: it lives in the origin region.
    expect(await sourceServer(drs, reversedID)).toBeUndefined();

    const reversed = async () => sourceServer(west, reversedID);
    expect(await reversed()).toMatchObject({
      sourceServerID: reversedID,
      arn: out.reversedDirectionSourceServerArn,
      replicationDirection: ReplicationDirection.FAILBACK,
      sourceCloudProperties: { originRegion: DR },
      reversedDirectionSourceServerArn: `arn:aws:drs:${DR}:${ACCOUNT}:source-server/${A1}`,
      dataReplicationInfo: { dataReplicationState: DataReplicationState.INITIATING },
      sourceProperties: { identificationHints: { hostname: 'api-1', awsInstanceID: EC2_A1 } },
    });
    sim.clock.advanceBy(5 * MIN);
    expect((await reversed())?.dataReplicationInfo).toMatchObject({
      dataReplicationState: DataReplicationState.INITIAL_SYNC,
      lagDuration: 'PT5M',
    });
    expect((await recoveryInstance(drs, RA1))?.dataReplicationInfo?.dataReplicationState).toBe(
      'INITIAL_SYNC',
    );
    sim.clock.advanceBy(15 * MIN);
    expect((await reversed())?.dataReplicationInfo).toMatchObject({
      dataReplicationState: DataReplicationState.CONTINUOUS,
      lagDuration: 'PT30S',
    });
    // Still FAILBACK_NOT_STARTED: the failback-client states do not apply (UNVERIFIED).
    expect((await recoveryInstance(drs, RA1))?.failback?.state).toBe(FailbackState.FAILBACK_NOT_STARTED);
  });

  it('is idempotent: a second call answers the same ARN and creates nothing', async () => {
    const sim = simulateEc2Origin();
    const { drs } = sim.clients;
    const first = await reverse(drs, RA1);
    const count = sim.world.state.sourceServers.length;
    expect(await reverse(drs, RA1)).toBe(first);
    expect(sim.world.state.sourceServers.length).toBe(count);
    expect(sim.calls().at(-1)?.notes?.[0]).toMatch(/repeated.*UNVERIFIED/);
    // A server reversed before the start answers its scenario id.
    expect(await reverse(drs, RA2)).toBe(REV_A2);
  });

  it('validates like the service', async () => {
    const { drs } = simulateEc2Origin().clients;
    const onPremises = await rejection(drs.send(new ReverseReplicationCommand({ recoveryInstanceID: RP1 })));
    expect(onPremises).toBeInstanceOf(ValidationException);
    expect(onPremises.fieldList).toEqual([{ name: 'recoveryInstanceID', message: RP1 }]);
    const missing = await rejection(
      drs.send(new ReverseReplicationCommand({ recoveryInstanceID: undefined })),
    );
    expect(missing.fieldList?.[0]?.name).toBe('recoveryInstanceID');
    const malformed = await rejection(drs.send(new ReverseReplicationCommand({ recoveryInstanceID: 'x-1' })));
    expect(malformed).toBeInstanceOf(ValidationException);
    const unknown = await rejection(
      drs.send(new ReverseReplicationCommand({ recoveryInstanceID: 'i-99999999999999999' })),
    );
    expect(unknown).toBeInstanceOf(ResourceNotFoundException);
  });

  it('refuses a recovery instance whose EC2 instance is gone (UNVERIFIED)', async () => {
    const sim = simulateEc2Origin({ faults: [{ kind: 'recovery-instance-lost', server: A1, at: '1m' }] });
    sim.clock.advanceBy(2 * MIN);
    const err = await rejection(
      sim.clients.drs.send(new ReverseReplicationCommand({ recoveryInstanceID: RA1 })),
    );
    expect(err).toBeInstanceOf(ValidationException);
    expect(err.message).toMatch(/terminated/i);
  });
});

describe('StartRecovery in the origin region', () => {
  it('launches a new recovery instance and EC2 instance there, on the target network', async () => {
    const sim = simulateEc2Origin();
    const { drs } = sim.clients;
    const west = sim.clients.forRegion(ORIGIN);
    const reversedID = await reverse(drs, RA1);
    sim.clock.advanceBy(20 * MIN);
    const started = await west.drs.send(
      new StartRecoveryCommand({ sourceServers: [{ sourceServerID: reversedID }] }),
    );
    const jobID = started.job?.jobID ?? '';
    expect(started.job).toMatchObject({
      type: JobType.LAUNCH,
      initiatedBy: InitiatedBy.START_RECOVERY,
      status: JobStatus.PENDING,
      arn: `arn:aws:drs:${ORIGIN}:${ACCOUNT}:job/${jobID}`,
    });
    expect(sim.calls().at(-1)).toMatchObject({ region: ORIGIN, operation: 'StartRecovery', ok: true });
    expect(sim.calls().at(-1)?.notes).toBeUndefined();
    // The job belongs to the origin region.
    expect((await drs.send(new DescribeJobsCommand({ filters: { jobIDs: [jobID] } }))).items).toEqual([]);

    sim.clock.advanceBy(10 * MIN);
    expect((await job(west.drs, jobID))?.participatingServers).toEqual([
      { sourceServerID: reversedID, launchStatus: LaunchStatus.IN_PROGRESS },
    ]);
    sim.clock.advanceBy(6 * MIN); // 30 s start delay + 15 m launch
    const done = await job(west.drs, jobID);
    expect(done?.status).toBe(JobStatus.COMPLETED);
    const newRI = done?.participatingServers?.[0]?.recoveryInstanceID ?? '';
    expect(done?.participatingServers).toEqual([
      { sourceServerID: reversedID, recoveryInstanceID: newRI, launchStatus: LaunchStatus.LAUNCHED },
    ]);
    expect(newRI).toMatch(/^i-[0-9a-f]{17}$/);
    const log = (await west.drs.send(new DescribeJobLogItemsCommand({ jobID }))).items ?? [];
    expect(log.map((i) => i.event)).toContain('SNAPSHOT_START');

    const ri = await recoveryInstance(west.drs, newRI);
    expect(ri).toMatchObject({
      recoveryInstanceID: newRI,
      sourceServerID: reversedID,
      originEnvironment: OriginEnvironment.AWS,
      ec2InstanceState: EC2InstanceState.RUNNING,
      arn: `arn:aws:drs:${ORIGIN}:${ACCOUNT}:recovery-instance/${newRI}`,
    });
    expect((await sourceServer(west.drs, reversedID))?.recoveryInstanceId).toBe(newRI);
    expect(await recoveryInstance(drs, newRI)).toBeUndefined();

    const ec2ID = ri?.ec2InstanceID ?? '';
    const instance = (await west.ec2.send(new DescribeInstancesCommand({ InstanceIds: [ec2ID] })))
      .Reservations?.[0]?.Instances?.[0];
    expect(instance).toMatchObject({
      State: { Name: 'running' },
      SubnetId: 'subnet-0west1',
      PrivateIpAddress: '10.20.1.10',
      SecurityGroups: [{ GroupId: 'sg-0west1' }],
      Placement: { AvailabilityZone: `${ORIGIN}a` },
    });
    const status = async () =>
      (await west.ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: [ec2ID] }))).InstanceStatuses?.[0]
        ?.InstanceStatus?.Status;
    expect(await status()).toBe('initializing');
    sim.clock.advanceBy(3 * MIN);
    expect(await status()).toBe('ok');
  });

  it('allows a launch before the reversed replication is continuous, and records it (UNVERIFIED)', async () => {
    const sim = simulateEc2Origin();
    const reversedID = await reverse(sim.clients.drs, RA1);
    const west = sim.clients.forRegion(ORIGIN).drs;
    const started = await west.send(
      new StartRecoveryCommand({ sourceServers: [{ sourceServerID: reversedID }] }),
    );
    expect(started.job?.status).toBe(JobStatus.PENDING);
    expect(sim.calls().at(-1)?.notes?.[0]).toMatch(/INITIATING: allowed \(UNVERIFIED\)/);
  });

  it('works at once for a server reversed before the start', async () => {
    const sim = simulateEc2Origin();
    const west = sim.clients.forRegion(ORIGIN).drs;
    expect((await sourceServer(west, REV_A2))?.dataReplicationInfo?.dataReplicationState).toBe('CONTINUOUS');
    expect((await sourceServer(sim.clients.drs, A2))?.reversedDirectionSourceServerArn).toBe(
      `arn:aws:drs:${ORIGIN}:${ACCOUNT}:source-server/${REV_A2}`,
    );
    expect((await recoveryInstance(sim.clients.drs, RA2))?.dataReplicationInfo).toMatchObject({
      dataReplicationState: 'CONTINUOUS',
      lagDuration: 'PT30S',
    });
    await west.send(new StartRecoveryCommand({ sourceServers: [{ sourceServerID: REV_A2 }] }));
    expect(sim.calls().at(-1)?.notes).toBeUndefined();
  });
});

describe('regions are isolated', () => {
  it('an id of one region is unknown in the other', async () => {
    const sim = simulateEc2Origin();
    const west = sim.clients.forRegion(ORIGIN);
    expect(
      await rejection(west.drs.send(new ReverseReplicationCommand({ recoveryInstanceID: RA1 }))),
    ).toBeInstanceOf(ResourceNotFoundException);
    const start = await rejection(
      west.drs.send(new StartRecoveryCommand({ sourceServers: [{ sourceServerID: A1 }] })),
    );
    expect(start).toBeInstanceOf(ResourceNotFoundException);
    const ec2 = await rejection(west.ec2.send(new DescribeInstancesCommand({ InstanceIds: [EC2_A1] })));
    expect(ec2.name).toBe('InvalidInstanceID.NotFound');
    expect(
      await rejection(
        sim.clients.drs.send(new StartRecoveryCommand({ sourceServers: [{ sourceServerID: REV_A2 }] })),
      ),
    ).toBeInstanceOf(ResourceNotFoundException);
    // Listings see one region each.
    const westServers = (await west.drs.send(new DescribeSourceServersCommand({}))).items ?? [];
    expect(westServers.map((s) => s.sourceServerID)).toEqual([REV_A2]);
    const drServers = (await sim.clients.drs.send(new DescribeSourceServersCommand({}))).items ?? [];
    expect(drServers.map((s) => s.sourceServerID)).toEqual([A1, A2, P1]);
    expect((await west.drs.send(new DescribeRecoveryInstancesCommand({}))).items).toEqual([]);
    expect((await west.ec2.send(new DescribeInstancesCommand({}))).Reservations).toEqual([]);
  });

  it('a region the scenario does not know: DRS is uninitialised, EC2 is empty', async () => {
    const sim = simulateEc2Origin();
    const far = sim.clients.forRegion('ap-southeast-2');
    const err = await rejection(far.drs.send(new DescribeSourceServersCommand({})));
    expect(err).toBeInstanceOf(UninitializedAccountException);
    expect(err.$metadata?.httpStatusCode).toBe(400);
    expect((await far.ec2.send(new DescribeInstancesCommand({}))).Reservations).toEqual([]);
    expect(sim.calls().map((c) => [c.region, c.ok])).toEqual([
      ['ap-southeast-2', false],
      ['ap-southeast-2', true],
    ]);
    expect(() => sim.clients.forRegion('nowhere')).toThrow(/not an AWS region name/);
  });

  it('forRegion builds clients once per region; the DR region gives the main clients', () => {
    const sim = simulateEc2Origin();
    expect(sim.clients.forRegion(DR).drs).toBe(sim.clients.drs);
    expect(sim.clients.forRegion(ORIGIN)).toBe(sim.clients.forRegion(ORIGIN));
    expect(sim.clients.forRegion(ORIGIN).drs).not.toBe(sim.clients.drs);
  });
});

describe('re-protect and clean-up after the failback', () => {
  it('ReverseReplication of the new instance creates a DR-region server; the old instances terminate', async () => {
    const sim = simulateEc2Origin();
    const { drs, ec2 } = sim.clients;
    const west = sim.clients.forRegion(ORIGIN);
    await west.drs.send(new StartRecoveryCommand({ sourceServers: [{ sourceServerID: REV_A2 }] }));
    sim.clock.advanceBy(16 * MIN);
    const newRI = (await sourceServer(west.drs, REV_A2))?.recoveryInstanceId ?? '';
    expect(newRI).toMatch(/^i-/);

    // Re-protect: origin -> DR.
    const out = await west.drs.send(new ReverseReplicationCommand({ recoveryInstanceID: newRI }));
    const match = ARN.exec(out.reversedDirectionSourceServerArn ?? '');
    expect(match?.[1]).toBe(DR);
    const protectedID = match?.[3] ?? '';
    expect([A2, REV_A2]).not.toContain(protectedID);
    expect(await sourceServer(drs, protectedID)).toMatchObject({
      replicationDirection: ReplicationDirection.FAILOVER,
      sourceCloudProperties: { originRegion: ORIGIN },
      dataReplicationInfo: { dataReplicationState: DataReplicationState.INITIATING },
    });
    expect((await sourceServer(west.drs, REV_A2))?.reversedDirectionSourceServerArn).toBe(
      out.reversedDirectionSourceServerArn,
    );
    sim.clock.advanceBy(20 * MIN);
    expect((await sourceServer(drs, protectedID))?.dataReplicationInfo?.dataReplicationState).toBe(
      DataReplicationState.CONTINUOUS,
    );

    // Clean-up in the DR region; the origin region does not know these instances.
    expect(
      await rejection(west.drs.send(new TerminateRecoveryInstancesCommand({ recoveryInstanceIDs: [RA2] }))),
    ).toBeInstanceOf(ResourceNotFoundException);
    const ec2ID = (await recoveryInstance(drs, RA2))?.ec2InstanceID ?? '';
    const terminate = await drs.send(new TerminateRecoveryInstancesCommand({ recoveryInstanceIDs: [RA2] }));
    expect(terminate.job).toMatchObject({ type: JobType.TERMINATE, arn: expect.stringContaining(`:${DR}:`) });
    const state = async () =>
      (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [ec2ID] }))).Reservations?.[0]
        ?.Instances?.[0]?.State?.Name;
    expect(await state()).toBe('shutting-down');
    sim.clock.advanceBy(3 * MIN);
    expect(await state()).toBe('terminated');
    expect(await recoveryInstance(drs, RA2)).toBeUndefined();
    // The new primary in the origin region is untouched.
    expect((await recoveryInstance(west.drs, newRI))?.ec2InstanceState).toBe(EC2InstanceState.RUNNING);
  });
});

describe('the example scenarios', () => {
  it('ec2-origin.yaml: one server reversed, one not, both from us-west-2', async () => {
    const sim = createSimulatedAws(await loadScenarioFile('examples/scenarios/ec2-origin.yaml'));
    const west = sim.clients.forRegion('us-west-2').drs;
    const servers = (await west.send(new DescribeSourceServersCommand({}))).items ?? [];
    expect(servers.map((s) => [s.sourceServerID, s.replicationDirection])).toEqual([
      ['s-9f8e7d6c5b4a30001', 'FAILBACK'],
    ]);
    const reversedID = await reverse(sim.clients.drs, 'i-1a2b3c4d5e6f70002');
    sim.clock.advanceBy(39 * MIN);
    expect((await sourceServer(west, reversedID))?.dataReplicationInfo?.dataReplicationState).toBe(
      'INITIAL_SYNC',
    );
    sim.clock.advanceBy(MIN);
    expect((await sourceServer(west, reversedID))?.dataReplicationInfo?.lagDuration).toBe('PT1M');
  });

  it('mixed.yaml: the on-premises server fails back by StartFailbackLaunch, the EC2 one by reversal', async () => {
    const sim = createSimulatedAws(await loadScenarioFile('examples/scenarios/mixed.yaml'));
    const { drs } = sim.clients;
    const [onPremises, ec2] = (await drs.send(new DescribeRecoveryInstancesCommand({}))).items ?? [];
    expect(onPremises?.originEnvironment).toBe('ON_PREMISES');
    expect(ec2?.originEnvironment).toBe('AWS');
    const throttled = await rejection(
      drs.send(new ReverseReplicationCommand({ recoveryInstanceID: ec2?.recoveryInstanceID })),
    );
    expect(throttled.name).toBe('ThrottlingException');
    const reversedID = await reverse(drs, ec2?.recoveryInstanceID ?? '');
    const west = sim.clients.forRegion('eu-west-1').drs;
    expect((await sourceServer(west, reversedID))?.replicationDirection).toBe('FAILBACK');
    sim.clock.advanceBy(15 * MIN);
    const launch = await drs.send(
      new StartFailbackLaunchCommand({ recoveryInstanceIDs: [onPremises?.recoveryInstanceID ?? ''] }),
    );
    expect(launch.job?.initiatedBy).toBe(InitiatedBy.FAILBACK);
  });
});
