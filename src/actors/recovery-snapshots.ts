import {
  DescribeRecoverySnapshotsCommand,
  type DescribeRecoverySnapshotsCommandInput,
  type RecoverySnapshot,
  RecoverySnapshotsOrder,
} from '@aws-sdk/client-drs';
import type { DrsSender } from '../aws/clients.js';
import { collectItems, DRS_TOKENS } from '../aws/paginate.js';

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
  const isCandidate = (snapshot: RecoverySnapshot): boolean => {
    const time = snapshotTime(snapshot);
    return Boolean(snapshot.snapshotID) && time !== undefined && time.ms < before;
  };
  // Newest first: once a page held a candidate, later pages hold only older ones.
  const snapshots = await collectItems(
    (input: DescribeRecoverySnapshotsCommandInput) => drs.send(new DescribeRecoverySnapshotsCommand(input)),
    { sourceServerID, order: RecoverySnapshotsOrder.DESC, filters: { toDateTime } },
    DRS_TOKENS,
    (page) => page.items,
    { stopWhen: (items) => items.some(isCandidate) },
  );
  let best: { snapshot: RecoverySnapshot; at: string; ms: number } | undefined;
  for (const snapshot of snapshots) {
    const time = snapshotTime(snapshot);
    if (!isCandidate(snapshot) || !time) continue;
    if (!best || time.ms > best.ms) best = { snapshot, at: time.at, ms: time.ms };
  }
  return best ? { snapshot: best.snapshot, at: best.at } : undefined;
}
