// The in-flight quota shared by every execution that acts in one account and region: a
// DynamoDB item per account and region holding who holds how many servers, changed only by
// conditional writes (optimistic: each write names the version it read). A holder's share has a
// lease: a crashed holder (a Lambda that died between acquire and release) stops counting once
// its lease expires, so its share comes back without anyone cleaning up.
// DOCUMENTED (DynamoDB): a PutItem with a ConditionExpression fails with
// ConditionalCheckFailedException when the condition is false, and nothing is written.
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';

export type DynamoSender = Pick<DynamoDBClient, 'send'>;

/** One holder's share: how many servers, until when (epoch ms). */
export interface Lease {
  servers: number;
  expiresAt: number;
}

export interface SemaphoreOptions {
  dynamo: DynamoSender;
  table: string;
  /** The table's key of a quota item (default: the run table's, `pk` = key, `sk` = `quota`). */
  itemKey?: (key: string) => Record<string, AttributeValue>;
  now: () => number;
  /** How long a share counts without being renewed (default 30 minutes: a poll renews it). */
  leaseMs?: number;
  /** Conditional writes lost to another writer before giving up (default 8). */
  maxConflicts?: number;
}

export type AcquireResult =
  | { acquired: true; inFlight: number }
  | { acquired: false; inFlight: number; available: number };

/** The key of the quota item of an account and region. */
export const quotaKey = (accountId: string, region: string): string => `quota#${accountId}#${region}`;

interface QuotaItem {
  version: number;
  holders: Record<string, Lease>;
}

/** Too many writers at once: every conditional write of this call lost. */
export class SemaphoreContentionError extends Error {
  override readonly name = 'SemaphoreContentionError';
}

export interface QuotaSemaphore {
  /**
   * Takes `servers` of `capacity` for `holder` (the run and wave). A holder that already holds a
   * share keeps one share (a retried Task does not count twice), renewed and set to `servers`.
   */
  acquire(key: string, holder: string, servers: number, capacity: number): Promise<AcquireResult>;
  /** Extends the holder's lease (a poll of its jobs); false when it holds nothing. */
  renew(key: string, holder: string): Promise<boolean>;
  /** Gives the holder's share back; nothing to do when it holds none. */
  release(key: string, holder: string): Promise<void>;
  /** The live shares (expired ones left out). */
  read(key: string): Promise<Record<string, Lease>>;
}

export function createQuotaSemaphore(options: SemaphoreOptions): QuotaSemaphore {
  const itemKey = options.itemKey ?? ((key: string) => ({ pk: { S: key }, sk: { S: 'quota' } }));
  const leaseMs = options.leaseMs ?? 30 * 60_000;
  const maxConflicts = options.maxConflicts ?? 8;

  const load = async (key: string): Promise<QuotaItem | null> => {
    const out = await options.dynamo.send(
      new GetItemCommand({ TableName: options.table, Key: itemKey(key), ConsistentRead: true }),
    );
    const item = out.Item;
    if (!item) return null;
    return { version: Number(item.version?.N ?? '0'), holders: JSON.parse(item.holders?.S ?? '{}') };
  };

  /** Writes `holders` as the version after `read`; false when another writer got there first. */
  const store = async (key: string, read: QuotaItem | null, holders: Record<string, Lease>) => {
    const item: Record<string, AttributeValue> = {
      ...itemKey(key),
      version: { N: String((read?.version ?? 0) + 1) },
      holders: { S: JSON.stringify(holders) },
      inFlight: { N: String(total(holders)) },
    };
    try {
      await options.dynamo.send(
        new PutItemCommand({
          TableName: options.table,
          Item: item,
          ...(read === null
            ? {
                ConditionExpression: 'attribute_not_exists(#v)',
                ExpressionAttributeNames: { '#v': 'version' },
              }
            : {
                ConditionExpression: '#v = :v',
                ExpressionAttributeNames: { '#v': 'version' },
                ExpressionAttributeValues: { ':v': { N: String(read.version) } },
              }),
        }),
      );
      return true;
    } catch (error) {
      if (
        error instanceof ConditionalCheckFailedException ||
        (error as Error).name === 'ConditionalCheckFailedException'
      )
        return false;
      throw error;
    }
  };

  const live = (holders: Record<string, Lease>, now: number) =>
    Object.fromEntries(Object.entries(holders).filter(([, lease]) => lease.expiresAt > now));

  /** Read, change, write conditionally; again from the read when another writer won. */
  const update = async <T>(
    key: string,
    change: (
      holders: Record<string, Lease>,
      now: number,
    ) => { holders: Record<string, Lease> | null; result: T },
  ): Promise<T> => {
    for (let attempt = 0; attempt < maxConflicts; attempt++) {
      const read = await load(key);
      const now = options.now();
      const { holders, result } = change(live(read?.holders ?? {}, now), now);
      if (holders === null) return result;
      if (await store(key, read, holders)) return result;
    }
    throw new SemaphoreContentionError(`the quota ${key} changed under ${maxConflicts} writes in a row`);
  };

  return {
    acquire: (key, holder, servers, capacity) =>
      update(key, (holders, now): { holders: Record<string, Lease> | null; result: AcquireResult } => {
        const others = total(holders) - (holders[holder]?.servers ?? 0);
        if (others + servers > capacity) {
          // Refused: nothing to write (expired shares are dropped by the next write that succeeds).
          return {
            holders: null,
            result: { acquired: false, inFlight: others, available: capacity - others },
          };
        }
        const next = { ...holders, [holder]: { servers, expiresAt: now + leaseMs } };
        return { holders: next, result: { acquired: true, inFlight: others + servers } };
      }),
    renew: (key, holder) =>
      update(key, (holders, now) => {
        const lease = holders[holder];
        if (!lease) return { holders: null, result: false };
        return { holders: { ...holders, [holder]: { ...lease, expiresAt: now + leaseMs } }, result: true };
      }),
    release: (key, holder) =>
      update(key, (holders) => {
        if (!(holder in holders)) return { holders: null, result: undefined };
        const { [holder]: _released, ...rest } = holders;
        return { holders: rest, result: undefined };
      }),
    read: async (key) => live((await load(key))?.holders ?? {}, options.now()),
  };
}

function total(holders: Record<string, Lease>): number {
  return Object.values(holders).reduce((n, lease) => n + lease.servers, 0);
}
