// Request validation, pagination, EC2 and SNS shapes of the simulated AWS.
import {
  DescribeJobLogItemsCommand,
  DescribeJobsCommand,
  DescribeRecoveryInstancesCommand,
  DescribeRecoverySnapshotsCommand,
  DescribeSourceServersCommand,
  ListExtensibleSourceServersCommand,
  ResourceNotFoundException,
  StartFailbackLaunchCommand,
  StartRecoveryCommand,
  ValidationException,
} from '@aws-sdk/client-drs';
import { DescribeInstanceStatusCommand, DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { InvalidParameterException, NotFoundException, PublishCommand } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { EC2_1, MIN, RI1, RI2, rejection, S1, S2, S3, simulate, TARGET1 } from './helpers.js';

describe('validation like the service', () => {
  it('bad ids, list sizes and missing fields are ValidationException naming the field', async () => {
    const { drs } = simulate().clients;
    const bad = await rejection(drs.send(new StartFailbackLaunchCommand({ recoveryInstanceIDs: ['i-xyz'] })));
    expect(bad).toBeInstanceOf(ValidationException);
    expect(bad.fieldList).toEqual([{ name: 'recoveryInstanceIDs', message: expect.stringMatching(/i-xyz/) }]);
    expect(bad.$metadata).toMatchObject({ httpStatusCode: 400, requestId: expect.any(String) });

    const empty = await rejection(drs.send(new StartFailbackLaunchCommand({ recoveryInstanceIDs: [] })));
    expect(empty.fieldList).toEqual([
      { name: 'recoveryInstanceIDs', message: 'must contain between 1 and 200 items; got 0' },
    ]);

    const many = Array.from({ length: 201 }, (_, i) => `i-${i.toString(16).padStart(17, '0')}`);
    const tooMany = await rejection(drs.send(new StartFailbackLaunchCommand({ recoveryInstanceIDs: many })));
    expect(tooMany.fieldList).toEqual([
      { name: 'recoveryInstanceIDs', message: expect.stringMatching(/got 201/) },
    ]);
    const filter = await rejection(
      drs.send(new DescribeRecoveryInstancesCommand({ filters: { sourceServerIDs: Array(201).fill(S1) } })),
    );
    expect(filter.fieldList).toEqual([
      { name: 'filters.sourceServerIDs', message: expect.stringMatching(/0 and 200/) },
    ]);
    const jobs = await rejection(
      drs.send(new DescribeJobsCommand({ filters: { jobIDs: Array(1001).fill('x') } })),
    );
    expect(jobs.fieldList?.[0]?.name).toBe('filters.jobIDs');

    const missing = await rejection(drs.send(new DescribeRecoverySnapshotsCommand({} as never)));
    expect(missing).toBeInstanceOf(ValidationException);
    expect(missing.fieldList).toEqual([{ name: 'sourceServerID', message: 'required' }]);
    const maxResults = await rejection(drs.send(new DescribeJobsCommand({ maxResults: 0 })));
    expect(maxResults.fieldList?.[0]?.name).toBe('maxResults');
    const token = await rejection(drs.send(new DescribeJobsCommand({ nextToken: 'garbage' })));
    expect(token.fieldList?.[0]?.name).toBe('nextToken');
  });

  it('unknown ids are ResourceNotFoundException; filters on unknown ids just match nothing', async () => {
    const { drs } = simulate().clients;
    const ri = await rejection(
      drs.send(new StartFailbackLaunchCommand({ recoveryInstanceIDs: ['i-99999999999999999'] })),
    );
    expect(ri).toBeInstanceOf(ResourceNotFoundException);
    expect(ri).toMatchObject({ resourceId: 'i-99999999999999999', $metadata: { httpStatusCode: 404 } });
    await expect(
      drs.send(new DescribeRecoverySnapshotsCommand({ sourceServerID: S3 })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    const items = await drs.send(new DescribeSourceServersCommand({ filters: { sourceServerIDs: [S3] } }));
    expect(items.items).toEqual([]);
  });

  it('rejects commands it does not model, clearly', async () => {
    const { drs } = simulate().clients;
    await expect(
      drs.send(new ListExtensibleSourceServersCommand({ stagingAccountID: '111122223333' })),
    ).rejects.toThrow(/does not model this drs command/);
  });
});

describe('pagination', () => {
  it('DescribeJobs: newest first, maxResults and nextToken', async () => {
    const sim = simulate({ defaults: { launch: { duration: '1m' }, jobStartDelay: '0s' } });
    const { drs } = sim.clients;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { job } = await drs.send(
        new StartRecoveryCommand({ sourceServers: [{ sourceServerID: i % 2 ? S2 : S1 }] }),
      );
      ids.push(job?.jobID ?? '');
      sim.clock.advanceBy(21 * MIN);
    }
    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await drs.send(new DescribeJobsCommand({ maxResults: 2, nextToken }));
      seen.push(...(page.items ?? []).map((j) => j.jobID ?? ''));
      nextToken = page.nextToken;
      pages++;
    } while (nextToken);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].reverse());
    const filtered = await drs.send(
      new DescribeJobsCommand({ filters: { jobIDs: [ids[1] ?? '', ids[3] ?? ''] } }),
    );
    expect(filtered.items?.map((j) => j.jobID)).toEqual([ids[3], ids[1]]);
    const from = await drs.send(new DescribeJobsCommand({ filters: { fromDate: '2026-01-01T01:00:00Z' } }));
    expect(from.items).toHaveLength(2);
  });

  it('DescribeRecoverySnapshots: cadence, order, date filters and pages', async () => {
    const sim = simulate({
      defaults: { recoveryPoints: { every: '10m', newestAge: '4m', retention: '2h' } },
    });
    const { drs } = sim.clients;
    const all = async (order: 'ASC' | 'DESC', filters?: { fromDateTime?: string; toDateTime?: string }) => {
      const out: { snapshotID?: string; expectedTimestamp?: string; timestamp?: string }[] = [];
      let nextToken: string | undefined;
      do {
        const page = await drs.send(
          new DescribeRecoverySnapshotsCommand({
            sourceServerID: S1,
            order,
            maxResults: 5,
            nextToken,
            filters,
          }),
        );
        out.push(...(page.items ?? []));
        nextToken = page.nextToken;
      } while (nextToken);
      return out;
    };
    const desc = await all('DESC');
    expect(desc).toHaveLength(12);
    expect(desc[0]?.expectedTimestamp).toBe('2025-12-31T23:56:00.000Z');
    expect(desc[0]?.snapshotID).toMatch(/^pit-[0-9a-zA-Z]{17}$/);
    expect(Date.parse(desc[0]?.timestamp ?? '')).toBeGreaterThan(
      Date.parse(desc[0]?.expectedTimestamp ?? ''),
    );
    const asc = await all('ASC');
    expect(asc.map((s) => s.snapshotID)).toEqual(desc.map((s) => s.snapshotID).reverse());
    const window = await all('DESC', {
      toDateTime: '2025-12-31T23:30:00Z',
      fromDateTime: '2025-12-31T23:00:00Z',
    });
    expect(window.map((s) => s.expectedTimestamp)).toEqual([
      '2025-12-31T23:26:00.000Z',
      '2025-12-31T23:16:00.000Z',
      '2025-12-31T23:06:00.000Z',
    ]);
    // Time passes: new points appear, old ones age out of retention, ids of the rest stay.
    sim.clock.advanceBy(30 * MIN);
    const later = await all('DESC');
    expect(later).toHaveLength(12);
    expect(later[3]?.snapshotID).toBe(desc[0]?.snapshotID);
  });

  it('DescribeJobLogItems pages through a job log', async () => {
    const sim = simulate();
    const { drs } = sim.clients;
    const { job } = await drs.send(new StartFailbackLaunchCommand({ recoveryInstanceIDs: [RI1, RI2] }));
    sim.clock.advanceBy(30 * MIN);
    const full = (await drs.send(new DescribeJobLogItemsCommand({ jobID: job?.jobID }))).items ?? [];
    const paged = [];
    let nextToken: string | undefined;
    do {
      const page = await drs.send(
        new DescribeJobLogItemsCommand({ jobID: job?.jobID, maxResults: 3, nextToken }),
      );
      paged.push(...(page.items ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    expect(paged).toEqual(full);
    expect(full).toHaveLength(8);
    await expect(
      drs.send(new DescribeJobLogItemsCommand({ jobID: 'drsjob-00000000000000000' })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});

describe('EC2', () => {
  it('describes instances with network facts; unknown ids fail the call like EC2', async () => {
    const { ec2 } = simulate().clients;
    const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [TARGET1] }));
    const instance = out.Reservations?.[0]?.Instances?.[0];
    expect(instance).toMatchObject({
      InstanceId: TARGET1,
      State: { Name: 'running', Code: 16 },
      SubnetId: 'subnet-0abc',
      PrivateIpAddress: '10.0.1.10',
      SecurityGroups: [{ GroupId: 'sg-0abc' }],
    });
    const missing = await rejection(
      ec2.send(new DescribeInstancesCommand({ InstanceIds: [TARGET1, 'i-00000000000000000'] })),
    );
    expect(missing.name).toBe('InvalidInstanceID.NotFound');
    expect(missing.message).toBe("The instance ID 'i-00000000000000000' does not exist");
    expect(missing.$metadata).toMatchObject({ httpStatusCode: 400 });
    const combo = await rejection(
      ec2.send(new DescribeInstancesCommand({ InstanceIds: [TARGET1], MaxResults: 5 })),
    );
    expect(combo.name).toBe('InvalidParameterCombination');
  });

  it('DescribeInstanceStatus: at most 100 ids, running only unless IncludeAllInstances', async () => {
    const sim = simulate({ faults: [{ kind: 'recovery-instance-lost', server: S1, at: '5m' }] });
    const { ec2 } = sim.clients;
    const ids = Array.from({ length: 101 }, (_, i) => `i-${i.toString(16).padStart(17, '0')}`);
    const tooMany = await rejection(ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: ids })));
    expect(tooMany.name).toBe('InvalidParameterValue');
    sim.clock.advanceBy(6 * MIN);
    const running = await ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: [EC2_1] }));
    expect(running.InstanceStatuses).toEqual([]);
    const all = await ec2.send(
      new DescribeInstanceStatusCommand({ InstanceIds: [EC2_1], IncludeAllInstances: true }),
    );
    expect(all.InstanceStatuses?.[0]).toMatchObject({
      InstanceState: { Name: 'terminated' },
      InstanceStatus: { Status: 'not-applicable' },
    });
  });
});

