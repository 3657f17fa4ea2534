import {
  DescribeRecoveryInstancesCommand,
  DrsClient,
  FailbackState,
  type RecoveryInstance,
} from '@aws-sdk/client-drs';
import {
  DescribeInstanceStatusCommand,
  DescribeInstancesCommand,
  EC2Client,
  InstanceStateName,
  SummaryStatus,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ResolvedServer, ServerPlan, VerifyFailbackInput } from '../../machines/types.js';
import { verifyFailback } from '../../src/actors/verify-failback.js';
import { DRS_ERROR_TABLE, ec2Error, ec2id, expectOnlyReads, makeDeps, rid, sid } from './helpers.js';

const drsMock = mockClient(DrsClient);
const ec2Mock = mockClient(EC2Client);
const S1 = sid(1);
const S2 = sid(2);
const E2 = ec2id(2);

const servers: ServerPlan[] = [
  { sourceServerID: S1 },
  {
    sourceServerID: S2,
    verify: {
      ec2InstanceId: E2,
      expect: { subnetId: 'subnet-1' },
      probes: [{ kind: 'http', url: 'http://app.internal/health', expectStatus: 200 }],
    },
  },
];
const resolved: ResolvedServer[] = [
  { sourceServerID: S1, recoveryInstanceID: rid(1) },
  { sourceServerID: S2, recoveryInstanceID: rid(2) },
];
const input: VerifyFailbackInput = { runId: 'run-1', wave: 'web', servers, resolved };

const ri = (sourceServerID: string, n: number, state: string): RecoveryInstance => ({
  recoveryInstanceID: rid(n),
  sourceServerID,
  failback: { state: state as FailbackState },
});

function world(state2: string = FailbackState.FAILBACK_COMPLETED): void {
  drsMock.on(DescribeRecoveryInstancesCommand).resolves({
    items: [ri(S1, 1, FailbackState.FAILBACK_COMPLETED), ri(S2, 2, state2)],
  });
  ec2Mock.on(DescribeInstancesCommand).resolves({
    Reservations: [
      { Instances: [{ InstanceId: E2, State: { Name: InstanceStateName.running }, SubnetId: 'subnet-1' }] },
    ],
  });
  ec2Mock.on(DescribeInstanceStatusCommand).resolves({
    InstanceStatuses: [
      {
        InstanceId: E2,
        InstanceStatus: { Status: SummaryStatus.ok },
        SystemStatus: { Status: SummaryStatus.ok },
      },
    ],
  });
}

beforeEach(() => {
  drsMock.reset();
  ec2Mock.reset();
});
afterEach(() => expectOnlyReads(drsMock, ec2Mock));

describe('verifyFailback', () => {
  it('is healthy when failback completed, EC2 is ok and probes pass', async () => {
    world();
    const { deps, probes } = makeDeps();
    const out = await verifyFailback(deps, input);
    expect(out.verdict).toBe('healthy');
    expect(out.servers.map((s) => s.status)).toEqual(['healthy', 'healthy']);
    expect(out.failure).toBeUndefined();
    expect(probes).toEqual([{ kind: 'http', url: 'http://app.internal/health', expectStatus: 200 }]);
    expect(ec2Mock).toHaveReceivedCommandWith(DescribeInstancesCommand, { InstanceIds: [E2] });
    expect(ec2Mock).toHaveReceivedCommandWith(DescribeInstanceStatusCommand, {
      InstanceIds: [E2],
      IncludeAllInstances: true,
    });
    expect(drsMock).toHaveReceivedCommandWith(DescribeRecoveryInstancesCommand, {
      filters: { sourceServerIDs: [S1, S2] },
    });
  });

  it.each([
    [FailbackState.FAILBACK_ERROR, 'unhealthy'],
    [FailbackState.FAILBACK_IN_PROGRESS, 'pending'],
    [FailbackState.FAILBACK_READY_FOR_LAUNCH, 'pending'],
    ['FAILBACK_UNHEARD_OF', 'pending'],
  ])('failback state %s -> %s', async (state, verdict) => {
    world(state);
    const { deps } = makeDeps();
    const out = await verifyFailback(deps, input);
    expect(out.verdict).toBe(verdict);
    expect(out.servers[1]?.detail).toContain(state);
  });

  it('is pending, never unhealthy, while EC2 does not know the new instance yet', async () => {
    world();
    ec2Mock
      .on(DescribeInstancesCommand)
      .rejects(ec2Error('InvalidInstanceID.NotFound', `The instance ID '${E2}' does not exist`));
    const { deps, probes } = makeDeps();
    const out = await verifyFailback(deps, input);
    expect(out.verdict).toBe('pending');
    expect(out.servers[1]).toMatchObject({ status: 'pending' });
    expect(out.servers[1]?.detail).toContain('InvalidInstanceID.NotFound');
    expect(probes).toEqual([]);
  });

  it('is unhealthy when the instance sits in the wrong subnet', async () => {
    world();
    ec2Mock.on(DescribeInstancesCommand).resolves({
      Reservations: [
        { Instances: [{ InstanceId: E2, State: { Name: InstanceStateName.running }, SubnetId: 'subnet-9' }] },
      ],
    });
    const { deps } = makeDeps();
    const out = await verifyFailback(deps, input);
    expect(out.verdict).toBe('unhealthy');
    expect(out.servers[1]?.detail).toMatch(/subnet expected subnet-1, actual subnet-9/);
  });

  it('is pending while a probe fails or throws', async () => {
    world();
    const failing = makeDeps({ probe: () => ({ ok: false, detail: 'HTTP 503, expected 200' }) });
    expect((await verifyFailback(failing.deps, input)).verdict).toBe('pending');
    const throwing = makeDeps({
      probe: () => {
        throw new Error('boom');
      },
    });
    const out = await verifyFailback(throwing.deps, input);
    expect(out.verdict).toBe('pending');
    expect(out.servers[1]?.detail).toMatch(/probe http:\/\/app.internal\/health failed: boom/);
  });

  it('is pending with the failure when DRS cannot be read', async () => {
    drsMock.on(DescribeRecoveryInstancesCommand).rejects(DRS_ERROR_TABLE[0]?.make());
    const { deps } = makeDeps();
    const out = await verifyFailback(deps, input);
    expect(out.verdict).toBe('pending');
    expect(out.failure).toMatchObject({ kind: 'throttled', retryable: true, retryAfterMs: 3000 });
  });

  it('is pending with a non-retryable failure when EC2 denies access', async () => {
    world();
    ec2Mock.on(DescribeInstanceStatusCommand).rejects(ec2Error('UnauthorizedOperation'));
    const { deps } = makeDeps();
    const out = await verifyFailback(deps, input);
    expect(out.verdict).toBe('pending');
    expect(out.failure).toMatchObject({
      kind: 'access-denied',
      retryable: false,
      iamAction: 'ec2:DescribeInstanceStatus',
    });
  });
});
