// The event log of a run on Step Functions, in the run table: the same events as the CLI's `--json`
// stream, one item per event under `event#<seq>`. `seq` is drawn from a counter in the run record
// (an atomic ADD), so the step, actor and approval Lambdas, which run one after the other, append
// in the order things happened. A retried step (same execution, same history count) rewrites the
// same seqs instead of appending twice; a retried activity appends again, since its calls were real.
import { createHash } from 'node:crypto';
import {
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandOutput,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { MAX_PAGES } from '../aws/paginate.js';
import type { RunEvent, RunEventBody } from '../events.js';
import {
  decodeDocument,
  EVENT_PREFIX,
  encodeDocument,
  eventSk,
  type Item,
  partOwner,
  RUN_SK,
  type RunTableDeps,
  runPk,
  writeSk,
} from './run-table.js';

/** An event as its emitter saw it: the body and when it happened. */
export interface TimedEvent {
  body: RunEventBody;
  at: number;
}

/** BatchWriteItem takes at most 25 items. */
const BATCH = 25;
const UNPROCESSED_ATTEMPTS = 8;

/** Puts items in batches, retrying what DynamoDB left unprocessed (throttling) with backoff. */
export async function writeItems(deps: RunTableDeps, items: readonly Item[]): Promise<void> {
  for (let i = 0; i < items.length; i += BATCH) {
    let requests = items.slice(i, i + BATCH).map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt === UNPROCESSED_ATTEMPTS)
        throw new Error(`DynamoDB left ${requests.length} event items unprocessed ${attempt} times`);
      if (attempt > 0)
        await new Promise((resolve) => deps.clock.setTimeout(() => resolve(undefined), 50 * 2 ** attempt));
      const out = await deps.ddb.send(
        new BatchWriteItemCommand({ RequestItems: { [deps.table]: requests } }),
      );
      requests = (out.UnprocessedItems?.[deps.table] ?? []).flatMap((r) =>
        r.PutRequest?.Item ? [{ PutRequest: { Item: r.PutRequest.Item } }] : [],
      );
    }
  }
}

/**
 * Reserves `count` seqs of the run's log and `transitions` numbers of its transition counter (the
 * sequence numbers of its notifications, as the CLI's announcer counts them); returns the first of each.
 */
