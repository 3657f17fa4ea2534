// What `prepare` should do for one server, and whether a reversed replication is ready: pure
// functions of what DRS answered, tested on their own.
import { OriginEnvironment, type RecoveryInstance, type SourceServer } from '@aws-sdk/client-drs';
import type { AwsFailure, CheckStatus } from '../../machines/types.js';
import { ID_PATTERNS, parseSourceServerArn } from '../aws/ids.js';
import { parseIsoDuration } from '../classify/duration.js';
import { classifyReplicationLag, classifyReversedReplicationState } from '../classify/reverse-replication.js';

/**
 * Where a server stands for `prepare`:
 * - `not-applicable`: on-premises origin, it fails back through the Failback Client;
 * - `already-reversed`: a reversed source server exists (see `ReversalSource`); never reversed again;
 * - `to-reverse`: EC2 origin, not reversed yet: ReverseReplication of its recovery instance;
 * - `reversed`: this prepare reversed it;
 * - `not-sent`: to reverse, but the operator declined (nothing was sent);
 * - `failed`: ReverseReplication failed;
 * - `unresolved`: DRS does not say enough (no recovery instance, several, no source server).
 */
export type PrepareAction =
  | 'not-applicable'
  | 'already-reversed'
  | 'to-reverse'
  | 'reversed'
  | 'not-sent'
  | 'failed'
  | 'unresolved';

/**
 * How the reversed source server was found, most trusted first:
 * - `recorded`: the ARN ReverseReplication answered, kept by an earlier `prepare` in the state
 *   directory (the one documented pointer);
 * - `dr-source-server`: the DR source server's `reversedDirectionSourceServerArn` (UNVERIFIED:
 *   AWS documents the field, not that ReverseReplication sets it on this side);
 * - `origin-region`: looked up in the origin region by documented fields (`hardwareId` filter,
 *   `identificationHints.awsInstanceID`, `replicationDirection: FAILBACK`);
 * - `reverse-replication`: this prepare's ReverseReplication answered it.
 */
export type ReversalSource = 'recorded' | 'dr-source-server' | 'origin-region' | 'reverse-replication';

export interface ReplicationReading {
  /** The origin region, where the reversed source server replicates to. */
  region: string;
  reversedSourceServerID: string;
  /** DataReplicationState as DRS reported it; undefined when not read. */
  state?: string;
  /** ISO-8601 duration as DRS reported it. */
  lagDuration?: string;
  lagMs?: number;
  stateCheck: { status: CheckStatus; detail: string };
  lagCheck: { status: CheckStatus; detail: string };
  /** CONTINUOUS with a lag within the RPO: the failback can start. */
  ready: boolean;
}

export interface PreparedServer {
  wave: string;
  sourceServerID: string;
  action: PrepareAction;
  /** What the operator reads, e.g. `already reversed: arn:aws:drs:...`. */
  detail: string;
  origin?: 'ON_PREMISES' | 'AWS';
  recoveryInstanceID?: string;
  /** The recovery instance's EC2 instance (DR region): the source of the reversed replication. */
  ec2InstanceID?: string;
  originRegion?: string;
  reversedDirectionSourceServerArn?: string;
  foundBy?: ReversalSource;
  reversedSourceServerID?: string;
  failure?: AwsFailure;
  replication?: ReplicationReading;
}

/** The plan's servers, each with its wave. */
export interface PlannedServer {
  wave: string;
  sourceServerID: string;
}

/**
 * Classifies one server from its recovery instances and its DR source server (both read in the
 * DR region), and the ARN an earlier `prepare` recorded for it, if any. Reads nothing itself. A
 * `to-reverse` server may still turn out reversed: `prepare` looks in the origin region first.
 */
