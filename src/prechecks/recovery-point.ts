// backout-point (on-premises, informational): a known-good point exists for a backout relaunch.
// A relaunch from a source-server recovery snapshot restores the source's last point, without the
// writes made on the recovery instance since failover: it is never an RPO gate (the RPO is judged
// on the failback replication, failback-replication.ts). Run once per server, after its
// DescribeRecoverySnapshots, which is read only when the plan allows a relaunch (backout.restore
// is not `never`). It never fails: a missing point or a failed read is a warn.
import { snapshotTime } from '../actors/recovery-snapshots.js';
import { readFailedOutcome } from './read-failure.js';
import type { Precheck, ReadFailedData } from './types.js';

export const BACKOUT_POINT = 'backout-point';

export type BackoutPointData = {
  /** The newest recovery point (ISO-8601); null when there is none. */
  snapshotAt: string | null;
  snapshotId: string | null;
  /** Its age when the precheck ran, against AWS's clock (ms); null when there is none. */
  ageMs: number | null;
  /** Present when DescribeRecoverySnapshots failed. */
  readFailed?: ReadFailedData['readFailed'];
};

export const recoveryPoint: Precheck<typeof BACKOUT_POINT, BackoutPointData> = {
  name: BACKOUT_POINT,
  evaluate(reads, { server: id }) {
    const read = id === undefined ? undefined : reads.recoverySnapshots.get(id);
    if (id === undefined || !read) return [];
    if (!read.ok) {
      const failed = readFailedOutcome(id, read.error, 'DescribeRecoverySnapshots', { server: id });
      return [
        {
          ...failed,
          status: 'warn',
          detail: `cannot tell whether a backout relaunch has a point: ${failed.detail}`,
          data: { snapshotAt: null, snapshotId: null, ageMs: null, ...failed.data },
        },
      ];
    }
    const time = read.value ? snapshotTime(read.value) : undefined;
    const snapshotId = read.value?.snapshotID ?? null;
    if (!time) {
      return [
        {
          server: id,
          status: 'warn',
          detail: `no recovery point for ${id}: a backout could not relaunch a lost recovery instance`,
          data: { snapshotAt: null, snapshotId, ageMs: null },
        },
      ];
    }
    const ageMs = (reads.awsNow ?? reads.now) - time.ms;
    return [
      {
        server: id,
        status: 'pass',
        detail: `a backout relaunch could restore ${time.at} (${Math.round(ageMs / 3_600_000)} h old; it lacks every write made on the recovery instance since)`,
        data: { snapshotAt: time.at, snapshotId, ageMs },
      },
    ];
  },
};
