import {
  DescribeRecoverySnapshotsCommand,
  DrsClient,
  type RecoverySnapshot,
  StartRecoveryCommand,
} from '@aws-sdk/client-drs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { restoreRecoveryPoint } from '../../src/actors/restore-recovery-point.js';
import { DRS_ERROR_TABLE, expectNothingSent, iso, jid, makeDeps, NOW, pit, sid } from './helpers.js';

const drsMock = mockClient(DrsClient);
const S1 = sid(1);
const S2 = sid(2);
const MINUTE = 60_000;
const RUN_START = NOW - 30 * MINUTE;
const TAGS = { 'drs-failback:run': 'run-1', 'drs-failback:wave': 'web' };

const snap = (
  n: number,
  server: string,
  at: number,
  field: 'timestamp' | 'expectedTimestamp' = 'timestamp',
): RecoverySnapshot => ({
  snapshotID: pit(n),
  sourceServerID: server,
  expectedTimestamp: iso(at),
  ...(field === 'timestamp' ? { timestamp: iso(at) } : {}),
});

const FORBIDDEN = [
  'StopReplicationCommand',
  'DisconnectSourceServerCommand',
  'DisconnectRecoveryInstanceCommand',
  'TerminateRecoveryInstancesCommand',
  'DeleteRecoveryInstanceCommand',
];

beforeEach(() => drsMock.reset());
afterEach(() => {
  const sent = drsMock.calls().map((call) => (call.args[0] as object).constructor.name);
  for (const name of FORBIDDEN) expect(sent).not.toContain(name);
});

