import {
  DescribeRecoverySnapshotsCommand,
  type DescribeRecoverySnapshotsCommandInput,
  type RecoverySnapshot,
  RecoverySnapshotsOrder,
} from '@aws-sdk/client-drs';
import type { DrsSender } from '../aws/clients.js';
import { DRS_TOKENS, paginate } from '../aws/paginate.js';

/** When a recovery point was taken: `timestamp` when DRS has it, else `expectedTimestamp`. */
export function snapshotTime(snapshot: RecoverySnapshot): { at: string; ms: number } | undefined {
  const at = snapshot.timestamp ?? snapshot.expectedTimestamp;
  if (!at) return undefined;
  const ms = Date.parse(at);
  return Number.isNaN(ms) ? undefined : { at, ms };
}

/** The newest recovery point of a server (one request, order DESC, maxResults 1). */
export async function newestRecoverySnapshot(
  drs: DrsSender,
  sourceServerID: string,
): Promise<RecoverySnapshot | undefined> {
  const out = await drs.send(
    new DescribeRecoverySnapshotsCommand({
      sourceServerID,
      order: RecoverySnapshotsOrder.DESC,
      maxResults: 1,
    }),
  );
  return out.items?.[0];
}

/**
 * The newest recovery point taken strictly before `before` (epoch ms). Asks DRS to filter by
 * `toDateTime` and order DESC, but checks the timestamps itself: the filter's bound is not
 * documented as exclusive.
 */
export async function newestRecoverySnapshotBefore(
  drs: DrsSender,
  sourceServerID: string,
  before: number,
): Promise<{ snapshot: RecoverySnapshot; at: string } | undefined> {
  const toDateTime = new Date(before).toISOString();
  let best: { snapshot: RecoverySnapshot; at: string; ms: number } | undefined;
  const pages = paginate(
    (input: DescribeRecoverySnapshotsCommandInput) => drs.send(new DescribeRecoverySnapshotsCommand(input)),
    { sourceServerID, order: RecoverySnapshotsOrder.DESC, filters: { toDateTime } },
    DRS_TOKENS,
  );
  for await (const out of pages) {
    for (const snapshot of out.items ?? []) {
      const time = snapshotTime(snapshot);
      if (!snapshot.snapshotID || !time || time.ms >= before) continue;
      if (!best || time.ms > best.ms) best = { snapshot, at: time.at, ms: time.ms };
    }
    // Newest first: once a page held a candidate, later pages hold only older ones.
    if (best) break;
  }
  return best ? { snapshot: best.snapshot, at: best.at } : undefined;
}
