import {
  DescribeRecoveryInstancesCommand,
  type DescribeRecoveryInstancesCommandInput,
  DescribeSourceServersCommand,
  type DescribeSourceServersCommandInput,
  type RecoveryInstance,
  type SourceServer,
} from '@aws-sdk/client-drs';
import { chunk, unique } from '../aws/batch.js';
import type { DrsSender } from '../aws/clients.js';
import { collectItems, DRS_TOKENS } from '../aws/paginate.js';

/** DRS filters take at most 200 ids. */
export const DRS_FILTER_BATCH = 200;

export type RecoveryInstanceFilter = { sourceServerIDs: string[] } | { recoveryInstanceIDs: string[] };

// The `async`/`await` around each send below is not redundant: it keeps one extra turn per page,
// as these reads always had, so concurrent requests interleave as the golden streams recorded.

/** Every recovery instance matching the ids, in batches of 200, following every page. */
export async function describeRecoveryInstances(
  drs: DrsSender,
  filter: RecoveryInstanceFilter,
): Promise<RecoveryInstance[]> {
  const bySource = 'sourceServerIDs' in filter;
  const ids = unique(bySource ? filter.sourceServerIDs : filter.recoveryInstanceIDs);
  const items: RecoveryInstance[] = [];
  for (const batch of chunk(ids, DRS_FILTER_BATCH)) {
    const filters = bySource ? { sourceServerIDs: batch } : { recoveryInstanceIDs: batch };
    items.push(
      ...(await collectItems(
        async (input: DescribeRecoveryInstancesCommandInput) =>
          await drs.send(new DescribeRecoveryInstancesCommand(input)),
        { filters },
        DRS_TOKENS,
        (page) => page.items,
      )),
    );
  }
  return items;
}

/** Every source server with one of the ids, in batches of 200, following every page. */
export async function describeSourceServers(
  drs: DrsSender,
  sourceServerIDs: string[],
): Promise<SourceServer[]> {
  const items: SourceServer[] = [];
  for (const batch of chunk(unique(sourceServerIDs), DRS_FILTER_BATCH)) {
    items.push(
      ...(await collectItems(
        async (input: DescribeSourceServersCommandInput) =>
          await drs.send(new DescribeSourceServersCommand(input)),
        { filters: { sourceServerIDs: batch } },
        DRS_TOKENS,
        (page) => page.items,
      )),
    );
  }
  return items;
}

/** Recovery instances grouped by the source server they recover. */
export function groupBySourceServer(instances: readonly RecoveryInstance[]): Map<string, RecoveryInstance[]> {
  const groups = new Map<string, RecoveryInstance[]>();
  for (const instance of instances) {
    if (!instance.sourceServerID) continue;
    const group = groups.get(instance.sourceServerID) ?? [];
    group.push(instance);
    groups.set(instance.sourceServerID, group);
  }
  return groups;
}
