import {
  DescribeInstanceStatusCommand,
  type DescribeInstanceStatusCommandInput,
  DescribeInstancesCommand,
  type DescribeInstancesCommandInput,
  EC2Client,
  InstanceStateName,
  SummaryStatus,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { healthOf, observeInstances } from '../../src/actors/describe-ec2.js';
import { ec2Error, ec2id } from './helpers.js';

const ec2Mock = mockClient(EC2Client);
const ec2 = new EC2Client({ region: 'eu-west-1' });

/** A fake EC2 that knows some ids and fails a whole request naming an unknown one, like EC2 does. */
function ec2Knowing(known: Set<string>): void {
  const check = (ids: string[] = []) => {
    const unknown = ids.filter((id) => !known.has(id));
    if (unknown.length > 0)
      throw ec2Error('InvalidInstanceID.NotFound', `The instance IDs '${unknown.join(', ')}' do not exist`);
  };
  ec2Mock.on(DescribeInstancesCommand).callsFake((request: DescribeInstancesCommandInput) => {
    check(request.InstanceIds);
    return {
      Reservations: [
        {
          Instances: (request.InstanceIds ?? []).map((id) => ({
            InstanceId: id,
            State: { Name: InstanceStateName.running },
          })),
        },
      ],
    };
  });
  ec2Mock.on(DescribeInstanceStatusCommand).callsFake((request: DescribeInstanceStatusCommandInput) => {
    check(request.InstanceIds);
    return {
      InstanceStatuses: (request.InstanceIds ?? []).map((id) => ({
        InstanceId: id,
        InstanceStatus: { Status: SummaryStatus.ok },
        SystemStatus: { Status: SummaryStatus.ok },
      })),
    };
  });
}

beforeEach(() => ec2Mock.reset());

describe('observeInstances', () => {
  it('asks about at most 100 ids per call, IncludeAllInstances, never MaxResults', async () => {
    const ids = Array.from({ length: 250 }, (_, i) => ec2id(i + 1));
    ec2Knowing(new Set(ids));
    const observations = await observeInstances(ec2, ids);
    expect([...observations.values()].every((o) => o.kind === 'found')).toBe(true);
    const describeSizes = ec2Mock
      .commandCalls(DescribeInstancesCommand)
      .map((c) => c.args[0].input.InstanceIds?.length);
    const statusCalls = ec2Mock.commandCalls(DescribeInstanceStatusCommand).map((c) => c.args[0].input);
    expect(describeSizes).toEqual([100, 100, 50]);
    expect(statusCalls.map((i) => i.InstanceIds?.length)).toEqual([100, 100, 50]);
    for (const call of statusCalls) {
      expect(call.IncludeAllInstances).toBe(true);
      expect(call.MaxResults).toBeUndefined();
    }
    for (const call of ec2Mock.commandCalls(DescribeInstancesCommand))
      expect(call.args[0].input.MaxResults).toBeUndefined();
  });

  it('narrows a batch that fails with InvalidInstanceID.NotFound and reports the unknown id pending', async () => {
    const ids = [ec2id(1), ec2id(2), ec2id(3), ec2id(4), ec2id(5)];
    ec2Knowing(new Set(ids.filter((id) => id !== ec2id(4))));
    const observations = await observeInstances(ec2, ids);
    expect(ids.map((id) => observations.get(id)?.kind)).toEqual([
      'found',
      'found',
      'found',
      'not-visible',
      'found',
    ]);
    const health = healthOf(ec2id(4), observations.get(ec2id(4)));
    expect(health.status).toBe('pending');
    expect(health.detail).toContain('InvalidInstanceID.NotFound');
    expect(healthOf(ec2id(1), observations.get(ec2id(1))).status).toBe('healthy');
  });

  it('reports an instance missing from a successful answer as not visible', async () => {
    ec2Mock.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    ec2Mock.on(DescribeInstanceStatusCommand).resolves({ InstanceStatuses: [] });
    const observations = await observeInstances(ec2, [ec2id(1)]);
    expect(observations.get(ec2id(1))?.kind).toBe('not-visible');
  });

  it('follows NextToken pages without MaxResults', async () => {
    ec2Mock
      .on(DescribeInstancesCommand)
      .resolvesOnce({
        Reservations: [{ Instances: [{ InstanceId: ec2id(1), State: { Name: InstanceStateName.stopped } }] }],
        NextToken: 'n',
      })
      .resolvesOnce({
        Reservations: [{ Instances: [{ InstanceId: ec2id(2), State: { Name: InstanceStateName.running } }] }],
      });
    const observations = await observeInstances(ec2, [ec2id(1), ec2id(2)], { withStatus: false });
    expect(observations.get(ec2id(2))?.kind).toBe('found');
    expect(healthOf(ec2id(1), observations.get(ec2id(1))).status).toBe('unhealthy');
    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeInstanceStatusCommand, 0);
    expect(ec2Mock).toHaveReceivedNthCommandWith(DescribeInstancesCommand, 2, { NextToken: 'n' });
  });

  it('turns any other error into a per-id failure, pending in health', async () => {
    ec2Mock.on(DescribeInstancesCommand).rejects(ec2Error('RequestLimitExceeded'));
    const observations = await observeInstances(ec2, [ec2id(1), ec2id(2)]);
    const observation = observations.get(ec2id(2));
    expect(observation).toMatchObject({ kind: 'error', failure: { kind: 'throttled', retryable: true } });
    expect(healthOf(ec2id(2), observation)).toMatchObject({
      status: 'pending',
      failure: { kind: 'throttled' },
    });
    expect(healthOf(ec2id(9), undefined).status).toBe('pending');
  });
});
