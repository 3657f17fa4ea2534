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
import type {
  ResolvedServer,
  ServerLaunchStatus,
  ServerPlan,
  VerifyFailbackInput,
} from '../../machines/types.js';
import { verifyFailback } from '../../src/actors/verify-failback.js';
import {
  DRS_ERROR_TABLE,
  ec2Error,
  ec2id,
  expectNothingSent,
  expectOnlyReads,
  jid,
  makeRegionalDeps,
  mockOriginRegion,
  ORIGIN_REGION,
  type OriginMocks,
  restoreOriginRegion,
  rid,
  sid,
} from './helpers.js';

const drsMock = mockClient(DrsClient);
const ec2Mock = mockClient(EC2Client);
let origin: OriginMocks;

const ONPREM = sid(1);
const EC2A = sid(2);
const REVERSED = sid(9002);
const NEW_RI = rid(202);
const NEW_EC2 = ec2id(202);
const PROBE = { kind: 'http' as const, url: 'http://app.internal/health', expectStatus: 200 };

const plan: ServerPlan = {
  sourceServerID: EC2A,
  verify: { expect: { subnetId: 'subnet-w2' }, probes: [PROBE] },
};
const resolved: ResolvedServer = {
  sourceServerID: EC2A,
  recoveryInstanceID: rid(2),
  origin: 'AWS',
  originRegion: ORIGIN_REGION,
  reversedSourceServerID: REVERSED,
};
// The launch job in the origin region reports the reversed source server and the new instance.
const launch: ServerLaunchStatus = {
  sourceServerID: REVERSED,
  recoveryInstanceID: NEW_RI,
  launchStatus: 'LAUNCHED',
  jobId: jid(2),
  region: ORIGIN_REGION,
};
const input = (over: Partial<VerifyFailbackInput> = {}): VerifyFailbackInput => ({
  runId: 'run-1',
  wave: 'app',
  servers: [plan],
  resolved: [resolved],
  launched: [launch],
  ...over,
});

function originWorld(subnet = 'subnet-w2'): void {
  origin.drs.on(DescribeRecoveryInstancesCommand).resolves({
    items: [{ recoveryInstanceID: NEW_RI, ec2InstanceID: NEW_EC2, sourceServerID: REVERSED }],
  });
  origin.ec2.on(DescribeInstancesCommand).resolves({
    Reservations: [
      { Instances: [{ InstanceId: NEW_EC2, State: { Name: InstanceStateName.running }, SubnetId: subnet }] },
    ],
  });
  origin.ec2.on(DescribeInstanceStatusCommand).resolves({
    InstanceStatuses: [
      {
        InstanceId: NEW_EC2,
        InstanceStatus: { Status: SummaryStatus.ok },
        SystemStatus: { Status: SummaryStatus.ok },
      },
    ],
  });
}

beforeEach(() => {
  origin = mockOriginRegion();
  drsMock.reset();
  ec2Mock.reset();
});
afterEach(() => {
  expectOnlyReads(drsMock, ec2Mock, origin.drs, origin.ec2);
  restoreOriginRegion(origin);
});

