import {
  DisconnectRecoveryInstanceCommand,
  DrsClient,
  TerminateRecoveryInstancesCommand,
} from '@aws-sdk/client-drs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup } from '../../src/actors/cleanup.js';
import {
  DRS_ERROR_TABLE,
  expectNothingSent,
  jid,
  makeRegionalDeps,
  mockOriginRegion,
  NOW,
  type OriginMocks,
  restoreOriginRegion,
  rid,
} from './helpers.js';

const drsMock = mockClient(DrsClient);
let origin: OriginMocks;
const base = { runId: 'run-1', wave: 'app' };

beforeEach(() => {
  origin = mockOriginRegion();
  drsMock.reset();
});
afterEach(() => restoreOriginRegion(origin));

describe('cleanup', () => {
  it('terminates the old recovery instances in the DR region, 200 per call', async () => {
    let n = 0;
    drsMock.on(TerminateRecoveryInstancesCommand).callsFake(() => ({ job: { jobID: jid(++n) } }));
    const ids = Array.from({ length: 250 }, (_, i) => rid(i + 1));
    const { deps } = makeRegionalDeps(origin.clients);
    const out = await cleanup(deps, { ...base, recoveryInstanceIDs: [...ids, rid(1)] });
    expect(out).toEqual({ now: NOW, jobIds: [jid(1), jid(2)], terminated: ids, failures: [] });
    expect(drsMock).toHaveReceivedCommandTimes(TerminateRecoveryInstancesCommand, 2);
    expect(drsMock).toHaveReceivedNthCommandWith(TerminateRecoveryInstancesCommand, 1, {
      recoveryInstanceIDs: ids.slice(0, 200),
    });
    expect(drsMock).toHaveReceivedNthCommandWith(TerminateRecoveryInstancesCommand, 2, {
      recoveryInstanceIDs: ids.slice(200),
    });
    expectNothingSent(origin.drs);
  });

  it('disconnect: DisconnectRecoveryInstance once per instance, never a termination; stops at the first failure', async () => {
    drsMock.on(DisconnectRecoveryInstanceCommand).resolves({});
    const { deps } = makeRegionalDeps(origin.clients);
    const out = await cleanup(deps, {
      ...base,
      recoveryInstanceIDs: [rid(1), rid(2), rid(1)],
      mode: 'disconnect',
    });
    expect(out).toEqual({
      now: NOW,
      jobIds: [],
      terminated: [],
      disconnected: [rid(1), rid(2)],
      failures: [],
    });
    expect(drsMock).toHaveReceivedCommandTimes(DisconnectRecoveryInstanceCommand, 2);
    expect(drsMock).not.toHaveReceivedCommand(TerminateRecoveryInstancesCommand);

    drsMock.reset();
    drsMock
      .on(DisconnectRecoveryInstanceCommand)
      .rejectsOnce(DRS_ERROR_TABLE[0]?.make() ?? new Error('x'))
      .resolves({});
    const failed = await cleanup(deps, {
      ...base,
      recoveryInstanceIDs: [rid(1), rid(2)],
      mode: 'disconnect',
    });
    expect(failed.disconnected).toEqual([]);
    expect(failed.failures).toHaveLength(1);
    expect(drsMock).toHaveReceivedCommandTimes(DisconnectRecoveryInstanceCommand, 1);
  });

  it('sends nothing for nothing', async () => {
    const { deps } = makeRegionalDeps(origin.clients);
    expect(await cleanup(deps, { ...base, recoveryInstanceIDs: [] })).toEqual({
      now: NOW,
      jobIds: [],
      terminated: [],
      failures: [],
    });
    expectNothingSent(drsMock);
  });

  it('validates every id before terminating anything', async () => {
    const ids = [...Array.from({ length: 210 }, (_, i) => rid(i + 1)), 's-00000000000000001'];
    const { deps } = makeRegionalDeps(origin.clients);
    const out = await cleanup(deps, { ...base, recoveryInstanceIDs: ids });
    expect(out.jobIds).toEqual([]);
    expect(out.terminated).toEqual([]);
    expect(out.failures).toHaveLength(1);
    expect(out.failures[0]).toMatchObject({
      kind: 'validation',
      retryable: false,
      operation: 'TerminateRecoveryInstances',
    });
    expect(out.failures[0]?.message).toMatch(/'s-00000000000000001' does not match/);
    expectNothingSent(drsMock);
  });

  it('reports a terminate without a job as a non-retryable failure', async () => {
    drsMock.on(TerminateRecoveryInstancesCommand).resolves({});
    const { deps } = makeRegionalDeps(origin.clients);
    const out = await cleanup(deps, { ...base, recoveryInstanceIDs: [rid(1)] });
    expect(out.failures[0]).toMatchObject({ retryable: false, operation: 'TerminateRecoveryInstances' });
    expect(out.terminated).toEqual([]);
  });

  describe.each(DRS_ERROR_TABLE)('TerminateRecoveryInstances rejected with $label', (row) => {
    it('records the typed failure and sends no further batch', async () => {
      drsMock
        .on(TerminateRecoveryInstancesCommand)
        .resolvesOnce({ job: { jobID: jid(1) } })
        .rejectsOnce(row.make())
        .resolves({ job: { jobID: jid(3) } });
      const ids = Array.from({ length: 450 }, (_, i) => rid(i + 1));
      const { deps } = makeRegionalDeps(origin.clients);
      const out = await cleanup(deps, { ...base, recoveryInstanceIDs: ids });
      expect(out.jobIds).toEqual([jid(1)]);
      expect(out.terminated).toEqual(ids.slice(0, 200));
      expect(out.failures).toHaveLength(1);
      const [failure] = out.failures;
      expect(failure).toMatchObject({
        kind: row.kind,
        name: row.label,
        operation: 'TerminateRecoveryInstances',
        retryable: row.retryable,
      });
      expect(failure?.server).toMatch(new RegExp(`^${rid(201)}, ${rid(202)}, ${rid(203)} and 197 more$`));
      expect(failure?.message).toMatch(row.cause);
      if (row.retryAfterMs !== undefined) expect(failure?.retryAfterMs).toBe(row.retryAfterMs);
      if (row.kind === 'access-denied') expect(failure?.iamAction).toBe('drs:TerminateRecoveryInstances');
      else expect(failure?.iamAction).toBeUndefined();
      expect(drsMock).toHaveReceivedCommandTimes(TerminateRecoveryInstancesCommand, 2);
      expectNothingSent(origin.drs);
    });
  });
});
