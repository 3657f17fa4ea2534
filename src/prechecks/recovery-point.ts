// rpo (on-premises): the server's newest recovery point is within the RPO. Run once per server,
// after its DescribeRecoverySnapshots (EC2-origin servers are judged on their replication lag).
import { snapshotTime } from '../actors/recovery-snapshots.js';
import { readFailedOutcome } from './read-failure.js';
import { RPO, type RpoData } from './replication-lag.js';
import type { CheckOutcome, Precheck } from './types.js';

export const recoveryPoint: Precheck<typeof RPO, RpoData> = {
  name: RPO,
  evaluate(reads, { server: id }) {
    const read = id === undefined ? undefined : reads.recoverySnapshots.get(id);
    if (id === undefined || !read) return [];
    const { rpoMs } = reads.input;
    if (!read.ok) {
      const failed = readFailedOutcome(id, read.error, 'DescribeRecoverySnapshots', { server: id });
      const none = {
        basis: 'recovery-point' as const,
        rpoMs,
        snapshotAt: null,
        snapshotId: null,
        ageMs: null,
      };
      return [{ ...failed, data: { ...none, ...failed.data } }];
    }
    const time = read.value ? snapshotTime(read.value) : undefined;
    const snapshotId = read.value?.snapshotID ?? null;
    if (!time) {
      return [
        {
          server: id,
          status: 'fail',
          detail: `no recovery point found for ${id}`,
          data: { basis: 'recovery-point', rpoMs, snapshotAt: null, snapshotId, ageMs: null },
        },
      ];
    }
    const ageMs = reads.now - time.ms;
    const data: RpoData = { basis: 'recovery-point', rpoMs, snapshotAt: time.at, snapshotId, ageMs };
    const outcome: CheckOutcome<RpoData> =
      ageMs > rpoMs
        ? {
            server: id,
            status: 'fail',
            detail: `newest recovery point ${time.at} is ${Math.round(ageMs / 1000)} s old, RPO is ${Math.round(rpoMs / 1000)} s`,
            data,
          }
        : { server: id, status: 'pass', detail: `newest recovery point ${time.at} is within the RPO`, data };
    return [outcome];
  },
};
