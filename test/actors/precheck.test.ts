import {
  AccessDeniedException,
  DescribeJobsCommand,
  DescribeRecoveryInstancesCommand,
  DescribeRecoverySnapshotsCommand,
  DescribeSourceServersCommand,
  DrsClient,
  FailbackState,
  JobStatus,
  LaunchStatus,
  type RecoveryInstance,
} from '@aws-sdk/client-drs';
import { DescribeInstancesCommand, EC2Client, InstanceStateName } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PrecheckInput, ServerPlan } from '../../machines/types.js';
import { precheck } from '../../src/actors/precheck.js';
import {
  ec2Error,
  ec2id,
  expectNoMutation,
  expectNothingSent,
  expectOnlyReads,
  iso,
  jid,
  makeDeps,
  NOW,
  pit,
  rid,
  sid,
} from './helpers.js';

const drsMock = mockClient(DrsClient);
const ec2Mock = mockClient(EC2Client);

const S1 = sid(1);
const S2 = sid(2);
const E2 = ec2id(2);
const MINUTE = 60_000;

const servers: ServerPlan[] = [
  { sourceServerID: S1 },
  { sourceServerID: S2, verify: { ec2InstanceId: E2, probes: [] } },
];
const input = (over: Partial<PrecheckInput> = {}): PrecheckInput => ({
  runId: 'run-1',
  wave: 'db',
  servers,
  rpoMs: 15 * MINUTE,
  rtoDeadlineAt: NOW + 60 * MINUTE,
  ...over,
});
const ri = (sourceServerID: string, n: number, over: Partial<RecoveryInstance> = {}): RecoveryInstance => ({
  recoveryInstanceID: rid(n),
  ec2InstanceID: ec2id(100 + n),
  sourceServerID,
  isDrill: false,
  failback: {
    state: FailbackState.FAILBACK_READY_FOR_LAUNCH,
    failbackClientLastSeenByServiceDateTime: iso(NOW - 30_000),
  },
  dataReplicationInfo: { dataReplicationState: 'CONTINUOUS', lagDuration: 'PT5S', replicatedDisks: [] },
  ...over,
});

function happyWorld(): void {
  drsMock
    .on(DescribeSourceServersCommand)
    .resolves({ items: [{ sourceServerID: S1 }, { sourceServerID: S2 }] });
  drsMock.on(DescribeRecoveryInstancesCommand).resolves({ items: [ri(S1, 1), ri(S2, 2)] });
  drsMock.on(DescribeRecoverySnapshotsCommand).callsFake((request: { sourceServerID: string }) => ({
    items: [
      {
        snapshotID: pit(1),
        sourceServerID: request.sourceServerID,
        expectedTimestamp: iso(NOW - 5 * MINUTE),
      },
    ],
  }));
  drsMock.on(DescribeJobsCommand).resolves({ items: [] });
  ec2Mock.on(DescribeInstancesCommand).resolves({
    Reservations: [{ Instances: [{ InstanceId: E2, State: { Name: InstanceStateName.running } }] }],
  });
}

const failed = (checks: { status: string; name: string; server: string }[]) =>
  checks.filter((c) => c.status === 'fail').map((c) => `${c.name}:${c.server}`);

beforeEach(() => {
  drsMock.reset();
  ec2Mock.reset();
  happyWorld();
});
afterEach(() => {
  expectOnlyReads(drsMock, ec2Mock);
  expectNoMutation(drsMock);
});

