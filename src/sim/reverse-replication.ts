// ReverseReplication: how an EC2-origin server fails back. Called on a recovery instance, it
// creates a source server in the region the instance's server came from, replicating the
// opposite way, which catches up (INITIATING -> INITIAL_SYNC -> CONTINUOUS) over the scenario's
// `catchUp`. No job: the response is only the new server's ARN.
import {
  DataReplicationState,
  EC2InstanceState,
  OriginEnvironment,
  ReplicationDirection,
  type ReverseReplicationCommandInput,
  ValidationExceptionReason,
} from '@aws-sdk/client-drs';
import { drsEc2State } from './ec2.js';
import { replicationLagMs, replicationStalled } from './faults.js';
import { ID_PATTERNS, newSourceServerId } from './ids.js';
import { activeJobs } from './jobs.js';
import { visibleRecoveryInstance } from './recovery-instances.js';
import { lagAt, scenarioServerID } from './replication.js';
import type { RecoveryInstanceRecord, ReplicationValue, SourceServerRecord } from './state.js';
import { addEntry, dropAfter, type TimelineEntry, valueAt } from './time.js';
import type { World } from './world.js';

/** Share of the catch-up spent INITIATING before INITIAL_SYNC (the rest is the sync itself). */
const INITIATING_SHARE = 0.1;

const opposite = (d: ReplicationDirection | undefined): ReplicationDirection =>
  d === ReplicationDirection.FAILBACK ? ReplicationDirection.FAILOVER : ReplicationDirection.FAILBACK;

/**
 * Replication that starts at `startedAt` and catches up over `catchUpMs`, with the scenario's
 * faults applied when it runs DR -> origin (direction FAILBACK): a stall (from `at`, else
 * halfway through the initial sync) or a forced lag once continuous.
 */
function catchUpTimeline(
  world: World,
  root: string,
  direction: ReplicationDirection,
  startedAt: number,
  catchUpMs: number,
  lagMs: number,
): TimelineEntry<ReplicationValue>[] {
  const failback = direction === ReplicationDirection.FAILBACK;
  const continuousAt = startedAt + catchUpMs;
  const timeline: TimelineEntry<ReplicationValue>[] = [
    { at: startedAt, value: { state: DataReplicationState.INITIATING, lagMs: 0, lagFrom: startedAt } },
  ];
  addEntry(timeline, startedAt + Math.round(catchUpMs * INITIATING_SHARE), {
    state: DataReplicationState.INITIAL_SYNC,
    lagMs: 0,
    lagFrom: startedAt,
  });
  const forcedLag = failback ? replicationLagMs(world, root) : undefined;
  addEntry(timeline, continuousAt, { state: DataReplicationState.CONTINUOUS, lagMs: forcedLag ?? lagMs });
  const stall = failback ? replicationStalled(world, root) : undefined;
  if (stall) {
    const stallAt =
      stall.at === undefined
        ? startedAt + Math.round(catchUpMs / 2)
        : Math.max(startedAt, world.startAt + stall.at);
    const before = valueAt(timeline, stallAt);
    dropAfter(timeline, stallAt);
    addEntry(timeline, stallAt, {
      state: DataReplicationState.STALLED,
      lagMs: before ? lagAt(before, stallAt) : 0,
      lagFrom: stallAt,
    });
  }
  return timeline;
}

const DEFAULT_CATCH_UP = { catchUpMs: 20 * 60_000, lagMs: 30_000 };

/**
 * Creates the source server that replicates `ri` back to its server's origin region, from
 * `at` on, and links both ends. Used by the operation and by scenarios that start reversed.
 */
