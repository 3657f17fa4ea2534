import {
  ConflictException,
  DescribeJobLogItemsCommand,
  DescribeJobsCommand,
  DescribeRecoveryInstancesCommand,
  DescribeRecoverySnapshotsCommand,
  DescribeSourceServersCommand,
  FailbackState,
  InitiatedBy,
  JobLogEvent,
  JobStatus,
  JobType,
  LaunchStatus,
  ResourceNotFoundException,
  ServiceQuotaExceededException,
  StartFailbackLaunchCommand,
  StartRecoveryCommand,
  StopFailbackCommand,
  ValidationException,
} from '@aws-sdk/client-drs';
import { describe, expect, it } from 'vitest';
import { MIN, RI1, RI2, rejection, S1, S2, S3, simulate } from './helpers.js';

describe('failback launch job over virtual time', () => {
  it('goes PENDING -> STARTED -> COMPLETED with LAUNCHED servers, and logs each phase', async () => {
    const sim = simulate({ defaults: { launch: { duration: '20m' }, jobStartDelay: '30s' } });
    const { drs } = sim.clients;
    const { job } = await drs.send(new StartFailbackLaunchCommand({ recoveryInstanceIDs: [RI1, RI2] }));
    expect(job).toMatchObject({
      type: JobType.LAUNCH,
      initiatedBy: InitiatedBy.FAILBACK,
      status: JobStatus.PENDING,
    });
    expect(job?.jobID).toMatch(/^drsjob-[0-9a-zA-Z]{17}$/);
    const jobID = job?.jobID ?? '';
    const status = async () =>
      (await drs.send(new DescribeJobsCommand({ filters: { jobIDs: [jobID] } }))).items?.[0];

    const ri = async () =>
      (await drs.send(new DescribeRecoveryInstancesCommand({ filters: { recoveryInstanceIDs: [RI1] } })))
        .items?.[0];
    expect((await ri())?.failback).toMatchObject({
      state: FailbackState.FAILBACK_IN_PROGRESS,
      failbackJobID: jobID,
    });

    sim.clock.advanceBy(3 * MIN);
    expect(await status()).toMatchObject({ status: JobStatus.STARTED });
    expect((await status())?.participatingServers?.map((s) => s.launchStatus)).toEqual([
      LaunchStatus.IN_PROGRESS,
      LaunchStatus.IN_PROGRESS,
    ]);
    const early = await drs.send(new DescribeJobLogItemsCommand({ jobID }));
    expect(early.items?.map((i) => i.event)).toEqual([
      JobLogEvent.JOB_START,
      JobLogEvent.CONVERSION_START,
      JobLogEvent.CONVERSION_START,
    ]);

    sim.clock.advanceBy(18 * MIN);
    const done = await status();
    expect(done).toMatchObject({ status: JobStatus.COMPLETED, endDateTime: '2026-01-01T00:20:30.000Z' });
    expect(done?.participatingServers).toEqual([
      { sourceServerID: S1, recoveryInstanceID: RI1, launchStatus: LaunchStatus.LAUNCHED },
      { sourceServerID: S2, recoveryInstanceID: RI2, launchStatus: LaunchStatus.LAUNCHED },
    ]);
    expect((await ri())?.failback?.state).toBe(FailbackState.FAILBACK_COMPLETED);
    const log = (await drs.send(new DescribeJobLogItemsCommand({ jobID }))).items ?? [];
    expect(log.map((i) => i.event)).toEqual([
      'JOB_START',
      'CONVERSION_START',
      'CONVERSION_START',
      'CONVERSION_END',
      'CONVERSION_END',
      'LAUNCH_START',
      'LAUNCH_START',
      'JOB_END',
    ]);
    expect(log.every((i) => typeof i.logDateTime === 'string')).toBe(true);
    expect(log[1]?.eventData?.sourceServerID).toBe(S1);
  });

  it('a failed launch completes the job with FAILED, LAUNCH_FAILED in the log and FAILBACK_ERROR', async () => {
    const sim = simulate({
      servers: [
        { sourceServerID: S1, recoveryInstanceID: RI1, launch: { result: 'failed', duration: '10m' } },
        { sourceServerID: S2, recoveryInstanceID: RI2 },
      ],
    });
    const { drs } = sim.clients;
    const { job } = await drs.send(new StartFailbackLaunchCommand({ recoveryInstanceIDs: [RI1, RI2] }));
    sim.clock.advanceBy(21 * MIN);
    const [done] = (await drs.send(new DescribeJobsCommand({}))).items ?? [];
    expect(done?.status).toBe(JobStatus.COMPLETED);
    expect(done?.participatingServers?.map((s) => s.launchStatus)).toEqual([
      LaunchStatus.FAILED,
      LaunchStatus.LAUNCHED,
    ]);
    const log = (await drs.send(new DescribeJobLogItemsCommand({ jobID: job?.jobID }))).items ?? [];
    const failed = log.find((i) => i.event === JobLogEvent.LAUNCH_FAILED);
    expect(failed?.eventData).toMatchObject({ sourceServerID: S1 });
    expect(failed?.eventData?.rawError).toMatch(/simulated/);
    const items = (await drs.send(new DescribeRecoveryInstancesCommand({}))).items ?? [];
    expect(items.map((i) => i.failback?.state)).toEqual([
      FailbackState.FAILBACK_ERROR,
      FailbackState.FAILBACK_COMPLETED,
    ]);
  });

  it('rejects a second job on a busy recovery instance with ConflictException and resourceId', async () => {
    const sim = simulate();
    const { drs } = sim.clients;
    await drs.send(new StartFailbackLaunchCommand({ recoveryInstanceIDs: [RI1] }));
    const error = await rejection(drs.send(new StartFailbackLaunchCommand({ recoveryInstanceIDs: [RI1] })));
    expect(error).toBeInstanceOf(ConflictException);
    expect(error).toMatchObject({ resourceId: RI1, $metadata: { httpStatusCode: 409 } });
    // The source server is held too: a recovery launch for it conflicts.
    const second = await rejection(
      drs.send(new StartRecoveryCommand({ sourceServers: [{ sourceServerID: S1 }] })),
    );
    expect(second).toBeInstanceOf(ConflictException);
    expect(second.resourceId).toBe(S1);
  });

  it('requires FAILBACK_READY_FOR_LAUNCH, and readyAfter makes a server ready later', async () => {
    const sim = simulate({
      servers: [
        {
          sourceServerID: S1,
          recoveryInstanceID: RI1,
          failbackState: 'FAILBACK_IN_PROGRESS',
          readyAfter: '15m',
        },
        { sourceServerID: S2, recoveryInstanceID: RI2, failbackState: 'FAILBACK_NOT_STARTED' },
      ],
    });
    const { drs } = sim.clients;
    const early = await rejection(drs.send(new StartFailbackLaunchCommand({ recoveryInstanceIDs: [RI1] })));
    expect(early).toBeInstanceOf(ValidationException);
    expect(early.message).toMatch(/FAILBACK_IN_PROGRESS/);
    sim.clock.advanceBy(15 * MIN);
    await expect(
      drs.send(new StartFailbackLaunchCommand({ recoveryInstanceIDs: [RI1] })),
    ).resolves.toHaveProperty('job');
    await expect(drs.send(new StartFailbackLaunchCommand({ recoveryInstanceIDs: [RI2] }))).rejects.toThrow(
      /FAILBACK_NOT_STARTED/,
    );
  });

  it('StopFailback sets the state back to FAILBACK_NOT_STARTED', async () => {
    const sim = simulate();
    const { drs } = sim.clients;
    await expect(drs.send(new StopFailbackCommand({ recoveryInstanceID: RI1 }))).resolves.toBeDefined();
    const items = (
      await drs.send(new DescribeRecoveryInstancesCommand({ filters: { recoveryInstanceIDs: [RI1] } }))
    ).items;
    expect(items?.[0]?.failback?.state).toBe(FailbackState.FAILBACK_NOT_STARTED);
    expect(sim.calls().map((c) => c.operation)).toEqual(['StopFailback', 'DescribeRecoveryInstances']);
  });

  it('enforces the concurrent job quota with ServiceQuotaExceededException', async () => {
    const sim = simulate({ limits: { concurrentJobs: 1 } });
    const { drs } = sim.clients;
    await drs.send(new StartFailbackLaunchCommand({ recoveryInstanceIDs: [RI1] }));
    const error = await rejection(drs.send(new StartFailbackLaunchCommand({ recoveryInstanceIDs: [RI2] })));
    expect(error).toBeInstanceOf(ServiceQuotaExceededException);
    expect(error.$metadata).toMatchObject({ httpStatusCode: 402 });
  });
});

