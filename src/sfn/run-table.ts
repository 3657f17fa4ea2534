// The run table of the Step Functions engine (DynamoDB): the keys of every item, and documents
// stored whole whatever their size (an item stops at 400 KB). One partition per run: `pk` is
// `run#<run id>`, so one Query reads a run's record, approvals or event log in `sk` order.
//
//   sk `run`                   the run record: engine, execution, plan, the event counter, an abort
//   sk `run#part#<k>`          the rest of a large plan document (gzip, in parts)
//   sk `event#<seq:10>`        one event of the log, `seq` zero-padded so string order is seq order
//   sk `event#<seq:10>#part#<k:4>` the rest of a large event (gzip, in parts)
//   sk `write#<sha256>`        which seqs a step's events got: a retried step rewrites the same ones
//   sk `approval#<wave:4>#<state>` a pending approval and its task token (src/sfn/approvals.ts)
// Spilled snapshots and wave outputs live under their own content hash (`snapshot#`, `output#`).
import { gunzipSync, gzipSync } from 'node:zlib';
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Clock } from '../clock.js';

export interface RunTableDeps {
  ddb: Pick<DynamoDBClient, 'send'>;
  table: string;
  clock: Clock;
}

export type Item = Record<string, AttributeValue>;

export const runPk = (runId: string) => `run#${runId}`;
export const RUN_SK = 'run';
export const EVENT_PREFIX = 'event#';
export const eventSk = (seq: number) => `${EVENT_PREFIX}${String(seq).padStart(10, '0')}`;
export const writeSk = (hash: string) => `write#${hash}`;
const partSk = (sk: string, part: number) => `${sk}#part#${String(part).padStart(4, '0')}`;

/** A document stored as text up to this size; above it gzipped. */
export const INLINE_TEXT_BYTES = 64 * 1024;
/** Bytes of gzip per item, well under DynamoDB's 400 KB item limit (keys and attributes included). */
export const PART_BYTES = 350 * 1024;

/** A document as the attributes of its item, and the items holding the rest when it is large. */
export function encodeDocument(
  pk: string,
  sk: string,
  document: unknown,
): { attributes: Item; parts: Item[] } {
  const text = JSON.stringify(document);
  if (Buffer.byteLength(text) <= INLINE_TEXT_BYTES) return { attributes: { body: { S: text } }, parts: [] };
  const gz = gzipSync(text);
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < gz.length; at += PART_BYTES) chunks.push(gz.subarray(at, at + PART_BYTES));
  return {
    attributes: { gz: { B: chunks[0] ?? new Uint8Array() }, parts: { N: String(chunks.length) } },
    parts: chunks
      .slice(1)
      .map((chunk, i) => ({ pk: { S: pk }, sk: { S: partSk(sk, i + 1) }, gz: { B: chunk } })),
  };
}

/** The document of an item (and its parts, found by key among `others`). */
export function decodeDocument(item: Item, others: ReadonlyMap<string, Item> = new Map()): unknown {
  if (item.body?.S !== undefined) return JSON.parse(item.body.S);
  const first = item.gz?.B;
  if (!first) throw new Error(`item ${item.sk?.S ?? '?'} holds no document`);
  const count = Number(item.parts?.N ?? '1');
  const chunks = [first];
  for (let i = 1; i < count; i++) {
    const key = partSk(item.sk?.S ?? '', i);
    const chunk = others.get(key)?.gz?.B;
    if (!chunk) throw new Error(`part ${key} of a stored document is missing`);
    chunks.push(chunk);
  }
  return JSON.parse(gunzipSync(Buffer.concat(chunks)).toString('utf8'));
}

/** The sort key of the item a part belongs to, or null for an item that is not a part. */
export function partOwner(sk: string): string | null {
  return /^(.*)#part#\d{4}$/.exec(sk)?.[1] ?? null;
}
