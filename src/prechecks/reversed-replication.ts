// reverse-replication (origin region): the reversed source server exists in the origin region and
// replicates CONTINUOUS. Run once per origin region, after that region's DescribeSourceServers.
import { classifyReversedReplicationState } from '../classify/reverse-replication.js';
import { readFailure } from './read-failure.js';
import { PREPARE_FIRST, REVERSE_REPLICATION, type ReverseReplicationData } from './replication-reversed.js';
import { reversalOf, reversedByRegion } from './resolve.js';
import type { CheckOutcome, Precheck } from './types.js';

export const reversedReplication: Precheck<typeof REVERSE_REPLICATION, ReverseReplicationData> = {
  name: REVERSE_REPLICATION,
  evaluate(reads, { region }) {
    if (region === undefined) return [];
    const read = reads.originRegions.get(region)?.sourceServers;
    if (!read) return [];
    return (reversedByRegion(reads).get(region) ?? []).map(
      ({ sourceServerID, reversedId }): CheckOutcome<ReverseReplicationData> => {
        const data = {
          reversedSourceServerArn: reversalOf(reads, sourceServerID)?.arn ?? null,
          reversedSourceServerId: reversedId,
          originRegion: region,
          replicationState: null,
        };
        if (!read.ok) {
          const failure = readFailure(read.error, 'DescribeSourceServers', reversedId, region);
          return {
            server: sourceServerID,
            status: 'fail',
            detail: failure.message,
            data: {
              ...data,
              readFailed: { operation: failure.operation, region, kind: failure.kind, name: failure.name },
            },
          };
        }
        const item = read.value.get(reversedId);
        if (!item) {
          return {
            server: sourceServerID,
            status: 'fail',
            detail: `reversed source server ${reversedId} not found in ${region}; ${PREPARE_FIRST}`,
            data,
          };
        }
        const state = classifyReversedReplicationState(
          item.dataReplicationInfo?.dataReplicationState as string | undefined,
          region,
        );
        return {
          server: sourceServerID,
          status: state.status,
          detail: `reversed source server ${reversedId}: ${state.detail}`,
          data: { ...data, ...state.data },
        };
      },
    );
  },
};
