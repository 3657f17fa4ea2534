// Builds the initial world from a scenario: servers, their recovery instances, the EC2
// instances behind them and the failback targets (AWS origin: in the origin region, and the
// reversed source server when the scenario starts reversed). Ids not given come from the
// seed, in scenario order, so the same scenario always yields the same world.
import { FailbackState, OriginEnvironment } from '@aws-sdk/client-drs';
import { failbackErrorFault, recoveryInstanceLost } from './faults.js';
import { HEX, newInstanceId, newSourceServerId } from './ids.js';
import { reverse } from './reverse-replication.js';
import type { Ec2InstanceRecord, Ec2StatusValue } from './state.js';
import { addEntry } from './time.js';
import type { World } from './world.js';

const DAY = 86_400_000;

export interface Ec2Spec {
  instanceId: string;
  region: string;
  subnetId: string;
  vpcId: string;
  privateIp: string;
  securityGroupIds: string[];
  availabilityZone: string;
  launchedAt: number;
  tags: Record<string, string>;
  /** Status checks read this until `healthyAt`, then `health`. */
  healthyAt?: number;
  health?: Ec2StatusValue;
}

export function addEc2Instance(world: World, spec: Ec2Spec): Ec2InstanceRecord {
  const record: Ec2InstanceRecord = {
    instanceId: spec.instanceId,
    region: spec.region,
    subnetId: spec.subnetId,
    vpcId: spec.vpcId,
    availabilityZone: spec.availabilityZone,
    privateIp: spec.privateIp,
    securityGroupIds: [...spec.securityGroupIds],
    instanceType: 'm5.large',
    launchedAt: spec.launchedAt,
    state: [{ at: spec.launchedAt, value: 'running' }],
    instanceStatus: [
      { at: spec.launchedAt, value: spec.healthyAt === undefined ? (spec.health ?? 'ok') : 'initializing' },
    ],
    systemStatus: [{ at: spec.launchedAt, value: spec.healthyAt === undefined ? 'ok' : 'initializing' }],
    tags: spec.tags,
  };
  if (spec.healthyAt !== undefined) {
    addEntry(record.instanceStatus, spec.healthyAt, spec.health ?? 'ok');
    addEntry(record.systemStatus, spec.healthyAt, 'ok');
  }
  world.addEc2Instance(record);
  return record;
}

/** A region's default network, derived once so every instance launched there shares it. */
export interface DrNetwork {
  vpcId: string;
  subnetId: string;
  securityGroupId: string;
  availabilityZone: string;
}

export function drNetwork(world: World, region = world.scenario.region): DrNetwork {
  // Derived from the account and region (not the rng) so it is the same after a load.
  const suffix = (salt: string) =>
    Array.from({ length: 17 }, (_, i) =>
      HEX.charAt((salt.charCodeAt(i % salt.length) * (i + 7) + i) % 16),
    ).join('');
  const key = `${world.scenario.accountId}${region}`;
  return {
    vpcId: `vpc-${suffix(`dr-vpc${key}`)}`,
    subnetId: `subnet-${suffix(`dr-subnet${key}`)}`,
    securityGroupId: `sg-${suffix(`dr-sg${key}`)}`,
    availabilityZone: `${region}a`,
  };
}

/** 10.100.0.10, 10.100.0.11, ...: one address a recovery instance. */
export function drPrivateIp(n: number): string {
  return `10.100.${Math.floor(n / 250) % 250}.${10 + (n % 250)}`;
}

export function populate(world: World): void {
  const start = world.startAt;
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
      const createdAt = start - 2 * DAY;

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
        addEc2Instance(world, {
          instanceId: targetId,
          region: targetRegion,
          subnetId: spec.target.subnetId ?? primary.subnetId,
          vpcId: spec.target.vpcId ?? primary.vpcId,
          privateIp: spec.target.privateIp ?? `10.0.${Math.floor(n / 250) % 250}.${10 + (n % 250)}`,
          securityGroupIds: spec.target.securityGroupIds ?? [primary.securityGroupId],
          availabilityZone: `${targetRegion}a`,
          launchedAt: start - 30 * DAY,
          tags: { Name: `${hostname}-primary` },
        });
      }

      const failback = [{ at: createdAt, value: spec.failbackState }];
      if (spec.readyAfterMs !== undefined) {
        addEntry(failback, start + spec.readyAfterMs, FailbackState.FAILBACK_READY_FOR_LAUNCH);
      }
      const errorFault = failbackErrorFault(world, sourceServerID);
      if (errorFault?.at !== undefined)
        addEntry(failback, start + errorFault.at, FailbackState.FAILBACK_ERROR);

      const recoveryInstance = {
        recoveryInstanceID,
        region,
        ec2InstanceID,
        sourceServerID,
        origin: spec.origin,
        visibleAt: createdAt,
        pointInTimeAt: createdAt - 5 * 60_000,
        failback,
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
        addedAt: start - 30 * DAY,
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

function originNetwork(target: NonNullable<World['scenario']['servers'][number]['target']>) {
  return {
    ...(target.subnetId === undefined ? {} : { subnetId: target.subnetId }),
    ...(target.vpcId === undefined ? {} : { vpcId: target.vpcId }),
    ...(target.securityGroupIds === undefined ? {} : { securityGroupIds: [...target.securityGroupIds] }),
    ...(target.privateIp === undefined ? {} : { privateIp: target.privateIp }),
  };
}