export function classifyForPrepare(
  planned: PlannedServer,
  instances: readonly RecoveryInstance[],
  sourceServer: SourceServer | undefined,
  recordedArn?: string,
): PreparedServer {
  const base = { wave: planned.wave, sourceServerID: planned.sourceServerID };
  if (instances.length === 0) {
    return { ...base, action: 'unresolved', detail: `no recovery instance for ${planned.sourceServerID}` };
  }
  if (instances.length > 1) {
    return {
      ...base,
      action: 'unresolved',
      detail: `${instances.length} recovery instances for ${planned.sourceServerID} (${instances
        .map((i) => i.recoveryInstanceID)
        .join(', ')}); expected exactly one`,
    };
  }
  const [instance] = instances as [RecoveryInstance];
  const recoveryInstanceID = instance.recoveryInstanceID;
  if (!recoveryInstanceID) {
    return { ...base, action: 'unresolved', detail: 'the recovery instance has no recoveryInstanceID' };
  }
  if ((instance.originEnvironment as string | undefined) !== OriginEnvironment.AWS) {
    return {
      ...base,
      action: 'not-applicable',
      origin: 'ON_PREMISES',
      recoveryInstanceID,
      detail: 'not applicable: on-premises origin, it fails back through the Failback Client',
    };
  }
  const server: PreparedServer = {
    ...base,
    action: 'to-reverse',
    origin: 'AWS',
    recoveryInstanceID,
    ...(instance.ec2InstanceID ? { ec2InstanceID: instance.ec2InstanceID } : {}),
    detail: '',
  };
  const recorded = recordedArn ? parseSourceServerArn(recordedArn) : undefined;
  if (recordedArn && recorded) {
    return {
      ...server,
      action: 'already-reversed',
      originRegion: recorded.region,
      reversedDirectionSourceServerArn: recordedArn,
      reversedSourceServerID: recorded.sourceServerID,
      foundBy: 'recorded',
      detail: `already reversed: ${recordedArn} (recorded by an earlier prepare)`,
    };
  }
  if (!sourceServer) {
    return {
      ...server,
      action: 'unresolved',
      detail: `source server ${planned.sourceServerID} not found in the DR region`,
    };
  }
  const arn = sourceServer.reversedDirectionSourceServerArn;
  const parsed = arn ? parseSourceServerArn(arn) : undefined;
  const originRegion = parsed?.region ?? sourceServer.sourceCloudProperties?.originRegion;
  if (originRegion) server.originRegion = originRegion;
  if (arn && !parsed) {
    return {
      ...server,
      action: 'unresolved',
      reversedDirectionSourceServerArn: arn,
      detail: `reversedDirectionSourceServerArn '${arn}' does not match ${ID_PATTERNS.sourceServerArn.source}`,
    };
  }
  if (arn && parsed) {
    return {
      ...server,
      action: 'already-reversed',
      reversedDirectionSourceServerArn: arn,
      reversedSourceServerID: parsed.sourceServerID,
      foundBy: 'dr-source-server',
      detail: `already reversed: ${arn}`,
    };
  }
  return {
    ...server,
    detail: `ReverseReplication of recovery instance ${recoveryInstanceID}: replication to ${originRegion ?? 'its origin region'}`,
  };
}

/** Reads a reversed source server's replication against the RPO. */
export function readReplication(
  region: string,
  reversedSourceServerID: string,
  item: SourceServer | undefined,
  rpoMs: number,
): ReplicationReading {
  if (!item) {
    const detail = `reversed source server ${reversedSourceServerID} not found in ${region}`;
    return {
      region,
      reversedSourceServerID,
      stateCheck: { status: 'fail', detail },
      lagCheck: { status: 'warn', detail },
      ready: false,
    };
  }
  const state = item.dataReplicationInfo?.dataReplicationState as string | undefined;
  const lagDuration = item.dataReplicationInfo?.lagDuration;
  const stateCheck = classifyReversedReplicationState(state, region);
  const lagCheck = classifyReplicationLag(lagDuration, rpoMs);
  const reading: ReplicationReading = {
    region,
    reversedSourceServerID,
    stateCheck: {
      status: stateCheck.status,
      detail: `reversed source server ${reversedSourceServerID}: ${stateCheck.detail}`,
    },
    lagCheck: {
      status: lagCheck.status,
      detail: `reversed source server ${reversedSourceServerID}: ${lagCheck.detail}`,
    },
    ready: stateCheck.status === 'pass' && lagCheck.status !== 'fail',
  };
  if (state !== undefined) reading.state = state;
  if (lagDuration !== undefined) {
    reading.lagDuration = lagDuration;
    const lagMs = parseIsoDuration(lagDuration);
    if (lagMs !== undefined) reading.lagMs = lagMs;
  }
  return reading;
}

/** Servers whose replication goes back to their origin region (reversed now or before). */
export const isReversed = (s: PreparedServer): boolean =>
  (s.action === 'reversed' || s.action === 'already-reversed') && s.reversedSourceServerID !== undefined;

/** Every EC2-origin server reversed, each replicating CONTINUOUS within the RPO. */
export function everyReversedReady(servers: readonly PreparedServer[]): boolean {
  return servers
    .filter((s) => s.action !== 'not-applicable')
    .every((s) => isReversed(s) && s.replication?.ready === true);
}
