// Builds the initial world from a scenario: servers, their recovery instances, the EC2
// instances behind them and the failback targets (AWS origin: in the origin region, and the
// reversed source server when the scenario starts reversed). Ids not given come from the
// seed, in scenario order, so the same scenario always yields the same world.
import { FailbackState, OriginEnvironment } from '@aws-sdk/client-drs';
import type { Clock } from '../clock.js';
import { addEc2Instance, drNetwork, drPrivateIp } from './ec2.js';
import {
  failbackClientSilentAt,
  failbackErrorFault,
  recoveryInstanceLost,
  replicationLagMs,
  replicationStalled,
} from './faults.js';
import { newInstanceId, newSourceServerId } from './ids.js';
import { reverse } from './reverse-replication.js';
import type { Scenario } from './scenario.js';
import { addEntry } from './time.js';
import { World } from './world.js';

const DAY = 86_400_000;

/** A fresh world from a validated scenario; the clock should stand at `scenario.startAt`. */
export function createWorld(scenario: Scenario, clock: Clock): World {
  const world = World.empty(scenario, clock);
  populate(world);
  return world;
}

function populate(world: World): void {
  const start = world.startAt;
  const disaster = world.scenario.disasterAt ? Date.parse(world.scenario.disasterAt) : undefined;
  const region = world.scenario.region;
  const net = drNetwork(world);
  const primary = {
    vpcId: `vpc-${'0'.repeat(9)}${net.vpcId.slice(-8)}`,
    subnetId: `subnet-${'0'.repeat(9)}${net.subnetId.slice(-8)}`,
    securityGroupId: `sg-${'0'.repeat(9)}${net.securityGroupId.slice(-8)}`,
  };
  let n = 0;
  for (const spec of world.scenario.servers) {
    for (let k = 0; k < spec.count; k++, n++) {
      const sourceServerID = spec.sourceServerID ?? world.freshId(newSourceServerId);
      const recoveryInstanceID = spec.recoveryInstanceID ?? world.freshId(newInstanceId);
      const ec2InstanceID = spec.ec2InstanceID ?? world.freshId(newInstanceId);
      const hostname = spec.hostname
        ? spec.count > 1
          ? `${spec.hostname}-${k + 1}`
          : spec.hostname
        : `server-${String(n + 1).padStart(4, '0')}`;
      // The recovery instances were launched after the disaster (half an hour later, from the
      // newest point replicated before it); without a disaster, two days before the start.
      const createdAt = disaster !== undefined ? disaster + 30 * 60_000 : start - 2 * DAY;

      const ec2 = addEc2Instance(world, {
        instanceId: ec2InstanceID,
        region,
        subnetId: spec.subnetId ?? net.subnetId,
        vpcId: net.vpcId,
        privateIp: spec.privateIp ?? drPrivateIp(n),
        securityGroupIds: [net.securityGroupId],
        availabilityZone: net.availabilityZone,
        launchedAt: createdAt,
        tags: { Name: hostname, AWSElasticDisasterRecoveryManaged: 'drs.amazonaws.com' },
      });
      for (const lost of recoveryInstanceLost(world)) {
        if (lost.server === sourceServerID) addEntry(ec2.state, start + lost.at, 'terminated');
      }

      const aws = spec.origin === OriginEnvironment.AWS;
      const originRegion = spec.originRegion ?? region;
      const targetId = spec.target?.ec2InstanceID;
      const targetRegion = aws ? originRegion : region;
      if (spec.target && targetId && !world.ec2Instance(targetId, targetRegion)) {
        addTarget(world, spec.target, targetId, targetRegion, { hostname, n, primary });
      }

      const { client, pairedAt, syncedAt, failback } = failbackTimeline(
        world,
        spec,
        sourceServerID,
        createdAt,
      );

      const recoveryInstance = {
        recoveryInstanceID,
        region,
        ec2InstanceID,
        sourceServerID,
        origin: spec.origin,
        visibleAt: createdAt,
        pointInTimeAt: disaster ?? createdAt - 5 * 60_000,
        dataAt: disaster ?? createdAt - 5 * 60_000,
        failback,
        ...(spec.writeRate > 0 ? { writeRate: spec.writeRate } : {}),
        ...(aws
          ? {}
          : {
              failbackReplication: failbackReplicationOf(world, sourceServerID, {
                pairedAt,
                syncedAt: client.pairedBeforeMs === undefined ? pairedAt : syncedAt,
                lagMs: client.lagMs,
              }),
            }),
        // The failback boots the target only on premises; an EC2-origin failback launches anew.
        ...(targetId && !aws ? { targetEc2InstanceID: targetId } : {}),
      };
      world.addRecoveryInstance(recoveryInstance);
      const sourceServer = {
        sourceServerID,
        region,
        origin: spec.origin,
        ...(aws ? { originRegion } : {}),
        ...(aws && spec.reverseReplication
          ? {
              reverseCatchUp: {
                catchUpMs: spec.reverseReplication.catchUpMs,
                lagMs: spec.reverseReplication.lagMs,
              },
            }
          : {}),
        ...(aws && spec.target ? { originNetwork: originNetwork(spec.target) } : {}),
        hostname,
        addedAt: Math.min(start, disaster ?? start) - 30 * DAY,
        recoveryInstance: [{ at: createdAt, value: recoveryInstanceID }],
        replication: [
          { at: start - 30 * DAY, value: { state: spec.replication.state, lagMs: spec.replication.lagMs } },
        ],
        recoveryPoints: { ...spec.recoveryPoints },
        launch: { ...spec.launch },
        health: { ...spec.health },
        recovery: { ...spec.recovery },
      };
      world.addSourceServer(sourceServer);
      const rr = spec.reverseReplication;
      if (aws && rr?.state === 'reversed') {
        // Reversed an hour before catching up fully ahead of the start: continuous at the start.
        reverse(world, recoveryInstance, sourceServer, start - rr.catchUpMs - 3_600_000, rr.sourceServerID);
      }
    }
  }
}

