// Facts derived from the wave's reads that several checks (and the precheck actor) need: which
// recovery instance a server resolves to, whether it came from EC2, where its replication was
// reversed to. Pure.
import { OriginEnvironment, type RecoveryInstance } from '@aws-sdk/client-drs';
import type { ResolvedServer } from '../../machines/types.js';
import { snapshotTime } from '../actors/recovery-snapshots.js';
import { parseSourceServerArn } from '../aws/ids.js';
import type { WaveReads } from './types.js';

/** The wave's source server ids, in plan order. */
export const waveServerIds = (reads: WaveReads): string[] => reads.input.servers.map((s) => s.sourceServerID);

/** The recovery instances DRS lists for a server; undefined when they could not be read. */
export function recoveryInstancesOf(reads: WaveReads, id: string): readonly RecoveryInstance[] | undefined {
  const read = reads.recoveryInstances;
  return read?.ok ? (read.value.get(id) ?? []) : undefined;
}

/** The one recovery instance of a server, when there is exactly one and it has an id. */
export function singleRecoveryInstance(reads: WaveReads, id: string): RecoveryInstance | undefined {
  const instances = recoveryInstancesOf(reads, id);
  const [instance] = instances ?? [];
  return instances?.length === 1 && instance?.recoveryInstanceID ? instance : undefined;
}

/** The server came from EC2 (its recovery instance says originEnvironment AWS). */
export const isEc2OriginServer = (reads: WaveReads, id: string): boolean =>
  (singleRecoveryInstance(reads, id)?.originEnvironment as string | undefined) === OriginEnvironment.AWS;

/** The wave's EC2-origin servers, in plan order. */
export const ec2OriginServerIds = (reads: WaveReads): string[] =>
  waveServerIds(reads).filter((id) => isEc2OriginServer(reads, id));

export interface Reversal {
  /**
   * The DR source server's reversedDirectionSourceServerArn, as DRS returned it, else the ARN
   * found in the origin region by documented fields (`WaveReads.reversalLookups`).
   */
  arn: string | undefined;
  /** The ARN parsed: region, account and reversed source server id; undefined when absent or malformed. */
  parsed: ReturnType<typeof parseSourceServerArn>;
  /** The ARN's region, else the DR source server's `sourceCloudProperties.originRegion`. */
  originRegion: string | undefined;
}

/** EC2 origin: where the server's replication was reversed to; undefined when its DR source server is unknown. */
export function reversalOf(reads: WaveReads, id: string): Reversal | undefined {
  const read = reads.sourceServers;
  const item = read?.ok ? read.value.get(id) : undefined;
  if (!item) return undefined;
  // The DR-side pointer (UNVERIFIED field), else what the origin region said by documented fields.
  const arn = item.reversedDirectionSourceServerArn ?? reads.reversalLookups?.get(id);
  const parsed = arn ? parseSourceServerArn(arn) : undefined;
  return { arn, parsed, originRegion: parsed?.region ?? item.sourceCloudProperties?.originRegion };
}

/** EC2-origin servers whose replication is reversed (a well-formed ARN), by origin region in first-seen order. */
export function reversedByRegion(
  reads: WaveReads,
): Map<string, { sourceServerID: string; reversedId: string }[]> {
  const byRegion = new Map<string, { sourceServerID: string; reversedId: string }[]>();
  for (const id of ec2OriginServerIds(reads)) {
    const parsed = reversalOf(reads, id)?.parsed;
    if (!parsed) continue;
    const list = byRegion.get(parsed.region) ?? [];
    list.push({ sourceServerID: id, reversedId: parsed.sourceServerID });
    byRegion.set(parsed.region, list);
  }
  return byRegion;
}

/** Every server resolved to its one recovery instance, with what the reads say about it. */
export function resolvedServers(reads: WaveReads): ResolvedServer[] {
  return waveServerIds(reads).flatMap((id) => {
    const instance = singleRecoveryInstance(reads, id);
    if (!instance?.recoveryInstanceID) return [];
    const resolved: ResolvedServer = { sourceServerID: id, recoveryInstanceID: instance.recoveryInstanceID };
    if (instance.ec2InstanceID) resolved.recoveryEc2InstanceID = instance.ec2InstanceID;
    if ((instance.originEnvironment as string | undefined) === OriginEnvironment.AWS) {
      resolved.origin = 'AWS';
      const reversal = reversalOf(reads, id);
      if (reversal?.originRegion) resolved.originRegion = reversal.originRegion;
      if (reversal?.parsed) resolved.reversedSourceServerID = reversal.parsed.sourceServerID;
      return [resolved];
    }
    const state = instance.failback?.state as string | undefined;
    if (state) resolved.failbackState = state;
    const snapshot = reads.recoverySnapshots.get(id);
    const time = snapshot?.ok && snapshot.value ? snapshotTime(snapshot.value) : undefined;
    if (time) resolved.newestRecoveryPointAt = time.at;
    return [resolved];
  });
}