describe('StartRecovery at a recovery point', () => {
  it('launches a new recovery instance and EC2 instance when the job ends', async () => {
    const sim = simulate({ defaults: { recovery: { duration: '15m' }, health: { after: '3m' } } });
    const { drs, ec2 } = sim.clients;
    const snaps = await drs.send(
      new DescribeRecoverySnapshotsCommand({ sourceServerID: S1, order: 'DESC', maxResults: 3 }),
    );
    const point = snaps.items?.[1];
    const { job } = await drs.send(
      new StartRecoveryCommand({
        sourceServers: [{ sourceServerID: S1, recoverySnapshotID: point?.snapshotID }],
      }),
    );
    expect(job).toMatchObject({ initiatedBy: InitiatedBy.START_RECOVERY, status: JobStatus.PENDING });
    const servers = async () =>
      (await drs.send(new DescribeSourceServersCommand({ filters: { sourceServerIDs: [S1] } }))).items?.[0];
    expect((await servers())?.recoveryInstanceId).toBe(RI1);
    expect((await servers())?.lastLaunchResult).toBe('PENDING');

    sim.clock.advanceBy(16 * MIN);
    const [done] = (await drs.send(new DescribeJobsCommand({}))).items ?? [];
    expect(done?.participatingServers?.[0]?.launchStatus).toBe(LaunchStatus.LAUNCHED);
    const server = await servers();
    expect(server?.lastLaunchResult).toBe('SUCCEEDED');
    const newId = server?.recoveryInstanceId ?? '';
    expect(newId).not.toBe(RI1);
    const ri = (
      await drs.send(new DescribeRecoveryInstancesCommand({ filters: { recoveryInstanceIDs: [newId] } }))
    ).items?.[0];
    expect(ri).toMatchObject({
      sourceServerID: S1,
      isDrill: false,
      ec2InstanceState: 'RUNNING',
      jobID: job?.jobID,
    });
    expect(ri?.pointInTimeSnapshotDateTime).toBe(point?.timestamp);
    expect(ri?.ec2InstanceID).not.toBe(newId);
    const log = (await drs.send(new DescribeJobLogItemsCommand({ jobID: job?.jobID }))).items ?? [];
    expect(log.map((l) => l.event)).toContain(JobLogEvent.USING_PREVIOUS_SNAPSHOT);

    const { DescribeInstanceStatusCommand } = await import('@aws-sdk/client-ec2');
    const status = await ec2.send(
      new DescribeInstanceStatusCommand({ InstanceIds: [ri?.ec2InstanceID ?? ''] }),
    );
    expect(status.InstanceStatuses?.[0]?.InstanceStatus?.Status).toBe('initializing');
    sim.clock.advanceBy(3 * MIN);
    const later = await ec2.send(
      new DescribeInstanceStatusCommand({ InstanceIds: [ri?.ec2InstanceID ?? ''] }),
    );
    expect(later.InstanceStatuses?.[0]?.InstanceStatus?.Status).toBe('ok');
  });

  it('rejects unknown servers and snapshots with ResourceNotFoundException', async () => {
    const sim = simulate();
    const { drs } = sim.clients;
    const unknown = await rejection(
      drs.send(new StartRecoveryCommand({ sourceServers: [{ sourceServerID: S3 }] })),
    );
    expect(unknown).toBeInstanceOf(ResourceNotFoundException);
    expect(unknown.resourceId).toBe(S3);
    const snap = await rejection(
      drs.send(
        new StartRecoveryCommand({
          sourceServers: [{ sourceServerID: S1, recoverySnapshotID: 'pit-000000000000000zz' }],
        }),
      ),
    );
    expect(snap).toBeInstanceOf(ResourceNotFoundException);
  });
});
