import {
  ConflictException,
  DescribeRecoveryInstancesCommand,
  DescribeSourceServersCommand,
  DrsClient,
  ReverseReplicationCommand,
} from '@aws-sdk/client-drs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ReprotectTarget } from '../../machines/types.js';
import { reprotect } from '../../src/actors/reprotect.js';
import {
  DRS_ERROR_TABLE,
  expectNothingSent,
  makeRegionalDeps,
  mockOriginRegion,
  NOW,
  ORIGIN_REGION,
  type OriginMocks,
  restoreOriginRegion,
  rid,
  sid,
  sourceServerArn,
} from './helpers.js';

const drsMock = mockClient(DrsClient);
let origin: OriginMocks;

const target = (n: number, over: Partial<ReprotectTarget> = {}): ReprotectTarget => ({
  sourceServerID: sid(n),
  originRegion: ORIGIN_REGION,
  recoveryInstanceID: rid(200 + n),
  ...over,
});
// Re-protected: a source server in the DR region replicates the new primary again.
const DR_ARN = (n: number) => sourceServerArn(sid(n), 'eu-west-1');
const base = { runId: 'run-1', wave: 'app' };

beforeEach(() => {
  origin = mockOriginRegion();
  drsMock.reset();
});
afterEach(() => restoreOriginRegion(origin));

