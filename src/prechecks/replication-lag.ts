// rpo (EC2 origin): the lag of the reversed replication is within the RPO. Run once per origin
// region, after that region's DescribeSourceServers; a server whose reversed source server was not
// read or not found has no lag to judge (reverse-replication failed for it).
import { classifyReplicationLag } from '../classify/reverse-replication.js';
import { reversedByRegion } from './resolve.js';
import type { Precheck } from './types.js';

export const RPO = 'rpo';

/**
 * The data of every `rpo` check. `basis` says what was measured: the recovery instance's failback
 * replication (on-premises, failback-replication.ts) or the reversed replication's lag (EC2 origin, here).
 */
export type RpoData =
  | {
      basis: 'failback-replication';
      rpoMs: number;
      recoveryInstanceId: string;
      /** dataReplicationInfo.dataReplicationState as DRS reported it; null when absent. */
      replicationState: string | null;
      /** lagDuration as DRS reported it; null when not reported. */
      lagDuration: string | null;
      /** null when not reported or not readable (a warn, never a pass). */
      lagMs: number | null;
      /** Sum of replicatedDisks[].backloggedStorageBytes. */
      backlogBytes: number;
      replicationError: string | null;
      /** failback.failbackClientLastSeenByServiceDateTime; null when never seen. */
      clientLastSeenAt: string | null;
      /** Its age against AWS's clock; null when never seen. */
      clientSilentMs: number | null;
      clientSilenceLimitMs: number;
      /** AWS's clock when judged (the responses' Date header; the local clock when unknown). */
      awsNow: string;
      /** What keeps it from ready (classify/failback-replication.ts); empty when it passed. */
      problems: string[];
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
