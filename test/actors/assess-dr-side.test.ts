import {
  DescribeRecoveryInstancesCommand,
  DrsClient,
  EC2InstanceState,
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
import type { AssessDrSideInput, RestoreMode } from '../../machines/types.js';
import { assessDrSide } from '../../src/actors/assess-dr-side.js';
import { DRS_ERROR_TABLE, ec2id, expectNothingSent, expectOnlyReads, makeDeps, rid, sid } from './helpers.js';

const drsMock = mockClient(DrsClient);
const ec2Mock = mockClient(EC2Client);
const [S1, S2, S3, S4] = [sid(1), sid(2), sid(3), sid(4)];
const [E1, E2, E3] = [ec2id(1), ec2id(2), ec2id(3)];

const ri = (sourceServerID: string, n: number, over: Partial<RecoveryInstance> = {}): RecoveryInstance => ({
  recoveryInstanceID: rid(n),
  sourceServerID,
  ec2InstanceID: ec2id(n),
  ec2InstanceState: EC2InstanceState.RUNNING,
  ...over,
});

const input = (restore: RestoreMode, sourceServerIDs = [S1, S2, S3, S4]): AssessDrSideInput => ({
  runId: 'run-1',
  wave: 'web',
  sourceServerIDs,
  restore,
});

function world(): void {
  // S1 healthy, S2 stopped, S3 impaired, S4 has no recovery instance.
  drsMock.on(DescribeRecoveryInstancesCommand).resolves({
    items: [ri(S1, 1), ri(S2, 2, { ec2InstanceState: EC2InstanceState.STOPPED }), ri(S3, 3)],
  });
  ec2Mock.on(DescribeInstancesCommand).resolves({
    Reservations: [
      {
        Instances: [
          { InstanceId: E1, State: { Name: InstanceStateName.running } },
          { InstanceId: E2, State: { Name: InstanceStateName.stopped } },
          { InstanceId: E3, State: { Name: InstanceStateName.running } },
        ],
      },
    ],
  });
  ec2Mock.on(DescribeInstanceStatusCommand).resolves({
    InstanceStatuses: [
      {
        InstanceId: E1,
        InstanceStatus: { Status: SummaryStatus.ok },
        SystemStatus: { Status: SummaryStatus.ok },
      },
      {
        InstanceId: E3,
        InstanceStatus: { Status: SummaryStatus.ok },
        SystemStatus: { Status: SummaryStatus.impaired },
      },
    ],
  });
}

beforeEach(() => {
  drsMock.reset();
  ec2Mock.reset();
});
afterEach(() => expectOnlyReads(drsMock, ec2Mock));

describe('assessDrSide', () => {
  it.each<[RestoreMode, string[]]>([
    ['if-unhealthy', [S2, S3, S4]],
    ['never', []],
  ])('restore %s -> %o', async (mode, needsRestore) => {
    world();
    const { deps } = makeDeps();
    const out = await assessDrSide(deps, input(mode));
    expect(out.verdict).toBe('unhealthy');
    expect(out.servers.map((s) => s.status)).toEqual(['healthy', 'unhealthy', 'unhealthy', 'unhealthy']);
    expect(out.needsRestore).toEqual(needsRestore);
    expect(out.servers[3]?.detail).toMatch(/no recovery instance/);
  });

  it('is healthy when every recovery instance serves', async () => {
    world();
    const { deps } = makeDeps();
    const out = await assessDrSide(deps, input('if-unhealthy', [S1]));
    expect(out).toMatchObject({ verdict: 'healthy', needsRestore: [] });
    expect(drsMock).toHaveReceivedCommandWith(DescribeRecoveryInstancesCommand, {
      filters: { sourceServerIDs: [S1] },
    });
  });

  it('trusts DRS when it reports the EC2 instance terminated, without asking EC2', async () => {
    drsMock.on(DescribeRecoveryInstancesCommand).resolves({
      items: [ri(S1, 1, { ec2InstanceState: EC2InstanceState.TERMINATED })],
    });
    const { deps } = makeDeps();
    const out = await assessDrSide(deps, input('if-unhealthy', [S1]));
    expect(out.needsRestore).toEqual([S1]);
    expect(out.servers[0]?.detail).toMatch(/TERMINATED/);
    expectNothingSent(ec2Mock);
  });

  it('does not restore on an EC2 read failure: pending with the failure', async () => {
    world();
    ec2Mock
      .on(DescribeInstancesCommand)
      .rejects(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
    const { deps } = makeDeps();
    const out = await assessDrSide(deps, input('if-unhealthy', [S1]));
    expect(out.verdict).toBe('pending');
    expect(out.needsRestore).toEqual([]);
    expect(out.failure).toMatchObject({ kind: 'transient', retryable: true });
  });

  it('is pending with the failure when DRS cannot be read', async () => {
    drsMock.on(DescribeRecoveryInstancesCommand).rejects(DRS_ERROR_TABLE[6]?.make());
    const { deps } = makeDeps();
    const out = await assessDrSide(deps, input('if-unhealthy'));
    expect(out.verdict).toBe('pending');
    expect(out.needsRestore).toEqual([]);
    expect(out.failure).toMatchObject({ kind: 'access-denied', iamAction: 'drs:DescribeRecoveryInstances' });
  });

  it('rejects malformed ids with nothing sent', async () => {
    const { deps } = makeDeps();
    const out = await assessDrSide(deps, input('if-unhealthy', ['nope']));
    expect(out.failure).toMatchObject({ kind: 'validation', retryable: false });
    expectNothingSent(drsMock, ec2Mock);
  });
});
