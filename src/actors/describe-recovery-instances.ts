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

/**
 * The reversed source server of a recovery instance, found through documented fields only: in
 * the origin region, the source servers whose `hardwareId` filter ("an EC2 instance id", model)
 * matches the recovery instance's EC2 instance, kept when `sourceProperties.identificationHints
 * .awsInstanceID` is that instance, `replicationDirection` is FAILBACK and, when DRS says,
 * `sourceCloudProperties.originRegion` is the DR region. Undefined when there is none; several
 * matches (DRS would not create two) are ambiguous and also give undefined with `ambiguous`.
 */
export async function findReversedSourceServer(
  originDrs: DrsSender,
  recovery: { ec2InstanceID: string; drRegion?: string },
): Promise<{ arn?: string; sourceServerID?: string; ambiguous?: string[] }> {
  const items = await collectItems(
    async (input: DescribeSourceServersCommandInput) =>
      await originDrs.send(new DescribeSourceServersCommand(input)),
    { filters: { hardwareId: recovery.ec2InstanceID } },
    DRS_TOKENS,
    (page) => page.items,
  );
  const matches = items.filter(
    (s) =>
      s.sourceProperties?.identificationHints?.awsInstanceID === recovery.ec2InstanceID &&
      s.replicationDirection === 'FAILBACK' &&
      (recovery.drRegion === undefined ||
        s.sourceCloudProperties?.originRegion === undefined ||
        s.sourceCloudProperties.originRegion === recovery.drRegion),
  );
  if (matches.length > 1)
    return { ambiguous: matches.flatMap((s) => (s.sourceServerID ? [s.sourceServerID] : [])) };
  const [match] = matches;
  if (!match?.sourceServerID) return {};
  return { sourceServerID: match.sourceServerID, ...(match.arn ? { arn: match.arn } : {}) };
}
