import {
  AccessDeniedException,
  DescribeJobsCommand,
  DescribeRecoveryInstancesCommand,
  DescribeSourceServersCommand,
  FailbackState,
  JobStatus,
  LaunchStatus,
  StartFailbackLaunchCommand,
  StartRecoveryCommand,
  ThrottlingException,
} from '@aws-sdk/client-drs';
import { DescribeInstanceStatusCommand, DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { InternalErrorException, PublishCommand } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { EC2_1, MIN, RI1, RI2, rejection, S1, S2, simulate, TARGET1, TARGET2 } from './helpers.js';

const TOPIC = 'arn:aws:sns:us-east-1:111122223333:failback';
const HOUR = 60 * MIN;

async function launchAndWait(sim: ReturnType<typeof simulate>, minutes = 25) {
  const { job } = await sim.clients.drs.send(
    new StartFailbackLaunchCommand({ recoveryInstanceIDs: [RI1, RI2] }),
  );
  sim.clock.advanceBy(minutes * MIN);
  const jobs = await sim.clients.drs.send(
    new DescribeJobsCommand({ filters: { jobIDs: [job?.jobID ?? ''] } }),
  );
  return jobs.items?.[0];
}

const failbackStates = async (sim: ReturnType<typeof simulate>) =>
  ((await sim.clients.drs.send(new DescribeRecoveryInstancesCommand({}))).items ?? []).map(
    (i) => i.failback?.state,
  );

describe('error faults', () => {
  it('count: throttles the first N calls, with retryAfterSeconds as a string', async () => {
    const sim = simulate({
      faults: [{ operation: 'DescribeJobs', error: 'ThrottlingException', count: 2, retryAfterSeconds: 7 }],
    });
    const { drs } = sim.clients;
    const first = await rejection(drs.send(new DescribeJobsCommand({})));
    expect(first).toBeInstanceOf(ThrottlingException);
    expect(first).toMatchObject({ retryAfterSeconds: '7', $metadata: { httpStatusCode: 429 } });
    await expect(drs.send(new DescribeJobsCommand({}))).rejects.toBeInstanceOf(ThrottlingException);
    await expect(drs.send(new DescribeJobsCommand({}))).resolves.toHaveProperty('items');
    // Other operations are untouched.
    await expect(drs.send(new DescribeSourceServersCommand({}))).resolves.toHaveProperty('items');
    expect(sim.calls().map((c) => [c.operation, c.ok, c.errorName])).toEqual([
      ['DescribeJobs', false, 'ThrottlingException'],
      ['DescribeJobs', false, 'ThrottlingException'],
      ['DescribeJobs', true, undefined],
      ['DescribeSourceServers', true, undefined],
    ]);
  });

  it('from/until: only inside the virtual time window', async () => {
    const sim = simulate({
      faults: [{ operation: '*', error: 'AccessDeniedException', from: '10m', until: '20m' }],
    });
    const { drs } = sim.clients;
    await expect(drs.send(new DescribeSourceServersCommand({}))).resolves.toBeDefined();
    sim.clock.advanceBy(10 * MIN);
    await expect(drs.send(new DescribeSourceServersCommand({}))).rejects.toBeInstanceOf(
      AccessDeniedException,
    );
    sim.clock.advanceBy(10 * MIN);
    await expect(drs.send(new DescribeSourceServersCommand({}))).resolves.toBeDefined();
  });

  it('rate: seeded, so the same seed fails the same calls', async () => {
    const pattern = async (seed: number) => {
      const sim = simulate({
        seed,
        faults: [{ operation: 'DescribeJobs', error: 'InternalServerException', rate: 0.5 }],
      });
      const out: boolean[] = [];
      for (let i = 0; i < 30; i++)
        out.push(
          await sim.clients.drs.send(new DescribeJobsCommand({})).then(
            () => true,
            () => false,
          ),
        );
      return out;
    };
    const a = await pattern(1);
    expect(a).toEqual(await pattern(1));
    expect(a.filter(Boolean).length).toBeGreaterThan(5);
    expect(a.filter((ok) => !ok).length).toBeGreaterThan(5);
  });

  it('EC2 error names: RequestLimitExceeded with HTTP 503', async () => {
    const sim = simulate({
      faults: [{ operation: 'DescribeInstances', error: 'RequestLimitExceeded', count: 1 }],
    });
    const error = await rejection(
      sim.clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: [TARGET1] })),
    );
    expect(error.name).toBe('RequestLimitExceeded');
    expect(error.$metadata).toMatchObject({ httpStatusCode: 503 });
  });
});

