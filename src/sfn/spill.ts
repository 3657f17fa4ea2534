// Snapshots too large for a state payload (256 KiB per state in Step Functions) are kept in a
// store and travel by reference. Content-addressed, so a retried step writes the same key.
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { type StepRequest, type StepState, type StoredSnapshot, step } from './step.js';

/** A snapshot kept outside the payload. */
export interface SpilledSnapshot {
  spilled: string;
}

export interface SnapshotStore {
  put(key: string, snapshot: StoredSnapshot): Promise<void>;
  get(key: string): Promise<StoredSnapshot>;
}

/** Above this many bytes a snapshot is spilled (the rest of a state stays far below 256 KiB). */
export const DEFAULT_MAX_INLINE_BYTES = 96 * 1024;

type Wire<T> = T extends { snapshot: StoredSnapshot }
  ? Omit<T, 'snapshot'> & { snapshot: StoredSnapshot | SpilledSnapshot }
  : T;
export type WireState = Wire<StepState>;
export type WireRequest = StepRequest extends infer R
  ? R extends { snapshot: StoredSnapshot }
    ? Wire<R>
    : R
  : never;

const isSpilled = (s: StoredSnapshot | SpilledSnapshot): s is SpilledSnapshot => 'spilled' in s;

async function load(store: SnapshotStore, s: StoredSnapshot | SpilledSnapshot): Promise<StoredSnapshot> {
  return isSpilled(s) ? store.get(s.spilled) : s;
}

async function keep(
  store: SnapshotStore,
  s: StoredSnapshot,
  maxInlineBytes: number,
): Promise<StoredSnapshot | SpilledSnapshot> {
  const text = JSON.stringify(s);
  if (Buffer.byteLength(text) <= maxInlineBytes) return s;
  const key = `snapshot#${createHash('sha256').update(text).digest('hex')}`;
  await store.put(key, s);
  return { spilled: key };
}

/** The step Lambda with spilling: loads spilled snapshots, steps, spills large ones again. */
export function createSpillingStep(store: SnapshotStore, maxInlineBytes = DEFAULT_MAX_INLINE_BYTES) {
  return async (request: WireRequest): Promise<WireState> => {
    let resolved: StepRequest;
    if ('execution' in request) {
      const begin = request.execution.begin;
      resolved =
        'resume' in begin
          ? {
              ...request,
              execution: {
                ...request.execution,
                begin: {
                  resume: {
                    ...begin.resume,
                    snapshot: await load(store, begin.resume.snapshot as StoredSnapshot | SpilledSnapshot),
                  },
                },
              },
            }
          : request;
    } else {
      resolved = { ...request, snapshot: await load(store, request.snapshot) } as StepRequest;
    }
    const state = step(resolved);
    // A child execution's continuation carries its snapshot in the command: keep it small too.
    const command =
      state.command.kind === 'execution' && 'resume' in state.command.input
        ? {
            ...state.command,
            input: {
              resume: {
                ...state.command.input.resume,
                snapshot: (await keep(
                  store,
                  state.command.input.resume.snapshot,
                  maxInlineBytes,
                )) as StoredSnapshot,
              },
            },
          }
        : state.command;
    return { ...state, command, snapshot: await keep(store, state.snapshot, maxInlineBytes) };
  };
}

export function createMemorySnapshotStore(): SnapshotStore & { size(): number } {
  const items = new Map<string, string>();
  return {
    async put(key, snapshot) {
      items.set(key, JSON.stringify(snapshot));
    },
    async get(key) {
      const text = items.get(key);
      if (text === undefined) throw new Error(`no spilled snapshot ${key}`);
      return JSON.parse(text) as StoredSnapshot;
    },
    size: () => items.size,
  };
}

/** Spilled snapshots in the run table, gzipped (DynamoDB items stop at 400 KB). */
export function createDynamoSnapshotStore(deps: {
  ddb: Pick<DynamoDBClient, 'send'>;
  table: string;
}): SnapshotStore {
  return {
    async put(key, snapshot) {
      await deps.ddb.send(
        new PutItemCommand({
          TableName: deps.table,
          Item: { pk: { S: key }, sk: { S: 'snapshot' }, body: { B: gzipSync(JSON.stringify(snapshot)) } },
        }),
      );
    },
    async get(key) {
      const out = await deps.ddb.send(
        new GetItemCommand({
          TableName: deps.table,
          Key: { pk: { S: key }, sk: { S: 'snapshot' } },
          ConsistentRead: true,
        }),
      );
      const body = out.Item?.body?.B;
      if (!body) throw new Error(`no spilled snapshot ${key}`);
      return JSON.parse(gunzipSync(body).toString('utf8')) as StoredSnapshot;
    },
  };
}
