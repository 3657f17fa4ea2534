import { type Instance, InstanceStateName, type InstanceStatus, SummaryStatus } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import type { NetworkExpectation } from '../../machines/types.js';
import { classifyInstanceHealth } from '../../src/classify/instance-health.js';

const ID = 'i-0123456789abcdef0';
const instance = (state: string | undefined, extra: Partial<Instance> = {}): Instance =>
  ({
    InstanceId: ID,
    State: state === undefined ? undefined : { Name: state },
    SubnetId: 'subnet-1',
    PrivateIpAddress: '10.0.0.10',
    SecurityGroups: [{ GroupId: 'sg-1' }, { GroupId: 'sg-2' }],
    ...extra,
  }) as Instance;
const status = (instanceCheck: string | undefined, systemCheck: string | undefined): InstanceStatus =>
  ({
    InstanceId: ID,
    InstanceStatus: instanceCheck === undefined ? undefined : { Status: instanceCheck },
    SystemStatus: systemCheck === undefined ? undefined : { Status: systemCheck },
  }) as InstanceStatus;

const OK = status(SummaryStatus.ok, SummaryStatus.ok);

describe('classifyInstanceHealth', () => {
  it.each<[string, Instance, InstanceStatus | undefined, NetworkExpectation | undefined, string, RegExp]>([
    ['running, both checks ok', instance(InstanceStateName.running), OK, undefined, 'healthy', /running/],
    [
      'running, network as expected',
      instance(InstanceStateName.running),
      OK,
      { subnetId: 'subnet-1', securityGroupIds: ['sg-2', 'sg-1'], privateIp: '10.0.0.10' },
      'healthy',
      /running/,
    ],
    ['pending state', instance(InstanceStateName.pending), undefined, undefined, 'pending', /pending/],
    [
      'initializing checks',
      instance(InstanceStateName.running),
      status(SummaryStatus.initializing, SummaryStatus.ok),
      undefined,
      'pending',
      /instance status initializing/,
    ],
    [
      'insufficient data',
      instance(InstanceStateName.running),
      status(SummaryStatus.ok, SummaryStatus.insufficient_data),
      undefined,
      'pending',
      /system status insufficient-data/,
    ],
    ['no status yet', instance(InstanceStateName.running), undefined, undefined, 'pending', /unknown/],
    [
      'not-applicable checks',
      instance(InstanceStateName.running),
      status(SummaryStatus.not_applicable, SummaryStatus.not_applicable),
      undefined,
      'pending',
      /not-applicable/,
    ],
    ['stopped', instance(InstanceStateName.stopped), undefined, undefined, 'unhealthy', /stopped/],
    ['stopping', instance(InstanceStateName.stopping), undefined, undefined, 'unhealthy', /stopping/],
    ['terminated', instance(InstanceStateName.terminated), undefined, undefined, 'unhealthy', /terminated/],
    [
      'shutting-down',
      instance(InstanceStateName.shutting_down),
      undefined,
      undefined,
      'unhealthy',
      /shutting-down/,
    ],
    [
      'instance check impaired',
      instance(InstanceStateName.running),
      status(SummaryStatus.impaired, SummaryStatus.ok),
      undefined,
      'unhealthy',
      /impaired/,
    ],
    [
      'system check impaired',
      instance(InstanceStateName.running),
      status(SummaryStatus.ok, SummaryStatus.impaired),
      undefined,
      'unhealthy',
      /impaired/,
    ],
    [
      'subnet mismatch',
      instance(InstanceStateName.running),
      OK,
      { subnetId: 'subnet-9' },
      'unhealthy',
      /subnet expected subnet-9, actual subnet-1/,
    ],
    [
      'security group set mismatch',
      instance(InstanceStateName.running),
      OK,
      { securityGroupIds: ['sg-1'] },
      'unhealthy',
      /security groups expected \[sg-1\], actual \[sg-1, sg-2\]/,
    ],
    [
      'private IP mismatch',
      instance(InstanceStateName.running),
      OK,
      { privateIp: '10.0.0.99' },
      'unhealthy',
      /private IP expected 10\.0\.0\.99, actual 10\.0\.0\.10/,
    ],
    [
      'network mismatch while still pending',
      instance(InstanceStateName.pending),
      undefined,
      { subnetId: 'subnet-9' },
      'unhealthy',
      /subnet expected/,
    ],
    [
      'unknown state string',
      instance('hibernating'),
      OK,
      undefined,
      'pending',
      /unknown state 'hibernating'/,
    ],
    [
      'no state, state from the status answer',
      instance(undefined),
      {
        ...OK,
        InstanceState: { Name: InstanceStateName.running },
      } as InstanceStatus,
      undefined,
      'healthy',
      /running/,
    ],
    ['no state at all', instance(undefined), undefined, undefined, 'pending', /no state/],
    [
      'unknown check string',
      instance(InstanceStateName.running),
      status('degraded', SummaryStatus.ok),
      undefined,
      'pending',
      /instance status degraded/,
    ],
  ])('%s', (_label, inst, st, expect_, verdict, detail) => {
    const result = classifyInstanceHealth(inst, st, expect_);
    expect(result.status).toBe(verdict);
    expect(result.detail).toMatch(detail);
    expect(result.detail).toContain(ID);
  });
});
