import {
  DataReplicationState,
  DescribeJobsCommand,
  DescribeRecoveryInstancesCommand,
  DescribeRecoverySnapshotsCommand,
  DescribeSourceServersCommand,
  DrsClient,
  FailbackState,
  JobStatus,
  LaunchStatus,
  OriginEnvironment,
  type RecoveryInstance,
  type SourceServer,
  ThrottlingException,
} from '@aws-sdk/client-drs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CheckResult, PrecheckInput, ServerPlan } from '../../machines/types.js';
import { precheck } from '../../src/actors/precheck.js';
import {
  ec2id,
  expectNoMutation,
  expectNothingSent,
  expectOnlyReads,
  iso,
  jid,
  makeRegionalDeps,
  mockOriginRegion,
  NOW,
  ORIGIN_REGION,
  type OriginMocks,
  pit,
  restoreOriginRegion,
  rid,
  sid,
  sourceServerArn,
} from './helpers.js';

const drsMock = mockClient(DrsClient);
const ec2Mock = mockClient(EC2Client);
let mocks: OriginMocks;
let origin: OriginMocks['clients'];
let originDrs: OriginMocks['drs'];
let originEc2: OriginMocks['ec2'];

const MINUTE = 60_000;
const ONPREM = sid(1);
const EC2A = sid(2);
const REVERSED = sid(902);

const input = (servers: ServerPlan[], over: Partial<PrecheckInput> = {}): PrecheckInput => ({
  runId: 'run-1',
  wave: 'app',
  servers,
  rpoMs: 15 * MINUTE,
  rtoDeadlineAt: NOW + 60 * MINUTE,
  ...over,
});

const onPremInstance: RecoveryInstance = {
  recoveryInstanceID: rid(1),
  ec2InstanceID: ec2id(101),
  sourceServerID: ONPREM,
  isDrill: false,
  originEnvironment: OriginEnvironment.ON_PREMISES,
  failback: {
    state: FailbackState.FAILBACK_READY_FOR_LAUNCH,
    failbackClientLastSeenByServiceDateTime: new Date(NOW - 30_000).toISOString(),
  },
  dataReplicationInfo: { dataReplicationState: 'CONTINUOUS', lagDuration: 'PT5S', replicatedDisks: [] },
};
const ec2Instance: RecoveryInstance = {
  recoveryInstanceID: rid(2),
  ec2InstanceID: ec2id(102),
  sourceServerID: EC2A,
  isDrill: false,
  originEnvironment: OriginEnvironment.AWS,
  // EC2-origin instances report no meaningful failback state: it must not be checked.
  failback: { state: FailbackState.FAILBACK_NOT_STARTED },
};
const drSourceServer = (over: Partial<SourceServer> = {}): SourceServer => ({
  sourceServerID: EC2A,
  recoveryInstanceId: rid(2),
  sourceCloudProperties: { originRegion: ORIGIN_REGION },
  reversedDirectionSourceServerArn: sourceServerArn(REVERSED),
  ...over,
});
const reversedServer = (state: string, lagDuration: string | undefined = 'PT30S'): SourceServer => ({
  sourceServerID: REVERSED,
  replicationDirection: 'FAILBACK',
  dataReplicationInfo: {
    dataReplicationState: state as DataReplicationState,
    ...(lagDuration === undefined ? {} : { lagDuration }),
  },
});

function world(options: { dr?: SourceServer; reversed?: SourceServer | null } = {}): void {
  drsMock
    .on(DescribeSourceServersCommand)
    .resolves({ items: [{ sourceServerID: ONPREM }, options.dr ?? drSourceServer()] });
  drsMock.on(DescribeRecoveryInstancesCommand).resolves({ items: [onPremInstance, ec2Instance] });
  drsMock.on(DescribeRecoverySnapshotsCommand).callsFake((request: { sourceServerID: string }) => ({
    items: [
      { snapshotID: pit(1), sourceServerID: request.sourceServerID, expectedTimestamp: iso(NOW - MINUTE) },
    ],
  }));
  drsMock.on(DescribeJobsCommand).resolves({ items: [] });
  const reversed =
    options.reversed === undefined ? reversedServer(DataReplicationState.CONTINUOUS) : options.reversed;
  originDrs.on(DescribeSourceServersCommand).resolves({ items: reversed ? [reversed] : [] });
  originDrs.on(DescribeJobsCommand).resolves({ items: [] });
}

