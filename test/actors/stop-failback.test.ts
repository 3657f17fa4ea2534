import { DrsClient, StopFailbackCommand } from '@aws-sdk/client-drs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { stopFailback } from '../../src/actors/stop-failback.js';
import { DRS_ERROR_TABLE, makeDeps, NOW, rid } from './helpers.js';

const drsMock = mockClient(DrsClient);
beforeEach(() => drsMock.reset());

describe('stopFailback', () => {
  it('stops every recovery instance, one call each', async () => {
    drsMock.on(StopFailbackCommand).resolves({});
    const { deps } = makeDeps();
    const out = await stopFailback(deps, {
      runId: 'run-1',
      wave: 'web',
      recoveryInstanceIDs: [rid(1), rid(2)],
    });
    expect(out).toEqual({ now: NOW, stopped: [rid(1), rid(2)], failures: [] });
    expect(drsMock).toHaveReceivedNthCommandWith(StopFailbackCommand, 1, { recoveryInstanceID: rid(1) });
    expect(drsMock).toHaveReceivedNthCommandWith(StopFailbackCommand, 2, { recoveryInstanceID: rid(2) });
  });

  it('keeps going after a failure and records it', async () => {
    const conflict = DRS_ERROR_TABLE.find((c) => c.label === 'ConflictException');
    drsMock.on(StopFailbackCommand, { recoveryInstanceID: rid(1) }).rejects(conflict?.make());
    drsMock.on(StopFailbackCommand, { recoveryInstanceID: rid(2) }).resolves({});
    const { deps } = makeDeps();
    const out = await stopFailback(deps, {
      runId: 'run-1',
      wave: 'web',
      recoveryInstanceIDs: [rid(1), rid(2)],
    });
    expect(out.stopped).toEqual([rid(2)]);
    expect(out.failures).toEqual([expect.objectContaining({ kind: 'conflict', server: rid(1) })]);
  });

  it('refuses a malformed id without sending it, and stops the others', async () => {
    drsMock.on(StopFailbackCommand).resolves({});
    const { deps } = makeDeps();
    const out = await stopFailback(deps, {
      runId: 'run-1',
      wave: 'web',
      recoveryInstanceIDs: ['bogus', rid(2)],
    });
    expect(out.stopped).toEqual([rid(2)]);
    expect(out.failures).toEqual([
      expect.objectContaining({ kind: 'validation', operation: 'StopFailback', server: 'bogus' }),
    ]);
    expect(drsMock).toHaveReceivedCommandTimes(StopFailbackCommand, 1);
  });

  describe.each(DRS_ERROR_TABLE)('on $label', ({ make, kind, retryable, retryAfterMs, cause }) => {
    it('records the typed failure instead of throwing', async () => {
      drsMock.on(StopFailbackCommand).rejects(make());
      const { deps } = makeDeps();
      const out = await stopFailback(deps, { runId: 'run-1', wave: 'web', recoveryInstanceIDs: [rid(3)] });
      expect(out.stopped).toEqual([]);
      expect(out.failures).toHaveLength(1);
      const [failure] = out.failures;
      expect(failure).toMatchObject({ kind, retryable, operation: 'StopFailback', server: rid(3) });
      expect(failure?.retryAfterMs).toBe(retryAfterMs);
      expect(failure?.message).toMatch(new RegExp(`^StopFailback for ${rid(3)} failed: `));
      expect(failure?.message).toMatch(cause);
      if (kind === 'access-denied') expect(failure?.iamAction).toBe('drs:StopFailback');
      expect(drsMock).toHaveReceivedCommandTimes(StopFailbackCommand, 1);
    });
  });
});