describe('precheck', () => {
  it('passes and resolves every server when all is well', async () => {
    const { deps, events } = makeDeps();
    const out = await precheck(deps, input());
    expect(failed(out.checks)).toEqual([]);
    expect(out.ok).toBe(true);
    expect(out.now).toBe(NOW);
    expect(out.servers).toEqual([
      {
        sourceServerID: S1,
        recoveryInstanceID: rid(1),
        recoveryEc2InstanceID: ec2id(101),
        failbackState: FailbackState.FAILBACK_READY_FOR_LAUNCH,
        newestRecoveryPointAt: iso(NOW - 5 * MINUTE),
      },
      {
        sourceServerID: S2,
        recoveryInstanceID: rid(2),
        recoveryEc2InstanceID: ec2id(102),
        failbackState: FailbackState.FAILBACK_READY_FOR_LAUNCH,
        newestRecoveryPointAt: iso(NOW - 5 * MINUTE),
      },
    ]);
    const names = new Set(out.checks.map((c) => c.name));
    for (const name of [
      'rto-budget',
      'source-server',
      'recovery-instance',
      'failback-state',
      'rpo',
      'no-active-job',
      'ec2-instance',
    ]) {
      expect(names).toContain(name);
    }
    // Every check is emitted as an event, too, with its data.
    expect(events).toEqual(out.checks.map((c) => ({ type: 'check', wave: 'db', ...c })));
    expect(out.checks.every((c) => typeof c.data === 'object')).toBe(true);
    const rpo = out.checks.find((c) => c.name === 'rpo' && c.server === S1);
    expect(rpo?.data).toEqual({
      basis: 'failback-replication',
      rpoMs: input().rpoMs,
      recoveryInstanceId: rid(1),
      replicationState: 'CONTINUOUS',
      lagDuration: 'PT5S',
      lagMs: 5000,
      backlogBytes: 0,
      replicationError: null,
      clientLastSeenAt: iso(NOW - 30_000),
      clientSilentMs: 30_000,
      clientSilenceLimitMs: 10 * MINUTE,
      awsNow: iso(NOW),
      problems: [],
    });
    expect(out.checks.find((c) => c.name === 'backout-point' && c.server === S1)?.data).toEqual({
      snapshotAt: iso(NOW - 5 * MINUTE),
      snapshotId: expect.any(String),
      ageMs: 5 * MINUTE,
    });
    expect(out.checks.find((c) => c.name === 'recovery-instance' && c.server === S2)?.data).toMatchObject({
      recoveryInstanceId: rid(2),
      ec2InstanceId: ec2id(102),
    });
    expect(drsMock).toHaveReceivedCommandWith(DescribeSourceServersCommand, {
      filters: { sourceServerIDs: [S1, S2] },
    });
    expect(drsMock).toHaveReceivedCommandWith(DescribeRecoveryInstancesCommand, {
      filters: { sourceServerIDs: [S1, S2] },
    });
    expect(drsMock).toHaveReceivedCommandWith(DescribeRecoverySnapshotsCommand, {
      sourceServerID: S1,
      order: 'DESC',
      maxResults: 1,
    });
    expect(drsMock).toHaveReceivedCommandWith(DescribeJobsCommand, {
      filters: { fromDate: iso(NOW - 24 * 60 * MINUTE) },
    });
    expect(ec2Mock).toHaveReceivedCommandWith(DescribeInstancesCommand, { InstanceIds: [E2] });
  });

  it('rejects malformed ids without sending anything', async () => {
    const { deps } = makeDeps();
    const out = await precheck(
      deps,
      input({
        servers: [
          { sourceServerID: 'server-1' },
          { sourceServerID: S2, verify: { ec2InstanceId: 'vm-7', probes: [] } },
        ],
      }),
    );
    expect(out.ok).toBe(false);
    expect(failed(out.checks)).toEqual(['ids:server-1', `ids:${S2}`]);
    expect(out.checks.find((c) => c.server === 'server-1')?.detail).toContain('^s-[0-9a-zA-Z]{17}$');
    expectNothingSent(drsMock, ec2Mock);
  });

  it('rejects an empty wave and duplicate servers without sending anything', async () => {
    const { deps } = makeDeps();
    expect(failed((await precheck(deps, input({ servers: [] }))).checks)).toEqual(['ids:*']);
    const dup = await precheck(deps, input({ servers: [{ sourceServerID: S1 }, { sourceServerID: S1 }] }));
    expect(failed(dup.checks)).toEqual([`ids:${S1}`]);
    expectNothingSent(drsMock, ec2Mock);
  });

  it('fails the RTO budget when the deadline has passed', async () => {
    const { deps } = makeDeps();
    const out = await precheck(deps, input({ rtoDeadlineAt: NOW }));
    expect(out.ok).toBe(false);
    expect(failed(out.checks)).toEqual(['rto-budget:*']);
  });

  it('fails a source server DRS does not know', async () => {
    drsMock.on(DescribeSourceServersCommand).resolves({ items: [{ sourceServerID: S1 }] });
    const { deps } = makeDeps();
    expect(failed((await precheck(deps, input())).checks)).toEqual([`source-server:${S2}`]);
  });

  it('fails a server without a recovery instance, and one with two', async () => {
    drsMock.on(DescribeRecoveryInstancesCommand).resolves({ items: [ri(S2, 2), ri(S2, 3)] });
    const { deps } = makeDeps();
    const out = await precheck(deps, input());
    expect(failed(out.checks)).toEqual([`recovery-instance:${S1}`, `recovery-instance:${S2}`]);
    expect(out.checks.find((c) => c.server === S2 && c.name === 'recovery-instance')?.detail).toMatch(
      /2 recovery instances.*expected exactly one/,
    );
    expect(out.servers).toEqual([]);
  });

  it.each([
    [FailbackState.FAILBACK_IN_PROGRESS, /failback state is FAILBACK_IN_PROGRESS/],
    [FailbackState.FAILBACK_NOT_STARTED, /needs FAILBACK_READY_FOR_LAUNCH/],
    [FailbackState.FAILBACK_ERROR, /FAILBACK_ERROR/],
    ['FAILBACK_FROM_THE_FUTURE', /unknown failback state 'FAILBACK_FROM_THE_FUTURE'/],
  ])('fails failback state %s', async (state, detail) => {
    drsMock.on(DescribeRecoveryInstancesCommand).resolves({
      items: [
        ri(S1, 1),
        ri(S2, 2, {
          failback: {
            state: state as FailbackState,
            failbackClientLastSeenByServiceDateTime: iso(NOW - 30_000),
          },
        }),
      ],
    });
    const { deps } = makeDeps();
    const out = await precheck(deps, input());
    expect(failed(out.checks)).toEqual([`failback-state:${S2}`]);
    expect(out.checks.find((c) => c.name === 'failback-state' && c.server === S2)?.detail).toMatch(detail);
  });

  it('warns about drill recovery instances without failing', async () => {
    drsMock
      .on(DescribeRecoveryInstancesCommand)
      .resolves({ items: [ri(S1, 1, { isDrill: true }), ri(S2, 2)] });
    const { deps } = makeDeps();
    const out = await precheck(deps, input());
    expect(out.ok).toBe(true);
    expect(out.checks.filter((c) => c.status === 'warn')).toEqual([
      expect.objectContaining({ server: S1, name: 'drill-instance' }),
    ]);
  });

  it('passes a server whose newest recovery point is 14 days old (the disaster): the RPO is the failback replication', async () => {
    // Before issue 10 the precheck failed this: it gated on the source server's recovery point.
    drsMock.on(DescribeRecoverySnapshotsCommand).callsFake((request: { sourceServerID: string }) => ({
      items: [
        {
          snapshotID: pit(1),
          sourceServerID: request.sourceServerID,
          expectedTimestamp: iso(NOW - 14 * 24 * 60 * MINUTE),
        },
      ],
    }));
    const { deps } = makeDeps();
    const out = await precheck(deps, input());
    expect(failed(out.checks)).toEqual([]);
    expect(out.checks.find((c) => c.name === 'backout-point' && c.server === S2)).toMatchObject({
      status: 'pass',
      data: { ageMs: 14 * 24 * 60 * MINUTE },
    });
  });

  it('warns, never fails, when no known-good point exists for a backout relaunch', async () => {
    drsMock.on(DescribeRecoverySnapshotsCommand, { sourceServerID: S1 }).resolves({ items: [] });
    const { deps } = makeDeps();
    const out = await precheck(deps, input());
    expect(failed(out.checks)).toEqual([]);
    expect(out.checks.filter((c) => c.status === 'warn').map((c) => `${c.name}:${c.server}`)).toEqual([
      `backout-point:${S1}`,
    ]);
  });

  it('reads no recovery point when the plan never relaunches (backout.restore: never)', async () => {
    const { deps } = makeDeps();
    const out = await precheck(deps, input({ restore: 'never' }));
    expect(out.ok).toBe(true);
    expect(drsMock).not.toHaveReceivedCommand(DescribeRecoverySnapshotsCommand);
    expect(out.checks.some((c) => c.name === 'backout-point')).toBe(false);
  });

  it.each([
    [
      'a backlog',
      {
        dataReplicationInfo: {
          dataReplicationState: 'CONTINUOUS',
          lagDuration: 'PT5S',
          replicatedDisks: [{ backloggedStorageBytes: 4096 }],
        },
      },
      /4096 bytes of backlog/,
    ],
    [
      'a silent Failback Client',
      {
        failback: {
          state: FailbackState.FAILBACK_READY_FOR_LAUNCH,
          failbackClientLastSeenByServiceDateTime: iso(NOW - 30 * MINUTE),
        },
      },
      /Failback Client last seen .* \(1800 s ago, limit 600 s\)/,
    ],
    [
      'a lag above the RPO',
      { dataReplicationInfo: { dataReplicationState: 'CONTINUOUS', lagDuration: 'PT20M' } },
      /lag 1200 s above the RPO of 900 s/,
    ],
    [
      'a stalled replication',
      {
        dataReplicationInfo: {
          dataReplicationState: 'STALLED',
          lagDuration: 'PT5S',
          dataReplicationError: { error: 'UNSTABLE_NETWORK' },
        },
      },
      /replication is STALLED, needs CONTINUOUS; replication error UNSTABLE_NETWORK/,
    ],
  ] as const)('fails the rpo check on %s', async (_what, over, detail) => {
    drsMock
      .on(DescribeRecoveryInstancesCommand)
      .resolves({ items: [ri(S1, 1), ri(S2, 2, over as Partial<RecoveryInstance>)] });
    const { deps } = makeDeps();
    const out = await precheck(deps, input());
    expect(failed(out.checks)).toEqual([`rpo:${S2}`]);
    expect(out.checks.find((c) => c.name === 'rpo' && c.server === S2)?.detail).toMatch(detail);
  });

  it('warns, never passes, on a lag it cannot read', async () => {
    drsMock.on(DescribeRecoveryInstancesCommand).resolves({
      items: [
        ri(S1, 1),
        ri(S2, 2, { dataReplicationInfo: { dataReplicationState: 'CONTINUOUS', lagDuration: 'soon' } }),
      ],
    });
    const { deps } = makeDeps();
    const out = await precheck(deps, input());
    expect(out.ok).toBe(true);
    expect(out.checks.find((c) => c.name === 'rpo' && c.server === S2)).toMatchObject({
      status: 'warn',
      data: { lagMs: null, problems: ['lag-unknown'] },
    });
  });

  it('measures ages against AWS clock when the reads carry it (awsNow)', async () => {
    // The operator's clock runs 20 minutes ahead: against it the client would look silent.
    const { deps } = makeDeps();
    const skewed = { ...deps, awsClock: { now: () => NOW - 20 * MINUTE } };
    drsMock.on(DescribeRecoveryInstancesCommand).resolves({
      items: [
        ri(S1, 1),
        ri(S2, 2, {
          failback: {
            state: FailbackState.FAILBACK_READY_FOR_LAUNCH,
            failbackClientLastSeenByServiceDateTime: iso(NOW - 20 * MINUTE - 30_000),
          },
        }),
      ],
    });
    expect(failed((await precheck(deps, input())).checks)).toEqual([`rpo:${S2}`]);
    drsMock.resetHistory();
    const out = await precheck(skewed, input());
    expect(failed(out.checks)).toEqual([]);
    expect(out.checks.find((c) => c.name === 'rpo' && c.server === S2)?.data).toMatchObject({
      awsNow: iso(NOW - 20 * MINUTE),
      clientSilentMs: 30_000,
    });
  });

  it('fails a server held by an active job found on a later page, ignoring completed jobs', async () => {
    drsMock
      .on(DescribeJobsCommand)
      .resolvesOnce({
        items: [
          {
            jobID: jid(1),
            status: JobStatus.COMPLETED,
            participatingServers: [{ sourceServerID: S1, launchStatus: LaunchStatus.LAUNCHED }],
          },
        ],
        nextToken: 'page-2',
      })
      .resolvesOnce({
        items: [
          {
            jobID: jid(2),
            status: JobStatus.STARTED,
            participatingServers: [{ sourceServerID: S2, launchStatus: LaunchStatus.IN_PROGRESS }],
          },
        ],
      });
    const { deps } = makeDeps();
    const out = await precheck(deps, input());
    expect(failed(out.checks)).toEqual([`no-active-job:${S2}`]);
    expect(out.checks.find((c) => c.name === 'no-active-job')?.detail).toContain(jid(2));
    expect(drsMock).toHaveReceivedCommandTimes(DescribeJobsCommand, 2);
    expect(drsMock).toHaveReceivedNthCommandWith(DescribeJobsCommand, 2, { nextToken: 'page-2' });
  });

  it('counts a job with an unknown status as active', async () => {
    drsMock.on(DescribeJobsCommand).resolves({
      items: [
        { jobID: jid(3), status: 'QUEUED' as JobStatus, participatingServers: [{ sourceServerID: S1 }] },
      ],
    });
    const { deps } = makeDeps();
    expect(failed((await precheck(deps, input())).checks)).toEqual([`no-active-job:${S1}`]);
  });

  it('fails a verify EC2 instance that does not exist', async () => {
    ec2Mock
      .on(DescribeInstancesCommand)
      .rejects(ec2Error('InvalidInstanceID.NotFound', `The instance ID '${E2}' does not exist`));
    const { deps } = makeDeps();
    const out = await precheck(deps, input());
    expect(failed(out.checks)).toEqual([`ec2-instance:${S2}`]);
  });

  it('turns AccessDenied on a read into a failed check naming the IAM action', async () => {
    drsMock
      .on(DescribeRecoveryInstancesCommand)
      .rejects(new AccessDeniedException({ message: 'not authorized', $metadata: { httpStatusCode: 403 } }));
    ec2Mock.on(DescribeInstancesCommand).rejects(ec2Error('UnauthorizedOperation'));
    const { deps } = makeDeps();
    const out = await precheck(deps, input());
    expect(out.ok).toBe(false);
    const recovery = out.checks.find((c) => c.name === 'recovery-instance');
    expect(recovery).toMatchObject({ server: '*', status: 'fail' });
    expect(recovery?.detail).toContain('drs:DescribeRecoveryInstances');
    expect(out.checks.find((c) => c.name === 'ec2-instance')?.detail).toContain('ec2:DescribeInstances');
  });

  it('marks throttled reads (DRS or EC2) as retryable, so the machine runs the precheck again', async () => {
    ec2Mock.on(DescribeInstancesCommand).rejects(ec2Error('RequestLimitExceeded', 'Request limit exceeded.'));
    const { deps } = makeDeps();
    const out = await precheck(deps, input());
    expect(out.ok).toBe(false);
    expect(out.failure).toMatchObject({ kind: 'throttled', retryable: true, operation: 'DescribeInstances' });
  });

  it('a permanent failure (AccessDenied) is not marked retryable', async () => {
    drsMock
      .on(DescribeRecoveryInstancesCommand)
      .rejects(new AccessDeniedException({ message: 'not authorized', $metadata: { httpStatusCode: 403 } }));
    const { deps } = makeDeps();
    const out = await precheck(deps, input());
    expect(out.ok).toBe(false);
    expect(out.failure).toBeUndefined();
  });

  it('asks DRS about at most 200 servers per call', async () => {
    const many = Array.from({ length: 250 }, (_, i) => ({ sourceServerID: sid(1000 + i) }));
    drsMock.on(DescribeSourceServersCommand).resolves({ items: [] });
    drsMock.on(DescribeRecoveryInstancesCommand).resolves({ items: [] });
    const { deps } = makeDeps();
    await precheck(deps, input({ servers: many }));
    expect(drsMock).toHaveReceivedCommandTimes(DescribeSourceServersCommand, 2);
    expect(drsMock).toHaveReceivedCommandTimes(DescribeRecoveryInstancesCommand, 2);
    const sizes = drsMock
      .commandCalls(DescribeRecoveryInstancesCommand)
      .map((call) => call.args[0].input.filters?.sourceServerIDs?.length);
    expect(sizes).toEqual([200, 50]);
  });
});
