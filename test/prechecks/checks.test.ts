// Each precheck is a pure function over the wave's reads: given what AWS answered, its status,
// and the structured data that the report and the `check` output read.
import {
  DataReplicationState,
  FailbackState,
  JobStatus,
  OriginEnvironment,
  type RecoveryInstance,
  type SourceServer,
  ThrottlingException,
} from '@aws-sdk/client-drs';
import { describe, expect, it } from 'vitest';
import type { PrecheckInput } from '../../machines/types.js';
import { failbackReplication } from '../../src/prechecks/failback-replication.js';
import {
  PRECHECK_STAGES,
  PRECHECKS,
  type PrecheckStage,
  type Read,
  runStage,
  type WaveReads,
} from '../../src/prechecks/index.js';
import { noActiveJob } from '../../src/prechecks/no-active-job.js';
import { recoveryInstance } from '../../src/prechecks/recovery-instance.js';
import { recoveryPoint } from '../../src/prechecks/recovery-point.js';
import { replicationLag } from '../../src/prechecks/replication-lag.js';
import { replicationReversed } from '../../src/prechecks/replication-reversed.js';
import { reversedReplication } from '../../src/prechecks/reversed-replication.js';
import { rtoBudget } from '../../src/prechecks/rto-budget.js';

const NOW = Date.parse('2026-01-01T12:00:00.000Z');
const MIN = 60_000;
const S1 = 's-00000000000000001';
const S2 = 's-00000000000000002';
const REV = 's-0000000000000r002';
const WEST = 'us-west-2';
const ARN = `arn:aws:drs:${WEST}:444455556666:source-server/${REV}`;

const ok = <T>(value: T): Read<T> => ({ ok: true, value });
const input = (over: Partial<PrecheckInput> = {}): PrecheckInput => ({
  runId: 'run-1',
  wave: 'db',
  servers: [{ sourceServerID: S1 }, { sourceServerID: S2 }],
  rpoMs: 15 * MIN,
  rtoDeadlineAt: NOW + 60 * MIN,
  ...over,
});
const reads = (over: Partial<WaveReads> = {}): WaveReads => ({
  now: NOW,
  input: input(),
  originRegions: new Map(),
  recoverySnapshots: new Map(),
  ...over,
});
const instance = (id: string, n: number, over: Partial<RecoveryInstance> = {}): RecoveryInstance => ({
  recoveryInstanceID: `i-0000000000000000${n}`,
  ec2InstanceID: `i-0e00000000000000${n}`,
  sourceServerID: id,
  originEnvironment: OriginEnvironment.ON_PREMISES,
  failback: { state: FailbackState.FAILBACK_READY_FOR_LAUNCH },
  ...over,
});

describe('the registry', () => {
  it('lists every check once, in the order of the event stream', () => {
    expect(PRECHECK_STAGES.map((s) => s.name)).toEqual([
      'plan',
      'sourceServers',
      'recoveryInstances',
      'reversal',
      'originSourceServers',
      'originJobs',
      'recoverySnapshot',
      'jobs',
      'ec2Origin',
      'ec2Instances',
      'quota',
    ]);
    expect(PRECHECKS.map((c) => c.name)).toEqual([
      'rto-budget',
      'ids',
      'source-server',
      'recovery-instance',
      'drill-instance',
      'origin',
      'failback-state',
      'rpo',
      'reverse-replication',
      'reverse-replication',
      'rpo',
      'no-active-job',
      'backout-point',
      'no-active-job',
      'ec2-instance',
      'ec2-instance',
      'quota',
    ]);
    expect(new Set(PRECHECKS).size).toBe(PRECHECKS.length);
  });

  it('a by-server stage gives every check of the first server, then of the next', () => {
    const stage = PRECHECK_STAGES.find((s) => s.name === 'recoveryInstances') as PrecheckStage;
    const results = runStage(
      stage,
      reads({
        recoveryInstances: ok(
          new Map([
            [S1, [instance(S1, 1, { isDrill: true })]],
            [S2, [instance(S2, 2)]],
          ]),
        ),
      }),
    );
    expect(results.map((r) => `${r.server} ${r.name}`)).toEqual([
      `${S1} recovery-instance`,
      `${S1} drill-instance`,
      `${S1} failback-state`,
      `${S1} rpo`,
      `${S2} recovery-instance`,
      `${S2} failback-state`,
      `${S2} rpo`,
    ]);
    expect(results.every((r) => typeof r.data === 'object')).toBe(true);
  });
});