describe('verifyFailback, EC2 origin', () => {
  it('is healthy when the instance launched in the origin region runs, passes its checks and the probes', async () => {
    originWorld();
    const { deps, probes } = makeRegionalDeps(origin.clients);
    const out = await verifyFailback(deps, input());
    expect(out.verdict).toBe('healthy');
    expect(out.failure).toBeUndefined();
    expect(out.servers[0]?.detail).toContain(`recovery instance ${NEW_RI} in ${ORIGIN_REGION}`);
    expect(probes).toEqual([PROBE]);
    expect(origin.drs).toHaveReceivedCommandWith(DescribeRecoveryInstancesCommand, {
      filters: { recoveryInstanceIDs: [NEW_RI] },
    });
    expect(origin.ec2).toHaveReceivedCommandWith(DescribeInstancesCommand, { InstanceIds: [NEW_EC2] });
    expect(origin.ec2).toHaveReceivedCommandWith(DescribeInstanceStatusCommand, {
      InstanceIds: [NEW_EC2],
      IncludeAllInstances: true,
    });
    // Nothing about it is asked in the DR region, and no failback state is involved.
    expectNothingSent(drsMock, ec2Mock);
  });

  it('is unhealthy when the new instance is not on the network the plan expects', async () => {
    originWorld('subnet-other');
    const { deps, probes } = makeRegionalDeps(origin.clients);
    const out = await verifyFailback(deps, input());
    expect(out.verdict).toBe('unhealthy');
    expect(out.servers[0]?.detail).toMatch(/subnet expected subnet-w2, actual subnet-other/);
    expect(probes).toEqual([]);
  });

  it('is pending while EC2 in the origin region does not know the instance yet', async () => {
    originWorld();
    origin.ec2.on(DescribeInstancesCommand).rejects(ec2Error('InvalidInstanceID.NotFound'));
    const { deps } = makeRegionalDeps(origin.clients);
    const out = await verifyFailback(deps, input());
    expect(out.verdict).toBe('pending');
    expect(out.servers[0]?.detail).toContain('InvalidInstanceID.NotFound');
    expect(out.failure).toBeUndefined();
  });

  it('is pending while the new recovery instance is not visible in the origin region', async () => {
    origin.drs.on(DescribeRecoveryInstancesCommand).resolves({ items: [] });
    const { deps } = makeRegionalDeps(origin.clients);
    const out = await verifyFailback(deps, input());
    expect(out.verdict).toBe('pending');
    expect(out.servers[0]?.detail).toContain('not visible yet');
    expectNothingSent(origin.ec2);
  });

  it('is pending, asking nothing, while the launch has not reported the new recovery instance', async () => {
    const { deps } = makeRegionalDeps(origin.clients);
    for (const launched of [undefined, [], [{ ...launch, recoveryInstanceID: undefined }]]) {
      const out = await verifyFailback(
        deps,
        input({ launched: launched as ServerLaunchStatus[] | undefined }),
      );
      expect(out.verdict).toBe('pending');
      expect(out.servers[0]?.detail).toContain('has not reported a recovery instance');
    }
    expectNothingSent(drsMock, ec2Mock, origin.drs, origin.ec2);
  });

  it('reports a failed read in the origin region as pending with the failure', async () => {
    const [throttling] = DRS_ERROR_TABLE;
    origin.drs.on(DescribeRecoveryInstancesCommand).rejects(throttling?.make());
    const { deps } = makeRegionalDeps(origin.clients);
    const out = await verifyFailback(deps, input());
    expect(out.verdict).toBe('pending');
    expect(out.failure).toMatchObject({ kind: 'throttled', retryable: true });
    expect(out.failure?.message).toMatch(new RegExp(`^DescribeRecoveryInstances in ${ORIGIN_REGION} failed`));
  });

  it('verifies a mixed wave: failback state in the DR region for one, the origin region for the other', async () => {
    originWorld();
    const drInstance: RecoveryInstance = {
      recoveryInstanceID: rid(1),
      sourceServerID: ONPREM,
      failback: { state: FailbackState.FAILBACK_COMPLETED },
    };
    drsMock.on(DescribeRecoveryInstancesCommand).resolves({ items: [drInstance] });
    const { deps } = makeRegionalDeps(origin.clients);
    const out = await verifyFailback(
      deps,
      input({
        servers: [{ sourceServerID: ONPREM }, plan],
        resolved: [{ sourceServerID: ONPREM, recoveryInstanceID: rid(1) }, resolved],
        launched: [
          { sourceServerID: ONPREM, recoveryInstanceID: rid(1), launchStatus: 'LAUNCHED', jobId: jid(1) },
          launch,
        ],
      }),
    );
    expect(out.verdict).toBe('healthy');
    expect(out.servers.map((s) => [s.sourceServerID, s.status])).toEqual([
      [ONPREM, 'healthy'],
      [EC2A, 'healthy'],
    ]);
    expect(drsMock).toHaveReceivedCommandWith(DescribeRecoveryInstancesCommand, {
      filters: { sourceServerIDs: [ONPREM] },
    });
  });
});
