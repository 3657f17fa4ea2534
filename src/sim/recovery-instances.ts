// Recovery instances: the DR-side machines DRS launched, with their failback state.
import {
  type DescribeRecoveryInstancesCommandInput,
  type DisconnectRecoveryInstanceCommandInput,
  FailbackLaunchType,
  FailbackState,
  OriginEnvironment,
  type RecoveryInstance,
  RecoveryInstanceDataReplicationState,
  type StopFailbackCommandInput,
} from '@aws-sdk/client-drs';
import { drsEc2State } from './ec2.js';
import { failbackReplicationAt, hasFailbackReplication } from './failback-replication.js';
import { ID_PATTERNS } from './ids.js';
import { openPage, slicePage } from './pagination.js';
import { lagAt } from './replication.js';
import type { RecoveryInstanceRecord } from './state.js';
import { addEntry, dropAfter, iso, isoDuration, valueAt } from './time.js';
import { checkIdList } from './validate.js';
import type { World } from './world.js';

const listed = (ri: RecoveryInstanceRecord, t: number): boolean =>
  ri.visibleAt <= t && (ri.terminatedAt === undefined || ri.terminatedAt > t);

/** A recovery instance DRS knows now, or ResourceNotFoundException. */
export function visibleRecoveryInstance(world: World, id: string): RecoveryInstanceRecord {
  const ri = world.recoveryInstance(id);
  if (!ri || !listed(ri, world.now)) {
    throw world.drsError('ResourceNotFoundException', `Recovery instance ${id} not found`, {
      resourceId: id,
      resourceType: 'RECOVERY_INSTANCE',
    });
  }
  return ri;
}

/**
 * An EC2-origin instance replicates once reversed: it shows its reversed server's replication
 * (UNVERIFIED: DRS documents the field, not what it shows for reverse replication).
 */
function reversedReplication(world: World, ri: RecoveryInstanceRecord, t: number) {
  if (!ri.reversedTo) return undefined;
  const server = world.sourceServer(ri.reversedTo.sourceServerID, ri.reversedTo.region);
  const value = server ? valueAt(server.replication, t) : undefined;
  if (!value) return undefined;
  const known = Object.values(RecoveryInstanceDataReplicationState) as string[];
  return {
    state: known.includes(value.state)
      ? (value.state as RecoveryInstanceDataReplicationState)
      : RecoveryInstanceDataReplicationState.REPLICATION_STATE_NOT_AVAILABLE,
    lagMs: lagAt(value, t),
  };
}

function replicationState(ri: RecoveryInstanceRecord, state: FailbackState | undefined, t: number) {
  if (ri.disconnectedAt !== undefined && ri.disconnectedAt <= t)
    return RecoveryInstanceDataReplicationState.DISCONNECTED;
  if (ri.origin === OriginEnvironment.AWS) return RecoveryInstanceDataReplicationState.NOT_STARTED;
  switch (state) {
    case FailbackState.FAILBACK_IN_PROGRESS:
    case FailbackState.FAILBACK_READY_FOR_LAUNCH:
      return RecoveryInstanceDataReplicationState.CONTINUOUS;
    case FailbackState.FAILBACK_NOT_READY_FOR_LAUNCH:
      return RecoveryInstanceDataReplicationState.INITIAL_SYNC;
    case FailbackState.FAILBACK_ERROR:
      return RecoveryInstanceDataReplicationState.STALLED;
    case FailbackState.FAILBACK_COMPLETED:
      return RecoveryInstanceDataReplicationState.STOPPED;
    default:
      return RecoveryInstanceDataReplicationState.NOT_STARTED;
  }
}