describe('reprotect', () => {
  it('reverses replication of each new primary in its origin region and collects the ARNs', async () => {
    origin.drs.on(ReverseReplicationCommand).callsFake((req: { recoveryInstanceID: string }) => ({
      reversedDirectionSourceServerArn: DR_ARN(Number.parseInt(req.recoveryInstanceID.slice(2), 16) - 200),
    }));
    const { deps } = makeRegionalDeps(origin.clients);
    const out = await reprotect(deps, { ...base, servers: [target(1), target(2)] });
    expect(out).toEqual({
      now: NOW,
      reversed: [
        { sourceServerID: sid(1), reversedDirectionSourceServerArn: DR_ARN(1) },
        { sourceServerID: sid(2), reversedDirectionSourceServerArn: DR_ARN(2) },
      ],
      failures: [],
    });
    expect(origin.drs).toHaveReceivedCommandTimes(ReverseReplicationCommand, 2);
    expect(origin.drs).toHaveReceivedNthCommandWith(ReverseReplicationCommand, 1, {
      recoveryInstanceID: rid(201),
    });
    expect(origin.drs).toHaveReceivedNthCommandWith(ReverseReplicationCommand, 2, {
      recoveryInstanceID: rid(202),
    });
    expectNothingSent(drsMock);
  });

  it('treats a conflict as done when the re-read shows the reversal exists', async () => {
    origin.drs
      .on(ReverseReplicationCommand)
      .rejects(new ConflictException({ message: 'already reversed', $metadata: { httpStatusCode: 409 } }));
    origin.drs.on(DescribeRecoveryInstancesCommand).resolves({
      items: [{ recoveryInstanceID: rid(201), sourceServerID: sid(9001) }],
    });
    origin.drs.on(DescribeSourceServersCommand).resolves({
      items: [{ sourceServerID: sid(9001), reversedDirectionSourceServerArn: DR_ARN(1) }],
    });
    const { deps } = makeRegionalDeps(origin.clients);
    const out = await reprotect(deps, { ...base, servers: [target(1)] });
    expect(out.failures).toEqual([]);
    expect(out.reversed).toEqual([{ sourceServerID: sid(1), reversedDirectionSourceServerArn: DR_ARN(1) }]);
    expect(origin.drs).toHaveReceivedCommandWith(DescribeRecoveryInstancesCommand, {
      filters: { recoveryInstanceIDs: [rid(201)] },
    });
    expect(origin.drs).toHaveReceivedCommandWith(DescribeSourceServersCommand, {
      filters: { sourceServerIDs: [sid(9001)] },
    });
    expect(origin.drs).toHaveReceivedCommandTimes(ReverseReplicationCommand, 1);
  });

  it('keeps the conflict when the re-read shows no reversal (or fails)', async () => {
    origin.drs
      .on(ReverseReplicationCommand)
      .rejects(new ConflictException({ message: 'busy', $metadata: { httpStatusCode: 409 } }));
    origin.drs.on(DescribeRecoveryInstancesCommand).resolves({
      items: [{ recoveryInstanceID: rid(201), sourceServerID: sid(9001) }],
    });
    origin.drs
      .on(DescribeSourceServersCommand)
      .resolvesOnce({ items: [{ sourceServerID: sid(9001) }] })
      .rejects(new Error('network down'));
    const { deps } = makeRegionalDeps(origin.clients);
    const out = await reprotect(deps, { ...base, servers: [target(1), target(2)] });
    expect(out.reversed).toEqual([]);
    expect(out.failures.map((f) => [f.server, f.kind])).toEqual([
      [sid(1), 'conflict'],
      [sid(2), 'conflict'],
    ]);
  });

  it('reports an answer without an ARN as a non-retryable failure', async () => {
    origin.drs.on(ReverseReplicationCommand).resolves({});
    const { deps } = makeRegionalDeps(origin.clients);
    const out = await reprotect(deps, { ...base, servers: [target(1)] });
    expect(out.reversed).toEqual([]);
    expect(out.failures[0]).toMatchObject({
      operation: 'ReverseReplication',
      retryable: false,
      server: sid(1),
    });
    expect(out.failures[0]?.message).toMatch(/no reversedDirectionSourceServerArn/);
  });

  it.each([
    [
      { recoveryInstanceID: 's-00000000000000001' },
      /recoveryInstanceID value 's-00000000000000001' does not match/,
    ],
    [{ originRegion: '' }, /origin region '' of/],
  ])('refuses %o without sending it, and still re-protects the others', async (over, message) => {
    origin.drs.on(ReverseReplicationCommand).resolves({ reversedDirectionSourceServerArn: DR_ARN(2) });
    const { deps } = makeRegionalDeps(origin.clients);
    const out = await reprotect(deps, { ...base, servers: [target(1, over), target(2)] });
    expect(out.failures).toHaveLength(1);
    expect(out.failures[0]).toMatchObject({
      kind: 'validation',
      server: sid(1),
      operation: 'ReverseReplication',
    });
    expect(out.failures[0]?.message).toMatch(message);
    expect(out.reversed.map((r) => r.sourceServerID)).toEqual([sid(2)]);
    expect(origin.drs).toHaveReceivedCommandTimes(ReverseReplicationCommand, 1);
  });

  describe.each(DRS_ERROR_TABLE)('ReverseReplication rejected with $label', (row) => {
    it('records the typed failure, naming the region, and goes on with the next server', async () => {
      origin.drs
        .on(ReverseReplicationCommand)
        .rejectsOnce(row.make())
        .resolves({ reversedDirectionSourceServerArn: DR_ARN(2) });
      // A conflict is re-read; here the re-read finds no reversal, so the conflict stands.
      origin.drs.on(DescribeRecoveryInstancesCommand).resolves({ items: [] });
      const { deps } = makeRegionalDeps(origin.clients);
      const out = await reprotect(deps, { ...base, servers: [target(1), target(2)] });
      expect(out.failures).toHaveLength(1);
      const [failure] = out.failures;
      expect(failure).toMatchObject({
        kind: row.kind,
        name: row.label,
        operation: 'ReverseReplication',
        server: sid(1),
        retryable: row.retryable,
      });
      expect(failure?.message).toMatch(
        new RegExp(`^ReverseReplication in ${ORIGIN_REGION} for ${sid(1)} failed`),
      );
      expect(failure?.message).toMatch(row.cause);
      if (row.retryAfterMs !== undefined) expect(failure?.retryAfterMs).toBe(row.retryAfterMs);
      if (row.kind === 'access-denied') expect(failure?.iamAction).toBe('drs:ReverseReplication');
      else expect(failure?.iamAction).toBeUndefined();
      expect(out.reversed).toEqual([{ sourceServerID: sid(2), reversedDirectionSourceServerArn: DR_ARN(2) }]);
      // Never a second ReverseReplication for the same server.
      expect(origin.drs).toHaveReceivedCommandTimes(ReverseReplicationCommand, 2);
      expectNothingSent(drsMock);
    });
  });
});