describe('behaviour faults', () => {
  it('launch-failure: the named servers end FAILED', async () => {
    const sim = simulate({ faults: [{ kind: 'launch-failure', servers: [S2] }] });
    const job = await launchAndWait(sim);
    expect(job?.status).toBe(JobStatus.COMPLETED);
    expect(job?.participatingServers?.map((s) => s.launchStatus)).toEqual([
      LaunchStatus.LAUNCHED,
      LaunchStatus.FAILED,
    ]);
    expect(await failbackStates(sim)).toEqual([
      FailbackState.FAILBACK_COMPLETED,
      FailbackState.FAILBACK_ERROR,
    ]);
  });

  it('launch-failure applies to failback launches only unless during says otherwise', async () => {
    const sim = simulate({
      defaults: { recovery: { duration: '5m' } },
      faults: [{ kind: 'launch-failure', servers: [S1] }],
    });
    await sim.clients.drs.send(new StartRecoveryCommand({ sourceServers: [{ sourceServerID: S1 }] }));
    sim.clock.advanceBy(10 * MIN);
    const [job] = (await sim.clients.drs.send(new DescribeJobsCommand({}))).items ?? [];
    expect(job?.participatingServers?.[0]?.launchStatus).toBe(LaunchStatus.LAUNCHED);
  });

  it('job-never-finishes: STARTED forever, servers IN_PROGRESS', async () => {
    const sim = simulate({ faults: [{ kind: 'job-never-finishes' }] });
    const job = await launchAndWait(sim, 10 * 60);
    expect(job?.status).toBe(JobStatus.STARTED);
    expect(job?.endDateTime).toBeUndefined();
    expect(job?.participatingServers?.map((s) => s.launchStatus)).toEqual([
      LaunchStatus.IN_PROGRESS,
      LaunchStatus.IN_PROGRESS,
    ]);
    expect(await failbackStates(sim)).toEqual([
      FailbackState.FAILBACK_IN_PROGRESS,
      FailbackState.FAILBACK_IN_PROGRESS,
    ]);
  });

  it('failback-state-stuck: the job completes but the state stays FAILBACK_IN_PROGRESS', async () => {
    const sim = simulate({ faults: [{ kind: 'failback-state-stuck', servers: [S1] }] });
    const job = await launchAndWait(sim, 120);
    expect(job?.participatingServers?.map((s) => s.launchStatus)).toEqual([
      LaunchStatus.LAUNCHED,
      LaunchStatus.LAUNCHED,
    ]);
    expect(await failbackStates(sim)).toEqual([
      FailbackState.FAILBACK_IN_PROGRESS,
      FailbackState.FAILBACK_COMPLETED,
    ]);
  });

  it('failback-error: FAILBACK_ERROR despite LAUNCHED, or at a fixed instant before the launch', async () => {
    const sim = simulate({ faults: [{ kind: 'failback-error', servers: [S1] }] });
    const job = await launchAndWait(sim);
    expect(job?.participatingServers?.[0]?.launchStatus).toBe(LaunchStatus.LAUNCHED);
    expect(await failbackStates(sim)).toEqual([
      FailbackState.FAILBACK_ERROR,
      FailbackState.FAILBACK_COMPLETED,
    ]);

    const early = simulate({ faults: [{ kind: 'failback-error', servers: [S2], at: '5m' }] });
    early.clock.advanceBy(5 * MIN);
    expect(await failbackStates(early)).toEqual([
      FailbackState.FAILBACK_READY_FOR_LAUNCH,
      FailbackState.FAILBACK_ERROR,
    ]);
    await expect(
      early.clients.drs.send(new StartFailbackLaunchCommand({ recoveryInstanceIDs: [RI2] })),
    ).rejects.toThrow(/FAILBACK_ERROR/);
  });

  it('impaired-after-launch: the target instance checks end impaired after the health delay', async () => {
    const sim = simulate({
      defaults: { health: { after: '3m' } },
      faults: [{ kind: 'impaired-after-launch', servers: [S2] }],
    });
    await launchAndWait(sim, 21);
    const status = async () =>
      (
        await sim.clients.ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: [TARGET1, TARGET2] }))
      ).InstanceStatuses?.map((s) => s.InstanceStatus?.Status);
    expect(await status()).toEqual(['initializing', 'initializing']);
    sim.clock.advanceBy(3 * MIN);
    expect(await status()).toEqual(['ok', 'impaired']);
  });

  it('instance-not-found-for: EC2 denies a freshly launched instance for a while', async () => {
    const sim = simulate({ faults: [{ kind: 'instance-not-found-for', duration: '2m' }] });
    await launchAndWait(sim, 21);
    const error = await rejection(
      sim.clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: [TARGET1] })),
    );
    expect(error.name).toBe('InvalidInstanceID.NotFound');
    sim.clock.advanceBy(2 * MIN);
    await expect(
      sim.clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: [TARGET1] })),
    ).resolves.toHaveProperty('Reservations');
  });

  it('recovery-instance-lost: its EC2 instance terminates at that time, DRS shows TERMINATED', async () => {
    const sim = simulate({ faults: [{ kind: 'recovery-instance-lost', server: S1, at: '40m' }] });
    const state = async () =>
      (
        await sim.clients.drs.send(
          new DescribeRecoveryInstancesCommand({ filters: { recoveryInstanceIDs: [RI1] } }),
        )
      ).items?.[0]?.ec2InstanceState;
    expect(await state()).toBe('RUNNING');
    sim.clock.advanceBy(40 * MIN);
    expect(await state()).toBe('TERMINATED');
    const out = await sim.clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: [EC2_1] }));
    expect(out.Reservations?.[0]?.Instances?.[0]?.State?.Name).toBe('terminated');
    // EC2 forgets terminated instances after about an hour.
    sim.clock.advanceBy(HOUR);
    await expect(
      sim.clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: [EC2_1] })),
    ).rejects.toMatchObject({
      name: 'InvalidInstanceID.NotFound',
    });
  });

  it('sns-outage: Publish fails with InternalErrorException inside the window', async () => {
    const sim = simulate({ faults: [{ kind: 'sns-outage', until: '30m' }] });
    const publish = () => sim.clients.sns.send(new PublishCommand({ TopicArn: TOPIC, Message: 'm' }));
    await expect(publish()).rejects.toBeInstanceOf(InternalErrorException);
    sim.clock.advanceBy(30 * MIN);
    await expect(publish()).resolves.toHaveProperty('MessageId');
  });
});
