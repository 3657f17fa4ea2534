// Documents too large for a state payload (256 KiB per state in Step Functions) are kept in a
// store and travel by reference: snapshots, a child execution's continuation, a machine's output
// (a wave's launch statuses). Content-addressed, so a retried step writes the same key.
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { PART_BYTES } from './run-table.js';
import type { StepRequest, StepState, StoredSnapshot } from './step.js';

/** A document kept outside the payload: `snapshot#<sha256>` or `output#<sha256>`. */
export interface Spilled {
  spilled: string;
}

export interface SnapshotStore {
  put(key: string, document: unknown): Promise<void>;
  get(key: string): Promise<unknown>;
}

/** Above this many bytes a document is spilled (the rest of a state stays far below 256 KiB). */
export const DEFAULT_MAX_INLINE_BYTES = 96 * 1024;

type Wire<T> = T extends { snapshot: StoredSnapshot }
  ? Omit<T, 'snapshot'> & { snapshot: StoredSnapshot | Spilled }
  : T;
export type WireState = Wire<StepState>;
export type WireRequest = StepRequest extends infer R
  ? R extends { snapshot: StoredSnapshot }
    ? Wire<R>
    : R
  : never;

export const isSpilled = (s: unknown): s is Spilled =>
  typeof s === 'object' && s !== null && typeof (s as { spilled?: unknown }).spilled === 'string';

/** The document itself, loaded when it travels by reference. */
export async function load<T>(store: SnapshotStore, s: T | Spilled): Promise<T> {
  return isSpilled(s) ? ((await store.get(s.spilled)) as T) : s;
}

/** The document, or a reference to it in the store when it is larger than `maxInlineBytes`. */
export async function keep<T>(
  store: SnapshotStore,
  kind: 'snapshot' | 'output',
  document: T,
  maxInlineBytes: number,
): Promise<T | Spilled> {
  const text = JSON.stringify(document);
  if (text === undefined || Buffer.byteLength(text) <= maxInlineBytes) return document;
  const key = `${kind}#${createHash('sha256').update(text).digest('hex')}`;
  await store.put(key, document);
  return { spilled: key };
}

/** The request with every spilled document it carries loaded. */
export async function loadRequest(store: SnapshotStore, request: WireRequest): Promise<StepRequest> {
  if ('execution' in request) {
    const begin = request.execution.begin;
    if (!('resume' in begin)) return request;
    const snapshot = await load<StoredSnapshot>(store, begin.resume.snapshot);
    return {
      ...request,
      execution: { ...request.execution, begin: { resume: { ...begin.resume, snapshot } } },
    };
  }
  const snapshot = await load<StoredSnapshot>(store, request.snapshot);
  const { command, outcome } = request;
  // A child execution's output (its machine's output) may have been spilled by its last step.
  if (
    command.kind === 'execution' &&
    !('Error' in outcome) &&
    outcome.kind === 'done' &&
    isSpilled(outcome.output)
  )
    return { ...request, snapshot, outcome: { kind: 'done', output: await load(store, outcome.output) } };
  return { ...request, snapshot } as StepRequest;
}

/** The state with every document too large for a payload spilled. */
export async function keepState(
  store: SnapshotStore,
  state: StepState,
  maxInlineBytes: number,
): Promise<WireState> {
  let command = state.command;
  // A child execution's continuation carries its snapshot in the command: keep it small too.
  if (command.kind === 'execution' && 'resume' in command.input) {
    const resume = command.input.resume;
    const snapshot = (await keep(store, 'snapshot', resume.snapshot, maxInlineBytes)) as StoredSnapshot;
    command = { ...command, input: { resume: { ...resume, snapshot } } };
  }
  // The machine's output leaves as the execution's output and enters its parent's step.
  if (command.kind === 'done')
    command = { ...command, output: await keep(store, 'output', command.output, maxInlineBytes) };
  return { ...state, command, snapshot: await keep(store, 'snapshot', state.snapshot, maxInlineBytes) };
}

export function createMemorySnapshotStore(): SnapshotStore & { size(): number; keys(): string[] } {
  const items = new Map<string, string>();
  return {
    async put(key, document) {
      items.set(key, JSON.stringify(document));
    },
    async get(key) {
      const text = items.get(key);
      if (text === undefined) throw new Error(`no spilled document ${key}`);
      return JSON.parse(text) as unknown;
    },
    size: () => items.size,
    keys: () => [...items.keys()],
  };
}

const partKey = (part: number) => `snapshot#part#${String(part).padStart(4, '0')}`;

/**
 * Spilled documents in the run table, gzipped. DynamoDB items stop at 400 KB: above `partBytes` of
 * gzip (default PART_BYTES, about 350 KiB) a document is split into parts, each its own item under
 * the document's key (`snapshot#part#0001`, ...), written before the item that names their count,
 * so a reader finds either nothing or every part. Read back whole. Keys are content hashes: a
 * document is never rewritten with other content, so parts never mix.
 */
export function createDynamoSnapshotStore(deps: {
  ddb: Pick<DynamoDBClient, 'send'>;
  table: string;
  /** Bytes of gzip per item (a test forces a small one). */
  partBytes?: number;
}): SnapshotStore {
  const partBytes = deps.partBytes ?? PART_BYTES;
  const putItem = (Item: Record<string, AttributeValue>) =>
    deps.ddb.send(new PutItemCommand({ TableName: deps.table, Item }));
  const getItem = async (key: string, sk: string) =>
    (
      await deps.ddb.send(
        new GetItemCommand({
          TableName: deps.table,
          Key: { pk: { S: key }, sk: { S: sk } },
          ConsistentRead: true,
        }),
      )
    ).Item;
  return {
    async put(key, document) {
      const gz = gzipSync(JSON.stringify(document));
      const chunks: Uint8Array[] = [];
      for (let at = 0; at < gz.length; at += partBytes) chunks.push(gz.subarray(at, at + partBytes));
      const [first = new Uint8Array(), ...rest] = chunks;
      for (const [i, chunk] of rest.entries())
        await putItem({ pk: { S: key }, sk: { S: partKey(i + 1) }, body: { B: chunk } });
      await putItem({
        pk: { S: key },
        sk: { S: 'snapshot' },
        body: { B: first },
        ...(rest.length > 0 ? { parts: { N: String(chunks.length) } } : {}),
      });
    },
    async get(key) {
      const item = await getItem(key, 'snapshot');
      const body = item?.body?.B;
      if (!body) throw new Error(`no spilled document ${key}`);
      const chunks = [body];
      const count = Number(item?.parts?.N ?? '1');
      for (let i = 1; i < count; i++) {
        const part = (await getItem(key, partKey(i)))?.body?.B;
        if (!part) throw new Error(`part ${i} of ${count} of spilled document ${key} is missing`);
        chunks.push(part);
      }
      return JSON.parse(gunzipSync(Buffer.concat(chunks)).toString('utf8')) as unknown;
    },
  };
}