describe('checks and their data', () => {
  it('rto-budget: the deadline and what is left of the budget', () => {
    expect(rtoBudget.evaluate(reads(), {})).toEqual([
      {
        server: '*',
        status: 'pass',
        detail: '3600 s of RTO budget left',
        data: { deadlineAt: '2026-01-01T13:00:00.000Z', budgetMs: 60 * MIN },
      },
    ]);
    const late = rtoBudget.evaluate(reads({ now: NOW + 61 * MIN }), {});
    expect(late[0]).toMatchObject({ status: 'fail', data: { budgetMs: -MIN } });
  });

  it('recovery-instance: the one it resolves to, or every one listed', () => {
    const results = recoveryInstance.evaluate(
      reads({
        recoveryInstances: ok(
          new Map([
            [S1, [instance(S1, 1)]],
            [S2, [instance(S2, 2), instance(S2, 3)]],
          ]),
        ),
      }),
      {},
    );
    expect(results.map((r) => [r.status, r.data])).toEqual([
      [
        'pass',
        {
          recoveryInstanceIds: ['i-00000000000000001'],
          recoveryInstanceId: 'i-00000000000000001',
          ec2InstanceId: 'i-0e000000000000001',
        },
      ],
      [
        'fail',
        {
          recoveryInstanceIds: ['i-00000000000000002', 'i-00000000000000003'],
          recoveryInstanceId: null,
          ec2InstanceId: null,
        },
      ],
    ]);
  });

  it('a failed read: one wave-wide failure naming the operation and the error', () => {
    const results = recoveryInstance.evaluate(
      reads({
        recoveryInstances: {
          ok: false,
          error: new ThrottlingException({ message: 'Rate exceeded', $metadata: {} }),
        },
      }),
      {},
    );
    expect(results).toEqual([
      expect.objectContaining({
        server: '*',
        status: 'fail',
        data: {
          readFailed: {
            operation: 'DescribeRecoveryInstances',
            region: null,
            kind: 'throttled',
            name: 'ThrottlingException',
          },
        },
      }),
    ]);
  });

  it('rpo (on premises): the failback replication, never the recovery point', () => {
    const seen = new Date(NOW - 11 * MIN).toISOString();
    const results = failbackReplication.evaluate(
      reads({
        input: input({ servers: [{ sourceServerID: S1 }] }),
        // AWS's clock is a minute behind the local one: the client is 10 min silent, at the limit.
        awsNow: NOW - MIN,
        recoveryInstances: ok(
          new Map([
            [
              S1,
              [
                instance(S1, 1, {
                  failback: {
                    state: FailbackState.FAILBACK_READY_FOR_LAUNCH,
                    failbackClientLastSeenByServiceDateTime: seen,
                  },
                  dataReplicationInfo: {
                    dataReplicationState: 'CONTINUOUS',
                    lagDuration: 'PT20M',
                    replicatedDisks: [{ backloggedStorageBytes: 10 }, { backloggedStorageBytes: 5 }],
                  },
                }),
              ],
            ],
          ]),
        ),
      }),
      {},
    );
    expect(results).toEqual([
      expect.objectContaining({
        server: S1,
        status: 'fail',
        data: {
          basis: 'failback-replication',
          rpoMs: 15 * MIN,
          recoveryInstanceId: 'i-00000000000000001',
          replicationState: 'CONTINUOUS',
          lagDuration: 'PT20M',
          lagMs: 20 * MIN,
          backlogBytes: 15,
          replicationError: null,
          clientLastSeenAt: seen,
          clientSilentMs: 10 * MIN,
          clientSilenceLimitMs: 10 * MIN,
          awsNow: new Date(NOW - MIN).toISOString(),
          problems: ['lag-above-limit', 'backlog'],
        },
      }),
    ]);
  });

  it('backout-point (on premises): the recovery point a relaunch would restore, informational', () => {
    const snapshotAt = new Date(NOW - 20 * MIN).toISOString();
    const results = recoveryPoint.evaluate(
      reads({
        recoverySnapshots: new Map([
          [
            S1,
            ok({
              snapshotID: 'pit-00000000000000001',
              timestamp: snapshotAt,
              expectedTimestamp: snapshotAt,
              sourceServerID: S1,
            }),
          ],
        ]),
      }),
      { server: S1 },
    );
    expect(results).toEqual([
      expect.objectContaining({
        server: S1,
        status: 'pass',
        data: {
          snapshotAt,
          snapshotId: 'pit-00000000000000001',
          ageMs: 20 * MIN,
        },
      }),
    ]);
  });

  describe('EC2 origin', () => {
    const ec2 = (over: Partial<SourceServer> = {}) =>
      reads({
        input: input({ servers: [{ sourceServerID: S2 }] }),
        sourceServers: ok(new Map([[S2, { sourceServerID: S2, ...over }]])),
        recoveryInstances: ok(
          new Map([[S2, [instance(S2, 2, { originEnvironment: OriginEnvironment.AWS })]]]),
        ),
      });

    it('reverse-replication: not reversed yet, with the origin region DRS names', () => {
      const results = replicationReversed.evaluate(
        ec2({ sourceCloudProperties: { originRegion: WEST } }),
        {},
      );
      expect(results).toEqual([
        expect.objectContaining({
          status: 'fail',
          data: {
            reversedSourceServerArn: null,
            reversedSourceServerId: null,
            originRegion: WEST,
            replicationState: null,
          },
        }),
      ]);
    });

    it('reverse-replication and rpo in the origin region: state, ARN, lag', () => {
      const base = ec2({ reversedDirectionSourceServerArn: ARN });
      const withOrigin: WaveReads = {
        ...base,
        originRegions: new Map([
          [
            WEST,
            {
              sourceServers: ok(
                new Map([
                  [
                    REV,
                    {
                      sourceServerID: REV,
                      dataReplicationInfo: {
                        dataReplicationState: DataReplicationState.BACKLOG,
                        lagDuration: 'PT20M',
                      },
                    },
                  ],
                ]),
              ),
            },
          ],
        ]),
      };
      expect(reversedReplication.evaluate(withOrigin, { region: WEST })[0]).toMatchObject({
        server: S2,
        status: 'fail',
        data: {
          reversedSourceServerArn: ARN,
          reversedSourceServerId: REV,
          originRegion: WEST,
          replicationState: 'BACKLOG',
        },
      });
      expect(replicationLag.evaluate(withOrigin, { region: WEST })[0]).toMatchObject({
        server: S2,
        status: 'fail',
        data: {
          basis: 'replication-lag',
          reversedSourceServerId: REV,
          originRegion: WEST,
          lagDuration: 'PT20M',
          lagMs: 20 * MIN,
          rpoMs: 15 * MIN,
        },
      });
    });
  });

  it('no-active-job: the jobs holding a server, with their status', () => {
    const results = noActiveJob.evaluate(
      reads({
        jobs: ok([
          { jobID: 'drsjob-1', status: JobStatus.STARTED, participatingServers: [{ sourceServerID: S2 }] },
          { jobID: 'drsjob-2', status: JobStatus.COMPLETED, participatingServers: [{ sourceServerID: S1 }] },
        ]),
      }),
      {},
    );
    expect(results).toEqual([
      expect.objectContaining({
        server: S2,
        status: 'fail',
        data: {
          region: null,
          sourceServerId: S2,
          reversedSourceServerId: null,
          jobs: [{ jobId: 'drsjob-1', status: 'STARTED' }],
        },
      }),
    ]);
  });
});