const failed = (checks: CheckResult[]) =>
  checks.filter((c) => c.status === 'fail').map((c) => `${c.name}:${c.server}`);
const check = (checks: CheckResult[], name: string, server: string) =>
  checks.find((c) => c.name === name && c.server === server);

beforeEach(() => {
  mocks = mockOriginRegion();
  ({ clients: origin, drs: originDrs, ec2: originEc2 } = mocks);
  drsMock.reset();
  ec2Mock.reset();
});
afterEach(() => {
  expectOnlyReads(drsMock, ec2Mock, originDrs, originEc2);
  expectNoMutation(drsMock);
  expectNoMutation(originDrs);
  restoreOriginRegion(mocks);
});

describe('precheck, EC2 origin', () => {
  it('passes with continuous reversed replication and resolves origin region and reversed server', async () => {
    world();
    const { deps, regions } = makeRegionalDeps(origin);
    const out = await precheck(deps, input([{ sourceServerID: EC2A }]));
    expect(failed(out.checks)).toEqual([]);
    expect(out.ok).toBe(true);
    expect(out.servers).toEqual([
      {
        sourceServerID: EC2A,
        recoveryInstanceID: rid(2),
        recoveryEc2InstanceID: ec2id(102),
        origin: 'AWS',
        originRegion: ORIGIN_REGION,
        reversedSourceServerID: REVERSED,
      },
    ]);
    expect(check(out.checks, 'reverse-replication', EC2A)).toMatchObject({
      status: 'pass',
      detail: expect.stringContaining('CONTINUOUS'),
    });
    expect(check(out.checks, 'rpo', EC2A)).toMatchObject({
      status: 'pass',
      detail: expect.stringContaining('PT30S'),
    });
    // The failback-state check belongs to the failback client flow only.
    expect(check(out.checks, 'failback-state', EC2A)).toBeUndefined();
    expect(originDrs).toHaveReceivedCommandWith(DescribeSourceServersCommand, {
      filters: { sourceServerIDs: [REVERSED] },
    });
    expect(drsMock).not.toHaveReceivedCommandWith(DescribeSourceServersCommand, {
      filters: { sourceServerIDs: [REVERSED] },
    });
    // Its RPO is the replication lag, not a DR recovery point.
    expect(drsMock).not.toHaveReceivedCommand(DescribeRecoverySnapshotsCommand);
    expect(regions.every((r) => r === ORIGIN_REGION)).toBe(true);
  });

  it('fails a server whose replication was never reversed, naming `prepare` and the origin region', async () => {
    world({ dr: drSourceServer({ reversedDirectionSourceServerArn: undefined }), reversed: null });
    const { deps } = makeRegionalDeps(origin);
    const out = await precheck(deps, input([{ sourceServerID: EC2A }]));
    expect(out.ok).toBe(false);
    expect(failed(out.checks)).toEqual([`reverse-replication:${EC2A}`]);
    expect(check(out.checks, 'reverse-replication', EC2A)?.detail).toBe(
      `replication of ${EC2A} is not reversed to ${ORIGIN_REGION}; run \`drs-failback prepare <plan>\` first`,
    );
    // The region falls back to sourceCloudProperties.originRegion.
    expect(out.servers[0]).toMatchObject({ origin: 'AWS', originRegion: ORIGIN_REGION });
    expect(out.servers[0]?.reversedSourceServerID).toBeUndefined();
    // Before failing it, the origin region was asked by documented fields only: the source
    // servers replicating from the recovery instance's EC2 instance.
    expect(originDrs.calls().map((c) => c.args[0].input)).toEqual([{ filters: { hardwareId: ec2id(102) } }]);
  });

  it('without the (undocumented) pointer on the DR source server: finds the reversed source server by documented fields', async () => {
    world({
      dr: drSourceServer({ reversedDirectionSourceServerArn: undefined }),
      reversed: {
        ...reversedServer(DataReplicationState.CONTINUOUS),
        arn: sourceServerArn(REVERSED),
        sourceProperties: { identificationHints: { awsInstanceID: ec2id(102) } },
      },
    });
    const { deps } = makeRegionalDeps(origin);
    const out = await precheck(deps, input([{ sourceServerID: EC2A }]));
    expect(failed(out.checks)).toEqual([]);
    expect(check(out.checks, 'reverse-replication', EC2A)?.status).toBe('pass');
    expect(out.servers[0]).toMatchObject({ originRegion: ORIGIN_REGION, reversedSourceServerID: REVERSED });
    expect(originDrs).toHaveReceivedCommandWith(DescribeSourceServersCommand, {
      filters: { hardwareId: ec2id(102) },
    });
  });

  it('a source server of the other direction, or of another instance, is not taken for the reversed one', async () => {
    world({
      dr: drSourceServer({ reversedDirectionSourceServerArn: undefined }),
      reversed: {
        ...reversedServer(DataReplicationState.CONTINUOUS),
        arn: sourceServerArn(REVERSED),
        replicationDirection: 'FAILOVER',
        sourceProperties: { identificationHints: { awsInstanceID: ec2id(102) } },
      },
    });
    const { deps } = makeRegionalDeps(origin);
    const out = await precheck(deps, input([{ sourceServerID: EC2A }]));
    expect(failed(out.checks)).toEqual([`reverse-replication:${EC2A}`]);
  });

  it('fails when the reversed source server is missing in the origin region', async () => {
    world({ reversed: null });
    const { deps } = makeRegionalDeps(origin);
    const out = await precheck(deps, input([{ sourceServerID: EC2A }]));
    expect(failed(out.checks)).toEqual([`reverse-replication:${EC2A}`]);
    expect(check(out.checks, 'reverse-replication', EC2A)?.detail).toMatch(
      new RegExp(`${REVERSED} not found in ${ORIGIN_REGION}; run \`drs-failback prepare <plan>\` first`),
    );
  });

  it('fails a STALLED reversed replication, naming the state', async () => {
    world({ reversed: reversedServer(DataReplicationState.STALLED) });
    const { deps } = makeRegionalDeps(origin);
    const out = await precheck(deps, input([{ sourceServerID: EC2A }]));
    expect(out.ok).toBe(false);
    expect(failed(out.checks)).toEqual([`reverse-replication:${EC2A}`]);
    expect(check(out.checks, 'reverse-replication', EC2A)?.detail).toContain('is STALLED; needs CONTINUOUS');
  });

  it('fails when the replication lag is above the RPO', async () => {
    world({ reversed: reversedServer(DataReplicationState.CONTINUOUS, 'P1DT2H') });
    const { deps } = makeRegionalDeps(origin);
    const out = await precheck(deps, input([{ sourceServerID: EC2A }]));
    expect(out.ok).toBe(false);
    expect(failed(out.checks)).toEqual([`rpo:${EC2A}`]);
    expect(check(out.checks, 'rpo', EC2A)?.detail).toContain('P1DT2H (93600 s) exceeds the RPO');
  });

  it('only warns when the lag cannot be read', async () => {
    world({ reversed: reversedServer(DataReplicationState.CONTINUOUS, 'about a minute') });
    const { deps } = makeRegionalDeps(origin);
    const out = await precheck(deps, input([{ sourceServerID: EC2A }]));
    expect(out.ok).toBe(true);
    expect(check(out.checks, 'rpo', EC2A)).toMatchObject({ status: 'warn' });
  });

  it('resolves a mixed wave: each server takes the checks of its own flow', async () => {
    world();
    const { deps } = makeRegionalDeps(origin);
    const out = await precheck(deps, input([{ sourceServerID: ONPREM }, { sourceServerID: EC2A }]));
    expect(failed(out.checks)).toEqual([]);
    expect(out.ok).toBe(true);
    expect(out.servers).toEqual([
      {
        sourceServerID: ONPREM,
        recoveryInstanceID: rid(1),
        recoveryEc2InstanceID: ec2id(101),
        failbackState: FailbackState.FAILBACK_READY_FOR_LAUNCH,
        newestRecoveryPointAt: iso(NOW - MINUTE),
      },
      {
        sourceServerID: EC2A,
        recoveryInstanceID: rid(2),
        recoveryEc2InstanceID: ec2id(102),
        origin: 'AWS',
        originRegion: ORIGIN_REGION,
        reversedSourceServerID: REVERSED,
      },
    ]);
    expect(check(out.checks, 'failback-state', ONPREM)?.status).toBe('pass');
    expect(check(out.checks, 'reverse-replication', ONPREM)).toBeUndefined();
    expect(drsMock).toHaveReceivedCommandTimes(DescribeRecoverySnapshotsCommand, 1);
    expect(drsMock).toHaveReceivedCommandWith(DescribeRecoverySnapshotsCommand, { sourceServerID: ONPREM });
  });

  it('treats an unknown or absent originEnvironment as on-premises', async () => {
    world();
    drsMock.on(DescribeRecoveryInstancesCommand).resolves({
      items: [{ ...onPremInstance, originEnvironment: 'MAINFRAME' as OriginEnvironment }],
    });
    const { deps } = makeRegionalDeps(origin);
    const out = await precheck(deps, input([{ sourceServerID: ONPREM }]));
    expect(out.ok).toBe(true);
    expect(out.servers[0]?.origin).toBeUndefined();
    expect(check(out.checks, 'origin', ONPREM)).toMatchObject({ status: 'warn' });
    expectNothingSent(originDrs);
  });

  it('fails when a job in the origin region still holds the reversed source server', async () => {
    world();
    originDrs.on(DescribeJobsCommand).resolves({
      items: [
        {
          jobID: jid(7),
          status: JobStatus.STARTED,
          participatingServers: [{ sourceServerID: REVERSED, launchStatus: LaunchStatus.IN_PROGRESS }],
        },
      ],
    });
    const { deps } = makeRegionalDeps(origin);
    const out = await precheck(deps, input([{ sourceServerID: EC2A }]));
    expect(failed(out.checks)).toEqual([`no-active-job:${EC2A}`]);
    expect(check(out.checks, 'no-active-job', EC2A)?.detail).toContain(`${jid(7)} (STARTED)`);
  });

  it('reports a throttled read in the origin region as retryable, naming the region', async () => {
    world();
    originDrs
      .on(DescribeSourceServersCommand)
      .rejects(new ThrottlingException({ message: 'Rate exceeded', $metadata: {}, retryAfterSeconds: '2' }));
    const { deps } = makeRegionalDeps(origin);
    const out = await precheck(deps, input([{ sourceServerID: EC2A }]));
    expect(out.ok).toBe(false);
    expect(out.failure).toMatchObject({ kind: 'throttled', retryable: true, retryAfterMs: 2000 });
    expect(check(out.checks, 'reverse-replication', EC2A)?.detail).toMatch(
      new RegExp(`^DescribeSourceServers in ${ORIGIN_REGION} for ${REVERSED} failed: throttled`),
    );
  });

  it('does not check verify.ec2InstanceId of an EC2-origin server in the DR region', async () => {
    world();
    const { deps } = makeRegionalDeps(origin);
    const out = await precheck(
      deps,
      input([{ sourceServerID: EC2A, verify: { ec2InstanceId: ec2id(5), probes: [] } }]),
    );
    expect(out.ok).toBe(true);
    expect(check(out.checks, 'ec2-instance', EC2A)).toMatchObject({ status: 'warn' });
    expectNothingSent(ec2Mock, originEc2);
  });
});
