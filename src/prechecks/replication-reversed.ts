// reverse-replication (DR side): an EC2-origin server's DR source server names a well-formed
// reversed source server (`drs-failback prepare` reverses it). The reversed replication itself is
// judged in the origin region (reversed-replication.ts).
import { ID_PATTERNS } from '../aws/ids.js';
import { ec2OriginServerIds, reversalOf } from './resolve.js';
import type { CheckOutcome, Precheck } from './types.js';

export const REVERSE_REPLICATION = 'reverse-replication';
export const PREPARE_FIRST = 'run `drs-failback prepare <plan>` first';

/** The data of every `reverse-replication` check (this one and the origin region's). */
export type ReverseReplicationData = {
  /** reversedDirectionSourceServerArn of the DR source server; null when not reversed. */
  reversedSourceServerArn: string | null;
  /** The reversed source server (origin region); null when not reversed or the ARN is malformed. */
  reversedSourceServerId: string | null;
  /** Where the server came from and fails back to; null when DRS does not say. */
  originRegion: string | null;
  /** dataReplicationState of the reversed source server; null when not read. */
  replicationState: string | null;
  /** Absent unless the origin region's DescribeSourceServers failed. */
  readFailed?: { operation: string; region: string | null; kind: string; name: string };
};

export const replicationReversed: Precheck<typeof REVERSE_REPLICATION, ReverseReplicationData> = {
  name: REVERSE_REPLICATION,
  evaluate(reads) {
    return ec2OriginServerIds(reads).flatMap((id): CheckOutcome<ReverseReplicationData>[] => {
      // Not readable or not found: the source-server check already failed for it.
      const reversal = reversalOf(reads, id);
      if (!reversal || reversal.parsed) return [];
      const data = {
        reversedSourceServerArn: reversal.arn ?? null,
        reversedSourceServerId: null,
        originRegion: reversal.originRegion ?? null,
        replicationState: null,
      };
      if (!reversal.arn) {
        const to = reversal.originRegion ? ` to ${reversal.originRegion}` : '';
        return [
          {
            server: id,
            status: 'fail',
            detail: `replication of ${id} is not reversed${to}; ${PREPARE_FIRST}`,
            data,
          },
        ];
      }
      return [
        {
          server: id,
          status: 'fail',
          detail: `reversedDirectionSourceServerArn '${reversal.arn}' of ${id} does not match ${ID_PATTERNS.sourceServerArn.source}`,
          data,
        },
      ];
    });
  },
};