type ServerSpec = World['scenario']['servers'][number];

/** The recovery instance's failback state over time: the Failback Client pairs, syncs, is ready. */
function failbackTimeline(world: World, spec: ServerSpec, sourceServerID: string, createdAt: number) {
  const start = world.startAt;
  const client = spec.failbackClient ?? { initialSyncMs: 2 * 3_600_000, lagMs: 5_000 };
  const pairedAt =
    client.pairedBeforeMs === undefined ? createdAt : Math.max(createdAt, start - client.pairedBeforeMs);
  const syncedAt = pairedAt + client.initialSyncMs;
  const failback =
    client.pairedBeforeMs === undefined
      ? [{ at: createdAt, value: spec.failbackState }]
      : [
          { at: createdAt, value: FailbackState.FAILBACK_NOT_STARTED },
          { at: pairedAt, value: FailbackState.FAILBACK_IN_PROGRESS },
          { at: syncedAt, value: FailbackState.FAILBACK_READY_FOR_LAUNCH },
        ];
  if (spec.readyAfterMs !== undefined) {
    addEntry(failback, start + spec.readyAfterMs, FailbackState.FAILBACK_READY_FOR_LAUNCH);
  }
  const errorFault = failbackErrorFault(world, sourceServerID);
  if (errorFault?.at !== undefined) addEntry(failback, start + errorFault.at, FailbackState.FAILBACK_ERROR);
  return { client, pairedAt, syncedAt, failback };
}

/** The failback target, when it is an EC2 instance (EC2 origin, or an on-premises stand-in). */
function addTarget(
  world: World,
  target: NonNullable<ServerSpec['target']>,
  targetId: string,
  targetRegion: string,
  at: { hostname: string; n: number; primary: { vpcId: string; subnetId: string; securityGroupId: string } },
): void {
  const { hostname, n, primary } = at;
  const start = world.startAt;
  addEc2Instance(world, {
    instanceId: targetId,
    region: targetRegion,
    subnetId: target.subnetId ?? primary.subnetId,
    vpcId: target.vpcId ?? primary.vpcId,
    privateIp: target.privateIp ?? `10.0.${Math.floor(n / 250) % 250}.${10 + (n % 250)}`,
    securityGroupIds: target.securityGroupIds ?? [primary.securityGroupId],
    availabilityZone: `${targetRegion}a`,
    launchedAt: start - 30 * DAY,
    tags: { Name: `${hostname}-primary` },
  });
}

/** The failback replication's timeline and the faults that bend it (stall, stuck lag, silent client). */
function failbackReplicationOf(
  world: World,
  sourceServerID: string,
  timing: { pairedAt: number; syncedAt: number; lagMs: number },
) {
  const start = world.startAt;
  const stall = replicationStalled(world, sourceServerID);
  const stuckLagMs = replicationLagMs(world, sourceServerID);
  const silentAt = failbackClientSilentAt(world, sourceServerID);
  return {
    ...timing,
    // A stall with no instant given began an hour before the start.
    ...(stall ? { stalledAt: start + (stall.at ?? 0) - (stall.at === undefined ? 3_600_000 : 0) } : {}),
    ...(stuckLagMs !== undefined ? { stuckLagMs } : {}),
    ...(silentAt !== undefined ? { clientSilentAt: silentAt } : {}),
  };
}

function originNetwork(target: NonNullable<World['scenario']['servers'][number]['target']>) {
  return {
    ...(target.subnetId === undefined ? {} : { subnetId: target.subnetId }),
    ...(target.vpcId === undefined ? {} : { vpcId: target.vpcId }),
    ...(target.securityGroupIds === undefined ? {} : { securityGroupIds: [...target.securityGroupIds] }),
    ...(target.privateIp === undefined ? {} : { privateIp: target.privateIp }),
  };
}
