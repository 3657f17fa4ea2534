// rpo (EC2 origin): the lag of the reversed replication is within the RPO. Run once per origin
// region, after that region's DescribeSourceServers; a server whose reversed source server was not
// read or not found has no lag to judge (reverse-replication failed for it).
import { classifyReplicationLag } from '../classify/reverse-replication.js';
import { reversedByRegion } from './resolve.js';
import type { Precheck, ReadFailedData } from './types.js';

export const RPO = 'rpo';

/**
 * The data of every `rpo` check. `basis` says what was measured: the newest recovery point
 * (on-premises, recovery-point.ts) or the reversed replication's lag (EC2 origin, here).
 */
export type RpoData =
  | {
      basis: 'recovery-point';
      rpoMs: number;
      /** The newest recovery point (ISO-8601); null when there is none. */
      snapshotAt: string | null;
      snapshotId: string | null;
      /** Its age when the precheck ran (ms); null when there is none. */
      ageMs: number | null;
      /** Present when DescribeRecoverySnapshots failed. */
      readFailed?: ReadFailedData['readFailed'];
    }
  | {
      basis: 'replication-lag';
      rpoMs: number;
      reversedSourceServerId: string;
      originRegion: string;
      /** lagDuration as DRS reported it (ISO-8601); null when not reported. */
      lagDuration: string | null;
      /** null when not reported or not a duration. */
      lagMs: number | null;
    };

export const replicationLag: Precheck<typeof RPO, RpoData> = {
  name: RPO,
  evaluate(reads, { region }) {
    if (region === undefined) return [];
    const read = reads.originRegions.get(region)?.sourceServers;
    if (!read?.ok) return [];
    return (reversedByRegion(reads).get(region) ?? []).flatMap(({ sourceServerID, reversedId }) => {
      const item = read.value.get(reversedId);
      if (!item) return [];
      const lag = classifyReplicationLag(item.dataReplicationInfo?.lagDuration, reads.input.rpoMs);
      return [
        {
          server: sourceServerID,
          status: lag.status,
          detail: `reversed source server ${reversedId}: ${lag.detail}`,
          data: {
            basis: 'replication-lag' as const,
            reversedSourceServerId: reversedId,
            originRegion: region,
            ...lag.data,
          },
        },
      ];
    });
  },
};
