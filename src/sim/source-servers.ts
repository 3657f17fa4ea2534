// Source servers: what DRS replicates, and the link to each server's recovery instance.
import {
  DataReplicationState,
  type DescribeSourceServersCommandInput,
  type DisconnectSourceServerCommandInput,
  LastLaunchResult,
  LastLaunchType,
  OriginEnvironment,
  ReplicationDirection,
  type SourceServer,
  type StopReplicationCommandInput,
} from '@aws-sdk/client-drs';
import { ID_PATTERNS } from './ids.js';
import { openPage, slicePage } from './pagination.js';
import { lagAt } from './replication.js';
import type { SourceServerRecord } from './state.js';
import { addEntry, iso, isoDuration, valueAt } from './time.js';
import { checkIdList } from './validate.js';
import type { World } from './world.js';

function lastLaunchResult(world: World, s: SourceServerRecord): LastLaunchResult {
  if (!s.lastLaunch) return LastLaunchResult.NOT_STARTED;
  const job = world.job(s.lastLaunch.jobID);
  const part = job?.servers.find((p) => p.sourceServerID === s.sourceServerID);
  if (!part || part.endAt === null || part.endAt > world.now) return LastLaunchResult.PENDING;
  return part.result === 'LAUNCHED' ? LastLaunchResult.SUCCEEDED : LastLaunchResult.FAILED;
}

/**
 * A reversed replication whose writes stopped (the cutover's quiesce) catches up at one second
 * of lag per second since then (ASSUMED: DRS documents no drain rate).
 */
function drainedLag(world: World, s: SourceServerRecord, lagMs: number, t: number): number {
  // The DR recovery instance whose ReverseReplication created this source server.
  // Lookups see one region: the recovery instances live in the DR region (the scenario's).
  const ri = world
    .inRegion(world.scenario.region, () => world.recoveryInstances())
    .find((r) => r.reversedTo?.sourceServerID === s.sourceServerID);
  const stoppedAt = ri?.writesStoppedAt;
  return stoppedAt === undefined ? lagMs : Math.max(0, lagMs - Math.max(0, t - stoppedAt));
}

export function sourceServerView(world: World, s: SourceServerRecord): SourceServer {
  const t = world.now;
  const disconnected = s.disconnectedAt !== undefined && s.disconnectedAt <= t;
  const replication = valueAt(s.replication, t) ?? { state: DataReplicationState.STOPPED, lagMs: 0 };
  const originRegion = s.originRegion ?? s.region;
  const recoveryInstanceId = valueAt(s.recoveryInstance, t) ?? undefined;
  const result = lastLaunchResult(world, s);
  return {
    sourceServerID: s.sourceServerID,
    arn: world.arn(`source-server/${s.sourceServerID}`, s.region),
    tags: {},
    ...(recoveryInstanceId ? { recoveryInstanceId } : {}),
    lastLaunchResult: result,
    dataReplicationInfo: {
      dataReplicationState: disconnected ? DataReplicationState.DISCONNECTED : replication.state,
      lagDuration: isoDuration(drainedLag(world, s, lagAt(replication, t), t)),
      replicatedDisks: [],
      stagingAvailabilityZone: `${s.region}a`,
    },
    lifeCycle: {
      addedToServiceDateTime: iso(s.addedAt),
      firstByteDateTime: iso(s.addedAt + 60_000),
      elapsedReplicationDuration: isoDuration(t - s.addedAt),
      lastSeenByServiceDateTime: iso(disconnected && s.disconnectedAt !== undefined ? s.disconnectedAt : t),
      ...(s.lastLaunch
        ? {
            lastLaunch: {
              initiated: {
                apiCallDateTime: iso(s.lastLaunch.at),
                jobID: s.lastLaunch.jobID,
                type: LastLaunchType.RECOVERY,
              },
            },
          }
        : {}),
    },
    sourceProperties: {
      lastUpdatedDateTime: iso(t),
      identificationHints: {
        hostname: s.hostname,
        ...(s.replicatedFromInstanceID ? { awsInstanceID: s.replicatedFromInstanceID } : {}),
      },
    },
    replicationDirection: s.direction ?? ReplicationDirection.FAILOVER,
    // UNVERIFIED field: a scenario can hide it (`defaults.reversedPointer: false`).
    ...(s.reversedDirectionSourceServerArn && world.scenario.reversedPointer !== false
      ? { reversedDirectionSourceServerArn: s.reversedDirectionSourceServerArn }
      : {}),
    sourceCloudProperties:
      s.origin === OriginEnvironment.AWS
        ? {
            originAccountID: world.scenario.accountId,
            originRegion,
            originAvailabilityZone: `${originRegion}a`,
          }
        : {},
  };
}

function requireServer(world: World, id: string | undefined): SourceServerRecord {
  if (!id) throw world.fieldError('sourceServerID', 'required');
  if (!ID_PATTERNS.sourceServerID.test(id)) {
    throw world.fieldError('sourceServerID', `must match ${ID_PATTERNS.sourceServerID.source}`);
  }
  const s = world.sourceServer(id);
  if (!s) {
    throw world.drsError('ResourceNotFoundException', `Source server ${id} not found`, {
      resourceId: id,
      resourceType: 'SOURCE_SERVER',
    });
  }
  return s;
}

export function describeSourceServers(world: World, input: DescribeSourceServersCommandInput) {
  const ids = checkIdList(
    world,
    'filters.sourceServerIDs',
    input.filters?.sourceServerIDs,
    ID_PATTERNS.sourceServerID,
    0,
    200,
  );
  const cursor = openPage(world, 'DescribeSourceServers', input);
  const wanted = new Set(ids);
  // `hardwareId`: "an EC2 instance id, a VMware uuid or a mac address" (model); the simulation
  // knows the EC2 instance a source server replicates from (`identificationHints.awsInstanceID`).
  const hardwareId = input.filters?.hardwareId;
  const items = world
    .sourceServers()
    .filter((s) => wanted.size === 0 || wanted.has(s.sourceServerID))
    .filter((s) => hardwareId === undefined || s.replicatedFromInstanceID === hardwareId);
  const { page, nextToken } = slicePage(items, cursor);
  return { items: page.map((s) => sourceServerView(world, s)), ...(nextToken ? { nextToken } : {}) };
}

/** Destructive: stops replication and deletes the server's recovery points. Modelled so tests can see it. */
export function stopReplication(world: World, input: StopReplicationCommandInput) {
  const s = requireServer(world, input.sourceServerID);
  addEntry(s.replication, world.now, { state: DataReplicationState.STOPPED, lagMs: 0 });
  s.snapshotsDeletedAt ??= world.now;
  return { sourceServer: sourceServerView(world, s) };
}

/** Destructive: the server stops replicating and is disconnected from DRS. */
export function disconnectSourceServer(world: World, input: DisconnectSourceServerCommandInput) {
  const s = requireServer(world, input.sourceServerID);
  s.disconnectedAt ??= world.now;
  return sourceServerView(world, s);
}