export function recoveryInstanceView(world: World, ri: RecoveryInstanceRecord): RecoveryInstance {
  const t = world.now;
  const state = valueAt(ri.failback, t);
  const ec2 = world.ec2Instance(ri.ec2InstanceID);
  const server = world.sourceServer(ri.sourceServerID);
  const onPremises = ri.origin === OriginEnvironment.ON_PREMISES;
  const disconnected = ri.disconnectedAt !== undefined && ri.disconnectedAt <= t;
  const reversed = disconnected ? undefined : reversedReplication(world, ri, t);
  const now = iso(t);
  const home = hasFailbackReplication(ri) ? failbackReplicationAt(ri, state, t) : undefined;
  const clientSeen = home
    ? home.clientSeenAt === undefined
      ? undefined
      : iso(home.clientSeenAt)
    : onPremises && state !== FailbackState.FAILBACK_NOT_STARTED
      ? now
      : undefined;
  return {
    ec2InstanceID: ri.ec2InstanceID,
    ec2InstanceState: drsEc2State(world, ri.ec2InstanceID),
    ...(ri.launchedByJobID ? { jobID: ri.launchedByJobID } : {}),
    recoveryInstanceID: ri.recoveryInstanceID,
    sourceServerID: ri.sourceServerID,
    arn: world.arn(`recovery-instance/${ri.recoveryInstanceID}`, ri.region),
    tags: {},
    failback: {
      ...(state ? { state } : {}),
      ...(ri.failbackJobID ? { failbackJobID: ri.failbackJobID } : {}),
      ...(ri.failbackInitiatedAt !== undefined
        ? { failbackInitiationTime: iso(ri.failbackInitiatedAt) }
        : {}),
      ...(onPremises && clientSeen !== undefined
        ? {
            failbackClientID: `fbc-${ri.recoveryInstanceID.slice(2)}`,
            failbackClientLastSeenByServiceDateTime: clientSeen,
            failbackToOriginalServer: true,
          }
        : {}),
      agentLastSeenByServiceDateTime: now,
      failbackLaunchType: FailbackLaunchType.RECOVERY,
    },
    dataReplicationInfo: home
      ? {
          dataReplicationState: home.state,
          // ISO-8601 duration (ASSUMED: the model types it as a datetime; the product parses both).
          lagDuration: isoDuration(home.lagMs),
          replicatedDisks: [
            {
              deviceName: '/dev/sda1',
              totalStorageBytes: 100 * 1024 ** 3,
              replicatedStorageBytes: 100 * 1024 ** 3 - Math.min(home.backlogBytes, 100 * 1024 ** 3),
              rescannedStorageBytes: 0,
              backloggedStorageBytes: home.backlogBytes,
            },
          ],
          ...(home.error ? { dataReplicationError: { error: home.error, rawError: home.error } } : {}),
        }
      : {
          dataReplicationState: reversed?.state ?? replicationState(ri, state, t),
          lagDuration: isoDuration(reversed?.lagMs ?? 0),
          replicatedDisks: [],
        },
    recoveryInstanceProperties: {
      lastUpdatedDateTime: now,
      identificationHints: { hostname: server?.hostname ?? '', awsInstanceID: ri.ec2InstanceID },
      networkInterfaces: ec2
        ? [{ ips: [ec2.privateIp], isPrimary: true, macAddress: macFor(ri.ec2InstanceID) }]
        : [],
      disks: [],
      cpus: [{ cores: 2, modelName: 'simulated' }],
      ramBytes: 8 * 1024 ** 3,
    },
    ...(ri.pointInTimeAt !== undefined ? { pointInTimeSnapshotDateTime: iso(ri.pointInTimeAt) } : {}),
    isDrill: false,
    originEnvironment: ri.origin,
    ...(ri.origin === OriginEnvironment.AWS && server?.originRegion
      ? { originAvailabilityZone: `${server.originRegion}a` }
      : {}),
  };
}

function macFor(instanceId: string): string {
  const hex = instanceId.slice(2).padEnd(12, '0').slice(0, 12);
  return `0e:${hex.slice(2, 4)}:${hex.slice(4, 6)}:${hex.slice(6, 8)}:${hex.slice(8, 10)}:${hex.slice(10, 12)}`;
}

export function describeRecoveryInstances(world: World, input: DescribeRecoveryInstancesCommandInput) {
  const riIds = checkIdList(
    world,
    'filters.recoveryInstanceIDs',
    input.filters?.recoveryInstanceIDs,
    ID_PATTERNS.recoveryInstanceID,
    0,
    200,
  );
  const ssIds = checkIdList(
    world,
    'filters.sourceServerIDs',
    input.filters?.sourceServerIDs,
    ID_PATTERNS.sourceServerID,
    0,
    200,
  );
  const cursor = openPage(world, 'DescribeRecoveryInstances', input);
  const byRi = new Set(riIds);
  const bySs = new Set(ssIds);
  // Filtered by ids (the orchestrator's usual call): only those records, not every instance.
  const candidates =
    byRi.size > 0
      ? world.recoveryInstancesAmong({ recoveryInstanceIDs: byRi })
      : bySs.size > 0
        ? world.recoveryInstancesAmong({ sourceServerIDs: bySs })
        : world.recoveryInstances();
  const items = candidates.filter(
    (ri) =>
      listed(ri, cursor.asOf) &&
      (byRi.size === 0 || byRi.has(ri.recoveryInstanceID)) &&
      (bySs.size === 0 || bySs.has(ri.sourceServerID)),
  );
  const { page, nextToken } = slicePage(items, cursor);
  return { items: page.map((ri) => recoveryInstanceView(world, ri)), ...(nextToken ? { nextToken } : {}) };
}

/** Back to FAILBACK_NOT_STARTED. What it does to a launch already running is UNVERIFIED: here the job goes on. */
export function stopFailback(world: World, input: StopFailbackCommandInput) {
  const id = input.recoveryInstanceID;
  if (!id) throw world.fieldError('recoveryInstanceID', 'required');
  if (!ID_PATTERNS.recoveryInstanceID.test(id)) {
    throw world.fieldError('recoveryInstanceID', `must match ${ID_PATTERNS.recoveryInstanceID.source}`);
  }
  const ri = visibleRecoveryInstance(world, id);
  dropAfter(ri.failback, world.now);
  addEntry(ri.failback, world.now, FailbackState.FAILBACK_NOT_STARTED);
  // Readiness is lost: the Failback Client must pair and sync again (the sim does not re-pair it).
  if (ri.failbackReplication) {
    delete ri.failbackReplication.pairedAt;
    delete ri.failbackReplication.syncedAt;
  }
  return {};
}

export function disconnectRecoveryInstance(world: World, input: DisconnectRecoveryInstanceCommandInput) {
  const id = input.recoveryInstanceID;
  if (!id || !ID_PATTERNS.recoveryInstanceID.test(id)) {
    throw world.fieldError('recoveryInstanceID', `must match ${ID_PATTERNS.recoveryInstanceID.source}`);
  }
  const ri = visibleRecoveryInstance(world, id);
  ri.disconnectedAt ??= world.now;
  return {};
}
