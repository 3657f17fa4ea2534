// The wait registry in the run table, against the in-memory run table (test/support/fake-run-table.ts),
// which applies the registry's update expressions and honours its conditions as DynamoDB does.
import { BatchWriteItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { createDynamoWaitRegistry } from '../../src/sfn/wait-registry.js';
import { createWaker, type WaitTarget } from '../../src/sfn/waker.js';
import { createFakeRunTable, type FakeRunTable } from '../support/fake-run-table.js';

const registry = (table: Pick<FakeRunTable, 'send'> = createFakeRunTable()) =>
  createDynamoWaitRegistry({
    dynamo: table as unknown as Pick<DynamoDBClient, 'send'>,
    table: 'runs',
    expiresAt: () => 1_800_000_000,
  });
const TARGET: WaitTarget = { runId: 'run-1', wave: 'db', taskToken: 'token-1' };

describe('the wait registry in the run table', () => {
  it('wakes the wave once its last resource reported, with its task token', async () => {
    const r = registry();
    await r.register(TARGET, ['recovery-instance/i-1', 'recovery-instance/i-2']);
    expect(await r.report('recovery-instance/i-1')).toEqual([]);
    expect(await r.report('recovery-instance/i-1')).toEqual([]); // a repeat: nothing
    expect(await r.report('recovery-instance/i-2')).toEqual([TARGET]);
    expect(await r.report('recovery-instance/i-2')).toEqual([]); // the wait is gone
  });

  it('merges a wave launched in two jobs; an unknown resource wakes nothing', async () => {
    const r = registry();
    await r.register(TARGET, ['recovery-instance/i-1']);
    await r.register(TARGET, ['recovery-instance/i-2']);
    expect(await r.report('recovery-instance/i-1')).toEqual([]);
    expect(await r.report('recovery-instance/i-9')).toEqual([]);
    expect(await r.report('recovery-instance/i-2')).toEqual([TARGET]);
  });

  it("stores a waiting Task's token only while something is pending: the waker answers that Task", async () => {
    const r = registry();
    const wave = { runId: 'run-1', wave: 'db' };
    expect(await r.arm({ ...wave, taskToken: 'too-early' })).toBe(false); // nothing registered
    await r.register(wave, ['recovery-instance/i-1']);
    expect(await r.arm({ ...wave, taskToken: 'poll-1' })).toBe(true);
    expect(await r.arm({ ...wave, taskToken: 'poll-2' })).toBe(true); // the next poll's wait
    expect(await r.report('recovery-instance/i-1')).toEqual([{ ...wave, taskToken: 'poll-2' }]);
    expect(await r.arm({ ...wave, taskToken: 'poll-3' })).toBe(false); // woken: the item is gone
  });

  it('registers a 60-server launch in batches of 25, sending again what DynamoDB left unprocessed', async () => {
    const table = createFakeRunTable();
    let batches = 0;
    const flaky = {
      send: async (command: unknown) => {
        if (!(command instanceof BatchWriteItemCommand)) return table.send(command);
        batches += 1;
        const requests = command.input.RequestItems?.runs ?? [];
        expect(requests.length).toBeLessThanOrEqual(25);
        // The first batch: DynamoDB processes all but the last request.
        if (batches === 1) {
          await table.send(new BatchWriteItemCommand({ RequestItems: { runs: requests.slice(0, -1) } }));
          return { UnprocessedItems: { runs: requests.slice(-1) } };
        }
        return table.send(command);
      },
    };
    const r = registry(flaky);
    const resources = Array.from({ length: 60 }, (_, i) => `recovery-instance/i-${i}`);
    await r.register(TARGET, resources);
    expect(batches).toBe(4); // 25 + 1 again + 25 + 10
    for (const resource of resources.slice(0, -1)) expect(await r.report(resource)).toEqual([]);
    expect(await r.report(resources[59] ?? '')).toEqual([TARGET]);
  });

  it('sees an event id once', async () => {
    const r = registry();
    expect(await r.firstSighting('evt-1')).toBe(true);
    expect(await r.firstSighting('evt-1')).toBe(false);
  });

  it('drives the waker: an event per server, one wake with the token', async () => {
    const r = registry();
    const woken: WaitTarget[] = [];
    const waker = createWaker({ registry: r, wake: (t) => void woken.push(t) });
    await r.register(TARGET, ['recovery-instance/i-1', 'recovery-instance/i-2']);
    const event = (id: string, ri: string) => ({
      version: '0' as const,
      id,
      'detail-type': 'DRS Recovery Instance Failback State Change',
      source: 'aws.drs',
      account: '111122223333',
      time: '2026-01-01T00:20:00Z',
      region: 'us-east-1',
      resources: [`arn:aws:drs:us-east-1:111122223333:recovery-instance/${ri}`],
      detail: { state: 'FAILBACK_COMPLETED' },
    });
    await waker(event('e1', 'i-1'));
    await waker(event('e1', 'i-1'));
    expect(woken).toEqual([]);
    await waker(event('e2', 'i-2'));
    expect(woken).toEqual([TARGET]);
  });
});