describe('SNS Publish', () => {
  const TOPIC = 'arn:aws:sns:us-east-1:111122223333:failback';
  const FIFO = 'arn:aws:sns:us-east-1:111122223333:failback.fifo';

  it('records messages and returns a seeded MessageId', async () => {
    const sim = simulate();
    const out = await sim.clients.sns.send(
      new PublishCommand({ TopicArn: TOPIC, Subject: 'Wave done', Message: 'ok' }),
    );
    expect(out.MessageId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(sim.world.state.published).toEqual([
      {
        topicArn: TOPIC,
        messageId: out.MessageId,
        subject: 'Wave done',
        message: 'ok',
        at: '2026-01-01T00:00:00.000Z',
      },
    ]);
  });

  it('validates Subject, FIFO group ids and unknown topics', async () => {
    const sim = simulate({ topics: [TOPIC, { arn: FIFO, contentBasedDeduplication: true }] });
    const { sns } = sim.clients;
    await expect(
      sns.send(new PublishCommand({ TopicArn: TOPIC, Subject: 'x'.repeat(100), Message: 'm' })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(
      sns.send(new PublishCommand({ TopicArn: TOPIC, Subject: 'two\nlines', Message: 'm' })),
    ).rejects.toThrow(/Subject/);
    await expect(sns.send(new PublishCommand({ TopicArn: FIFO, Message: 'm' }))).rejects.toThrow(
      /MessageGroupId/,
    );
    const fifo = await sns.send(new PublishCommand({ TopicArn: FIFO, Message: 'm', MessageGroupId: 'run' }));
    expect(fifo.SequenceNumber).toMatch(/^\d{20}$/);
    await expect(
      sns.send(new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:111122223333:other', Message: 'm' })),
    ).rejects.toBeInstanceOf(NotFoundException);
  });
});