describe('restoreRecoveryPoint', () => {
  it('relaunches at the newest recovery point before the run began', async () => {
    drsMock.on(DescribeRecoverySnapshotsCommand, { sourceServerID: S1 }).resolves({
      // A snapshot at the very instant the run began does not count; order is checked, not trusted.
      items: [
        snap(10, S1, RUN_START),
        snap(11, S1, RUN_START - 10 * MINUTE),
        snap(12, S1, RUN_START - 2 * MINUTE),
      ],
    });
    drsMock.on(DescribeRecoverySnapshotsCommand, { sourceServerID: S2 }).resolves({
      items: [snap(20, S2, RUN_START - 5 * MINUTE, 'expectedTimestamp')],
    });
    drsMock.on(StartRecoveryCommand).resolves({ job: { jobID: jid(9) } });
    const { deps } = makeDeps();
    const out = await restoreRecoveryPoint(deps, {
      runId: 'run-1',
      wave: 'web',
      sourceServerIDs: [S1, S2],
      before: RUN_START,
    });
    expect(out).toEqual({
      now: NOW,
      jobIds: [jid(9)],
      restored: [
        { sourceServerID: S1, recoverySnapshotID: pit(12), snapshotAt: iso(RUN_START - 2 * MINUTE) },
        { sourceServerID: S2, recoverySnapshotID: pit(20), snapshotAt: iso(RUN_START - 5 * MINUTE) },
      ],
    });
    expect(drsMock).toHaveReceivedCommandWith(DescribeRecoverySnapshotsCommand, {
      sourceServerID: S1,
      order: 'DESC',
      filters: { toDateTime: iso(RUN_START) },
    });
    expect(drsMock).toHaveReceivedCommandTimes(StartRecoveryCommand, 1);
    expect(drsMock).toHaveReceivedCommandWith(StartRecoveryCommand, {
      sourceServers: [
        { sourceServerID: S1, recoverySnapshotID: pit(12) },
        { sourceServerID: S2, recoverySnapshotID: pit(20) },
      ],
      isDrill: false,
      tags: TAGS,
    });
  });

  it('follows pages until it finds a recovery point', async () => {
    drsMock
      .on(DescribeRecoverySnapshotsCommand)
      .resolvesOnce({ items: [snap(1, S1, RUN_START + MINUTE)], nextToken: 'next' })
      .resolvesOnce({ items: [snap(2, S1, RUN_START - MINUTE)] });
    drsMock.on(StartRecoveryCommand).resolves({ job: { jobID: jid(1) } });
    const { deps } = makeDeps();
    const out = await restoreRecoveryPoint(deps, {
      runId: 'run-1',
      wave: 'web',
      sourceServerIDs: [S1],
      before: RUN_START,
    });
    expect(out.restored.map((r) => r.recoverySnapshotID)).toEqual([pit(2)]);
    expect(drsMock).toHaveReceivedNthCommandWith(DescribeRecoverySnapshotsCommand, 2, { nextToken: 'next' });
  });

  it('names the server that has no recovery point before the run, and restores the others', async () => {
    drsMock
      .on(DescribeRecoverySnapshotsCommand, { sourceServerID: S1 })
      .resolves({ items: [snap(1, S1, RUN_START - MINUTE)] });
    drsMock.on(DescribeRecoverySnapshotsCommand, { sourceServerID: S2 }).resolves({ items: [] });
    drsMock.on(StartRecoveryCommand).resolves({ job: { jobID: jid(1) } });
    const { deps } = makeDeps();
    const out = await restoreRecoveryPoint(deps, {
      runId: 'run-1',
      wave: 'web',
      sourceServerIDs: [S1, S2],
      before: RUN_START,
    });
    expect(out.restored.map((r) => r.sourceServerID)).toEqual([S1]);
    expect(out.failure).toMatchObject({ kind: 'not-found', retryable: false, server: S2 });
    expect(out.failure?.message).toContain(S2);
    expect(drsMock).toHaveReceivedCommandWith(StartRecoveryCommand, {
      sourceServers: [{ sourceServerID: S1, recoverySnapshotID: pit(1) }],
    });
  });

  it('relaunches nothing when a recovery point cannot be read', async () => {
    drsMock
      .on(DescribeRecoverySnapshotsCommand, { sourceServerID: S1 })
      .resolves({ items: [snap(1, S1, RUN_START - MINUTE)] });
    drsMock.on(DescribeRecoverySnapshotsCommand, { sourceServerID: S2 }).rejects(DRS_ERROR_TABLE[0]?.make());
    const { deps } = makeDeps();
    const out = await restoreRecoveryPoint(deps, {
      runId: 'run-1',
      wave: 'web',
      sourceServerIDs: [S1, S2],
      before: RUN_START,
    });
    expect(out.jobIds).toEqual([]);
    expect(out.failure).toMatchObject({
      kind: 'throttled',
      retryable: true,
      operation: 'DescribeRecoverySnapshots',
      server: S2,
    });
    expect(drsMock).toHaveReceivedCommandTimes(StartRecoveryCommand, 0);
  });

  it('rejects malformed source server ids with nothing sent', async () => {
    const { deps } = makeDeps();
    const out = await restoreRecoveryPoint(deps, {
      runId: 'run-1',
      wave: 'web',
      sourceServerIDs: ['i-0123abcd'],
      before: RUN_START,
    });
    expect(out.failure).toMatchObject({ kind: 'validation', retryable: false, operation: 'StartRecovery' });
    expectNothingSent(drsMock);
  });

  it('sends StartRecovery per 200 servers', async () => {
    const ids = Array.from({ length: 201 }, (_, i) => sid(100 + i));
    drsMock.on(DescribeRecoverySnapshotsCommand).callsFake((request: { sourceServerID: string }) => ({
      items: [snap(1, request.sourceServerID, RUN_START - MINUTE)],
    }));
    let n = 0;
    drsMock.on(StartRecoveryCommand).callsFake(() => ({ job: { jobID: jid(++n) } }));
    const { deps } = makeDeps();
    const out = await restoreRecoveryPoint(deps, {
      runId: 'run-1',
      wave: 'web',
      sourceServerIDs: ids,
      before: RUN_START,
    });
    expect(out.jobIds).toEqual([jid(1), jid(2)]);
    expect(out.restored).toHaveLength(201);
    const sizes = drsMock
      .commandCalls(StartRecoveryCommand)
      .map((c) => c.args[0].input.sourceServers?.length);
    expect(sizes).toEqual([200, 1]);
  });

  describe.each(DRS_ERROR_TABLE)(
    'StartRecovery on $label',
    ({ make, kind, retryable, retryAfterMs, cause }) => {
      it('returns the typed failure and sends StartRecovery once', async () => {
        drsMock.on(DescribeRecoverySnapshotsCommand).resolves({ items: [snap(1, S1, RUN_START - MINUTE)] });
        drsMock.on(StartRecoveryCommand).rejects(make());
        const { deps } = makeDeps();
        const out = await restoreRecoveryPoint(deps, {
          runId: 'run-1',
          wave: 'web',
          sourceServerIDs: [S1],
          before: RUN_START,
        });
        expect(out.jobIds).toEqual([]);
        expect(out.restored).toEqual([]);
        expect(out.failure).toMatchObject({ kind, retryable, operation: 'StartRecovery', server: S1 });
        expect(out.failure?.retryAfterMs).toBe(retryAfterMs);
        expect(out.failure?.message).toMatch(new RegExp(`^StartRecovery for ${S1} failed: `));
        expect(out.failure?.message).toMatch(cause);
        if (kind === 'access-denied') expect(out.failure?.iamAction).toBe('drs:StartRecovery');
        expect(drsMock).toHaveReceivedCommandTimes(StartRecoveryCommand, 1);
      });
    },
  );
});
