// The wait registry in the run table, against the DynamoDB SDK mock: an in-memory table that
// applies the registry's update expressions and honours its conditions.
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  type PutItemCommandInput,
  QueryCommand,
  type QueryCommandInput,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { createDynamoWaitRegistry } from '../../src/sfn/wait-registry.js';
import { createWaker, type WaitTarget } from '../../src/sfn/waker.js';

type Item = Record<string, AttributeValue>;

function fakeTable() {
  const items = new Map<string, Item>();
  const key = (k: Item | undefined) => `${k?.pk?.S}|${k?.sk?.S}`;
  const failed = () =>
    new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
  const ddb = new DynamoDBClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  const mock = mockClient(ddb);
  mock.on(PutItemCommand).callsFake(async (input: PutItemCommandInput) => {
    const k = key(input.Item);
    if (input.ConditionExpression === 'attribute_not_exists(pk)' && items.has(k)) throw failed();
    items.set(k, structuredClone(input.Item ?? {}));
    return {};
  });
  mock.on(DeleteItemCommand).callsFake(async (input: { Key?: Item }) => {
    items.delete(key(input.Key));
    return {};
  });
  mock.on(QueryCommand).callsFake(async (input: QueryCommandInput) => {
    const pk = input.ExpressionAttributeValues?.[':pk']?.S;
    return { Items: [...items.values()].filter((i) => i.pk?.S === pk).map((i) => structuredClone(i)) };
  });
  mock.on(UpdateItemCommand).callsFake(async (input: UpdateItemCommandInput) => {
    const k = key(input.Key);
    const item: Item = items.get(k) ?? { ...(input.Key ?? {}) };
    const values = input.ExpressionAttributeValues ?? {};
    const expr = input.UpdateExpression ?? '';
    if (expr.startsWith('ADD pending :r')) {
      item.pending = { SS: [...new Set([...(item.pending?.SS ?? []), ...(values[':r']?.SS ?? [])])] };
      for (const [attr, ref] of [...expr.matchAll(/(\w+) = (:\w+)/g)].map((m) => [m[1], m[2]] as const)) {
        if (attr && ref && values[ref]) item[attr] = values[ref];
      }
    } else if (expr === 'DELETE pending :r') {
      const one = values[':one']?.S ?? '';
      if (!items.has(k) || !(item.pending?.SS ?? []).includes(one)) throw failed();
      const left = (item.pending?.SS ?? []).filter((r) => !(values[':r']?.SS ?? []).includes(r));
      if (left.length === 0) delete item.pending;
      else item.pending = { SS: left };
    } else throw new Error(`the fake table does not know ${expr}`);
    items.set(k, item);
    return input.ReturnValues === 'ALL_NEW' ? { Attributes: structuredClone(item) } : {};
  });
  return { ddb, items };
}

const registry = (table = fakeTable()) =>
  createDynamoWaitRegistry({ dynamo: table.ddb, table: 'runs', expiresAt: () => 1_800_000_000 });
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
