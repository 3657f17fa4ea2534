// A DynamoDB table in memory that answers the run table's requests (src/sfn/run-table.ts and its
// users) as DynamoDB documents them, for the expressions those modules send and nothing more: an
// expression it does not know fails the test instead of being guessed at.
import {
  type AttributeValue,
  BatchWriteItemCommand,
  type BatchWriteItemCommandInput,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  type GetItemCommandInput,
  PutItemCommand,
  type PutItemCommandInput,
  QueryCommand,
  type QueryCommandInput,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { AwsClientStub } from 'aws-sdk-client-mock';

type Item = Record<string, AttributeValue>;
type Values = Record<string, AttributeValue> | undefined;
type Names = Record<string, string> | undefined;

const keyOf = (item: Item) => `${item.pk?.S}\u0000${item.sk?.S}`;
const name = (token: string, names: Names) => (token.startsWith('#') ? (names?.[token] ?? token) : token);
const value = (token: string, values: Values): AttributeValue => {
  const v = values?.[token.trim()];
  if (!v) throw new Error(`fake run table: no value ${token}`);
  return v;
};
const same = (a: AttributeValue | undefined, b: AttributeValue) => JSON.stringify(a) === JSON.stringify(b);

function holds(item: Item | undefined, condition: string | undefined, names: Names, values: Values): boolean {
  if (condition === undefined) return true;
  if (condition === 'attribute_not_exists(pk)') return item === undefined;
  if (condition === 'attribute_exists(pk)') return item !== undefined;
  const exists = /^attribute_exists\((#?\w+)\)$/.exec(condition);
  if (exists?.[1]) return item?.[name(exists[1], names)] !== undefined;
  const absent = /^attribute_not_exists\((#?\w+)\)$/.exec(condition);
  if (absent?.[1]) return item?.[name(absent[1], names)] === undefined;
  const contains = /^contains\((#?\w+), (:\w+)\)$/.exec(condition);
  if (contains?.[1] && contains[2]) {
    const member = value(contains[2], values).S ?? '';
    return (item?.[name(contains[1], names)]?.SS ?? []).includes(member);
  }
  const eq = /^(#?\w+) = (:\w+)$/.exec(condition);
  if (eq?.[1] && eq[2]) return same(item?.[name(eq[1], names)], value(eq[2], values));
  throw new Error(`fake run table: condition ${condition}`);
}

function update(item: Item, expression: string, names: Names, values: Values): Item {
  const next = { ...item };
  // Sections in any order: `ADD a :x, b :y`, `DELETE s :x` (string sets and numbers), `SET ...`.
  const sections = expression.split(/\s(?=(?:ADD|DELETE|SET) )/);
  for (const section of sections.filter((t) => !t.startsWith('SET '))) {
    const head = /^(ADD|DELETE) (.+)$/.exec(section);
    if (!head?.[2]) throw new Error(`fake run table: update ${expression}`);
    for (const clause of head[2].split(/,\s*/)) {
      const op = /^(#?\w+) (:\w+)$/.exec(clause.trim());
      if (!op?.[1] || !op[2]) throw new Error(`fake run table: update ${expression}`);
      const attr = name(op[1], names);
      const operand = value(op[2], values);
      if (operand.SS) {
        const current = next[attr]?.SS ?? [];
        const members =
          head[1] === 'ADD'
            ? [...new Set([...current, ...operand.SS])]
            : current.filter((m) => !operand.SS?.includes(m));
        // DynamoDB removes a set emptied by DELETE.
        if (members.length === 0) delete next[attr];
        else next[attr] = { SS: members };
      } else if (head[1] === 'ADD') {
        next[attr] = { N: String(Number(next[attr]?.N ?? '0') + Number(operand.N)) };
      } else throw new Error(`fake run table: update ${expression}`);
    }
  }
  const set = sections.find((t) => t.startsWith('SET '));
  if (set === undefined) return next;
  for (const clause of set.slice(4).split(/,\s*(?![^(]*\))/)) {
    const ifNot = /^(#?\w+) = if_not_exists\((#?\w+), (:\w+)\)$/.exec(clause.trim());
    const plain = /^(#?\w+) = (:\w+)$/.exec(clause.trim());
    if (ifNot?.[1] && ifNot[3]) {
      const target = name(ifNot[1], names);
      if (next[target] === undefined) next[target] = value(ifNot[3], values);
    } else if (plain?.[1] && plain[2]) {
      next[name(plain[1], names)] = value(plain[2], values);
    } else throw new Error(`fake run table: clause ${clause}`);
  }
  return next;
}

export interface FakeRunTable {
  send(command: unknown): Promise<unknown>;
  items(): Item[];
  /** Requests by operation name. */
  calls: Record<string, number>;
}

/** `pageSize`: items per Query page, so readers must follow LastEvaluatedKey. */
export function createFakeRunTable(pageSize = 100): FakeRunTable {
  const items = new Map<string, Item>();
  const calls: Record<string, number> = {};
  const fail = () =>
    new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
  const send = async (command: unknown): Promise<unknown> => {
    const op = (command as { constructor: { name: string } }).constructor.name.replace(/Command$/, '');
    calls[op] = (calls[op] ?? 0) + 1;
    if (command instanceof PutItemCommand) {
      const { Item, ConditionExpression, ExpressionAttributeNames, ExpressionAttributeValues } =
        command.input;
      if (!Item) throw new Error('no Item');
      const current = items.get(keyOf(Item));
      if (!holds(current, ConditionExpression, ExpressionAttributeNames, ExpressionAttributeValues))
        throw fail();
      items.set(keyOf(Item), structuredClone(Item));
      return {};
    }
    if (command instanceof DeleteItemCommand) {
      items.delete(keyOf(command.input.Key ?? {}));
      return {};
    }
    if (command instanceof GetItemCommand) {
      const found = items.get(keyOf(command.input.Key ?? {}));
      return found ? { Item: structuredClone(found) } : {};
    }
    if (command instanceof UpdateItemCommand) {
      const {
        Key,
        UpdateExpression,
        ConditionExpression,
        ExpressionAttributeNames,
        ExpressionAttributeValues,
      } = command.input;
      const k = keyOf(Key ?? {});
      const current = items.get(k);
      if (!holds(current, ConditionExpression, ExpressionAttributeNames, ExpressionAttributeValues))
        throw fail();
      const next = update(
        { ...(Key ?? {}), ...(current ?? {}) },
        UpdateExpression ?? '',
        ExpressionAttributeNames,
        ExpressionAttributeValues,
      );
      items.set(k, next);
      return { Attributes: structuredClone(next) };
    }
    if (command instanceof BatchWriteItemCommand) {
      for (const requests of Object.values(command.input.RequestItems ?? {}))
        for (const r of requests)
          if (r.PutRequest?.Item) items.set(keyOf(r.PutRequest.Item), structuredClone(r.PutRequest.Item));
      return { UnprocessedItems: {} };
    }
    if (command instanceof QueryCommand) {
      const {
        KeyConditionExpression: kc,
        ExpressionAttributeValues: v,
        ExclusiveStartKey,
        FilterExpression,
      } = command.input;
      const pk = value(':pk', v).S;
      const begins = /^pk = :pk AND begins_with\(sk, (:\w+)\)$/.exec(kc ?? '');
      const between = /^pk = :pk AND sk BETWEEN (:\w+) AND (:\w+)$/.exec(kc ?? '');
      const whole = kc === 'pk = :pk';
      if (!begins && !between && !whole) throw new Error(`fake run table: key condition ${kc}`);
      const inRange = (sk: string) =>
        whole ||
        (begins?.[1]
          ? sk.startsWith(value(begins[1], v).S ?? '')
          : between?.[1] && between[2]
            ? sk >= (value(between[1], v).S ?? '') && sk <= (value(between[2], v).S ?? '')
            : false);
      let matching = [...items.values()]
        .filter((i) => i.pk?.S === pk && inRange(i.sk?.S ?? ''))
        .sort((a, b) => ((a.sk?.S ?? '') < (b.sk?.S ?? '') ? -1 : 1));
      if (ExclusiveStartKey)
        matching = matching.filter((i) => (i.sk?.S ?? '') > (ExclusiveStartKey.sk?.S ?? ''));
      const page = matching.slice(0, pageSize);
      const more = matching.length > pageSize;
      const last = page[page.length - 1];
      const filtered = page.filter((i) =>
        holds(i, FilterExpression, command.input.ExpressionAttributeNames, v),
      );
      return {
        Items: structuredClone(filtered),
        ...(more && last ? { LastEvaluatedKey: { pk: last.pk, sk: last.sk } } : {}),
      };
    }
    throw new Error(`fake run table: ${op} is not answered`);
  };
  return { send, items: () => [...items.values()], calls };
}

/** Routes a DynamoDB client mock (aws-sdk-client-mock) to the fake table. */
export function answerFrom(mock: AwsClientStub<DynamoDBClient>, table: FakeRunTable): void {
  mock.on(PutItemCommand).callsFake((input: PutItemCommandInput) => table.send(new PutItemCommand(input)));
  mock.on(GetItemCommand).callsFake((input: GetItemCommandInput) => table.send(new GetItemCommand(input)));
  mock
    .on(UpdateItemCommand)
    .callsFake((input: UpdateItemCommandInput) => table.send(new UpdateItemCommand(input)));
  mock.on(QueryCommand).callsFake((input: QueryCommandInput) => table.send(new QueryCommand(input)));
  mock
    .on(BatchWriteItemCommand)
    .callsFake((input: BatchWriteItemCommandInput) => table.send(new BatchWriteItemCommand(input)));
}