export function reverse(
  world: World,
  ri: RecoveryInstanceRecord,
  from: SourceServerRecord,
  at: number,
  id?: string,
): SourceServerRecord {
  const targetRegion = from.originRegion ?? world.scenario.region;
  const root = scenarioServerID(from);
  const direction = opposite(from.direction);
  const settings = from.reverseCatchUp ?? DEFAULT_CATCH_UP;
  const sourceServerID = id ?? world.freshId(newSourceServerId);
  const record: SourceServerRecord = {
    sourceServerID,
    region: targetRegion,
    origin: OriginEnvironment.AWS,
    originRegion: ri.region,
    direction,
    scenarioServerID: root,
    // UNVERIFIED: both ends name each other here; DRS documents the field on the failed-back end.
    reversedDirectionSourceServerArn: world.arn(`source-server/${from.sourceServerID}`, from.region),
    hostname: from.hostname,
    addedAt: at,
    recoveryInstance: [{ at, value: null }],
    replication: catchUpTimeline(world, root, direction, at, settings.catchUpMs, settings.lagMs),
    recoveryPoints: { ...from.recoveryPoints },
    snapshotsFrom: at + settings.catchUpMs,
    launch: { ...from.launch },
    health: { ...from.health },
    recovery: { ...from.recovery },
    reverseCatchUp: { ...settings },
    // A failback launches where the server came from; a re-protected server keeps that network
    // as its origin for the next round.
    ...(direction === ReplicationDirection.FAILBACK && from.originNetwork
      ? { launchNetwork: structuredClone(from.originNetwork) }
      : {}),
    ...(direction === ReplicationDirection.FAILOVER && from.launchNetwork
      ? { originNetwork: structuredClone(from.launchNetwork) }
      : {}),
    replicatedFromInstanceID: ri.ec2InstanceID,
  };
  world.addSourceServer(record);
  ri.reversedTo = { region: targetRegion, sourceServerID };
  from.reversedDirectionSourceServerArn = world.arn(`source-server/${sourceServerID}`, targetRegion);
  return record;
}

function refuse(world: World, id: string, message: string) {
  return world.drsError('ValidationException', message, {
    reason: ValidationExceptionReason.OTHER,
    fieldList: [{ name: 'recoveryInstanceID', message: id }],
  });
}

export function reverseReplication(world: World, input: ReverseReplicationCommandInput) {
  const id = input.recoveryInstanceID;
  if (id === undefined || id === '') throw world.fieldError('recoveryInstanceID', 'required');
  if (!ID_PATTERNS.recoveryInstanceID.test(id)) {
    throw world.fieldError('recoveryInstanceID', `must match ${ID_PATTERNS.recoveryInstanceID.source}`);
  }
  const ri = visibleRecoveryInstance(world, id);
  if (ri.origin !== OriginEnvironment.AWS) {
    throw refuse(
      world,
      id,
      `Recovery instance ${id} originates on premises; reverse replication is for EC2 origin (use the failback client and StartFailbackLaunch)`,
    );
  }
  const from = world.sourceServer(ri.sourceServerID);
  if (!from) {
    throw world.drsError('ResourceNotFoundException', `Source server ${ri.sourceServerID} not found`, {
      resourceId: ri.sourceServerID,
      resourceType: 'SOURCE_SERVER',
    });
  }
  if (ri.reversedTo) {
    world.note(`ReverseReplication repeated on ${id}: answered with the same ARN (UNVERIFIED)`);
    return {
      reversedDirectionSourceServerArn: world.arn(
        `source-server/${ri.reversedTo.sourceServerID}`,
        ri.reversedTo.region,
      ),
    };
  }
  const busy = activeJobs(world).find((j) => j.servers.some((s) => s.recoveryInstanceID === id));
  if (busy) {
    throw world.drsError('ConflictException', `Recovery instance ${id} is part of active job ${busy.jobID}`, {
      resourceId: id,
      resourceType: 'RECOVERY_INSTANCE',
    });
  }
  const ec2State = drsEc2State(world, ri.ec2InstanceID);
  if (ec2State !== EC2InstanceState.RUNNING) {
    // UNVERIFIED: replication needs the instance's agent running, so DRS is assumed to refuse.
    throw refuse(world, id, `Recovery instance ${id}: its EC2 instance ${ri.ec2InstanceID} is ${ec2State}`);
  }
  const created = reverse(world, ri, from, world.now);
  return {
    reversedDirectionSourceServerArn: world.arn(`source-server/${created.sourceServerID}`, created.region),
  };
}