async function reserveSeqs(
  deps: RunTableDeps,
  runId: string,
  count: number,
  transitions = 0,
): Promise<{ first: number; firstTransition: number }> {
  const out = await deps.ddb.send(
    new UpdateItemCommand({
      TableName: deps.table,
      Key: { pk: { S: runPk(runId) }, sk: { S: RUN_SK } },
      UpdateExpression:
        transitions > 0 ? 'ADD lastSeq :count, transitions :transitions' : 'ADD lastSeq :count',
      ExpressionAttributeValues: {
        ':count': { N: String(count) },
        ...(transitions > 0 ? { ':transitions': { N: String(transitions) } } : {}),
      },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  const last = Number(out.Attributes?.lastSeq?.N);
  if (!Number.isInteger(last)) throw new Error(`run ${runId}: the event counter returned no number`);
  const lastTransition = Number(out.Attributes?.transitions?.N ?? '0');
  return { first: last - count + 1, firstTransition: lastTransition - transitions + 1 };
}

interface Placement {
  first: number;
  /** The first transition number of the step's `state` events. */
  firstTransition: number;
  at: number;
}

/** Where a step's events went the first time it ran, or null on its first attempt. */
async function placed(deps: RunTableDeps, runId: string, sk: string): Promise<Placement | null> {
  const out = await deps.ddb.send(
    new GetItemCommand({
      TableName: deps.table,
      Key: { pk: { S: runPk(runId) }, sk: { S: sk } },
      ConsistentRead: true,
    }),
  );
  const first = Number(out.Item?.first?.N);
  const at = Number(out.Item?.at?.N);
  const firstTransition = Number(out.Item?.firstTransition?.N ?? '1');
  return Number.isInteger(first) && Number.isFinite(at) ? { first, firstTransition, at } : null;
}

const writeSkOf = (writeKey: string) => writeSk(createHash('sha256').update(writeKey).digest('hex'));

/** Whether events were appended under `writeKey` already (a retried step: its notifications went out). */
export async function placedBefore(deps: RunTableDeps, runId: string, writeKey: string): Promise<boolean> {
  return (await placed(deps, runId, writeSkOf(writeKey))) !== null;
}

/** Seqs for a step's events: those of its earlier attempt, else new ones, recorded under its key. */
async function placement(
  deps: RunTableDeps,
  runId: string,
  count: number,
  transitions: number,
  writeKey: string,
): Promise<Placement> {
  const sk = writeSkOf(writeKey);
  const earlier = await placed(deps, runId, sk);
  if (earlier) return earlier;
  const fresh = { ...(await reserveSeqs(deps, runId, count, transitions)), at: deps.clock.now() };
  try {
    await deps.ddb.send(
      new PutItemCommand({
        TableName: deps.table,
        Item: {
          pk: { S: runPk(runId) },
          sk: { S: sk },
          first: { N: String(fresh.first) },
          firstTransition: { N: String(fresh.firstTransition) },
          count: { N: String(count) },
          at: { N: String(fresh.at) },
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return fresh;
  } catch (error) {
    // Two attempts at once: the other placed them first (the seqs reserved here stay unused).
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const other = await placed(deps, runId, sk);
    if (!other) throw error;
    return other;
  }
}

/** Events appended to the run's log: stamped, and the transition number of the first `state` event. */
export interface PlacedEvents {
  events: RunEvent[];
  firstTransition: number;
}

/**
 * Appends events to the run's log and returns them stamped. With `writeKey` (a step: its
 * execution and history count) a retry lands on the same seqs with the same times.
 */
export async function appendEvents(
  deps: RunTableDeps,
  runId: string,
  events: readonly TimedEvent[],
  writeKey?: string,
): Promise<RunEvent[]> {
  return (await placeEvents(deps, runId, events, writeKey)).events;
}

/**
 * `appendEvents`, also numbering the run's transitions: each `state` event takes the next number
 * of the run's transition counter (a retried step its earlier numbers), the `seq` of its notification.
 */
export async function placeEvents(
  deps: RunTableDeps,
  runId: string,
  events: readonly TimedEvent[],
  writeKey?: string,
): Promise<PlacedEvents> {
  if (events.length === 0) return { events: [], firstTransition: 0 };
  const transitions = events.filter((e) => e.body.type === 'state').length;
  const where =
    writeKey === undefined
      ? { ...(await reserveSeqs(deps, runId, events.length, transitions)), at: null }
      : await placement(deps, runId, events.length, transitions, writeKey);
  const stamped = events.map(
    (e, i) =>
      ({
        ...e.body,
        at: new Date(where.at ?? e.at).toISOString(),
        runId,
        seq: where.first + i,
      }) as RunEvent,
  );
  const items = stamped.flatMap((event) => {
    const pk = runPk(runId);
    const sk = eventSk(event.seq);
    const { attributes, parts } = encodeDocument(pk, sk, event);
    return [{ pk: { S: pk }, sk: { S: sk }, ...attributes }, ...parts];
  });
  await writeItems(deps, items);
  return { events: stamped, firstTransition: where.firstTransition };
}

/** The run's event log in seq order (from `afterSeq` on), every page read. */
export async function readEvents(deps: RunTableDeps, runId: string, afterSeq = 0): Promise<RunEvent[]> {
  const items: Item[] = [];
  let start: QueryCommandOutput['LastEvaluatedKey'];
  for (let page = 0; page < MAX_PAGES; page++) {
    const out: QueryCommandOutput = await deps.ddb.send(
      new QueryCommand({
        TableName: deps.table,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: {
          ':pk': { S: runPk(runId) },
          ':from': { S: eventSk(afterSeq + 1) },
          // After every event key: `event#` followed by a character above the digits and `#`.
          ':to': { S: `${EVENT_PREFIX}~` },
        },
        ConsistentRead: true,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
    if (!start) break;
    if (page === MAX_PAGES - 1)
      throw new Error(`run ${runId}: the event log has more than ${MAX_PAGES} pages`);
  }
  const parts = new Map<string, Item>();
  for (const item of items) if (partOwner(item.sk?.S ?? '') !== null) parts.set(item.sk?.S ?? '', item);
  return items
    .filter((item) => partOwner(item.sk?.S ?? '') === null)
    .map((item) => decodeDocument(item, parts) as RunEvent);
}
