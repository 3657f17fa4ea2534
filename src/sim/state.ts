// The world's state, as plain JSON: saved and loaded as is. Time-dependent values are
// timelines (value from a virtual instant on) read at the current virtual time, so nothing
// ticks while time passes.
import type {
  DataReplicationState,
  FailbackState,
  InitiatedBy,
  JobType,
  OriginEnvironment,
  ReplicationDirection,
} from '@aws-sdk/client-drs';
import type { Scenario } from './scenario.js';
import type { TimelineEntry } from './time.js';

export type Ec2StateName = 'pending' | 'running' | 'shutting-down' | 'terminated' | 'stopping' | 'stopped';
export type Ec2StatusValue = 'ok' | 'impaired' | 'insufficient-data' | 'not-applicable' | 'initializing';

/**
 * Replication at an instant. `lagFrom`: the lag grows from that instant on (a stalled or
 * still-syncing replication), on top of `lagMs`.
 */
export interface ReplicationValue {
  state: DataReplicationState;
  lagMs: number;
  lagFrom?: number;
}

export interface NetworkSettings {
  subnetId?: string;
  vpcId?: string;
  securityGroupIds?: string[];
  privateIp?: string;
}

export interface SourceServerRecord {
  sourceServerID: string;
  /** The region whose DRS lists the server. */
  region: string;
  origin: OriginEnvironment;
  originRegion?: string;
  /** FAILOVER: replicates into the DR region; FAILBACK: created by ReverseReplication. Absent: FAILOVER. */
  direction?: ReplicationDirection;
  /** Servers created by ReverseReplication: the scenario server they descend from (faults name it). */
  scenarioServerID?: string;
  /** ARN of the source server replicating the opposite way (set by ReverseReplication). */
  reversedDirectionSourceServerArn?: string;
  /** AWS origin: how a ReverseReplication from this server's recovery instance catches up. */
  reverseCatchUp?: { catchUpMs: number; lagMs: number };
  /** AWS origin: network of an instance launched in the origin region (the scenario's `target`). */
  originNetwork?: NetworkSettings;
  /** Network of an instance StartRecovery launches from this server (absent: the region's default). */
  launchNetwork?: NetworkSettings;
  /** Servers created by ReverseReplication: the EC2 instance they replicate from. */
  replicatedFromInstanceID?: string;
  hostname: string;
  addedAt: number;
  /** Which recovery instance DRS associates with the server, from when. */
  recoveryInstance: TimelineEntry<string | null>[];
  replication: TimelineEntry<ReplicationValue>[];
  recoveryPoints: { everyMs: number; newestAgeMs: number; retentionMs: number };
  /** No recovery point is older than this (a server created by ReverseReplication). */
  snapshotsFrom?: number;
  /** StopReplication deletes the snapshots; none are listed after this instant. */
  snapshotsDeletedAt?: number;
  disconnectedAt?: number;
  launch: { durationMs: number; result: 'launched' | 'failed' };
  health: { afterMs: number; result: 'ok' | 'impaired' };
  recovery: { durationMs: number; result: 'launched' | 'failed' };
  lastLaunch?: { jobID: string; at: number; type: 'RECOVERY' | 'DRILL' };
}

export interface RecoveryInstanceRecord {
  recoveryInstanceID: string;
  region: string;
  ec2InstanceID: string;
  sourceServerID: string;
  origin: OriginEnvironment;
  /** Listed from this instant on (a StartRecovery launch makes it exist when its job ends). */
  visibleAt: number;
  launchedByJobID?: string;
  pointInTimeAt?: number;
  failback: TimelineEntry<FailbackState>[];
  failbackJobID?: string;
  failbackInitiatedAt?: number;
  /** EC2 instance the failback converts and boots (when the target is an EC2 instance). */
  targetEc2InstanceID?: string;
  terminatedAt?: number;
  disconnectedAt?: number;
  /** AWS origin: the source server that ReverseReplication created for this instance. */
  reversedTo?: { region: string; sourceServerID: string };
  /** ON_PREMISES: the failback replication from this instance to its failback target. */
  failbackReplication?: FailbackReplicationRecord;
  /** The application's writes on this instance, bytes per second while it serves (0 or absent: none). */
  writeRate?: number;
  /** The instant the instance's data stands for when it was launched (the disaster, or a snapshot). */
  dataAt?: number;
  /** `World.stopWrites`: the application's writes on this instance stopped then. */
  writesStoppedAt?: number;
  /** `World.writeMarker`: the cutover marker written on this instance's data, and when. */
  marker?: { value: string; at: number; unreplicated?: boolean };
}

/**
 * The failback replication of an on-premises recovery instance (the Failback Client pairs, syncs,
 * then replicates continuously). INITIATING from `pairedAt`, INITIAL_SYNC, BACKLOG, CONTINUOUS from
 * `syncedAt`; StopFailback clears `pairedAt` (the client must pair and sync again).
 */
export interface FailbackReplicationRecord {
  /** Absent: not paired (NOT_STARTED). */
  pairedAt?: number;
  syncedAt?: number;
  /** Lag while writes flow and the replication is CONTINUOUS; it drains once writes stop. */
  lagMs: number;
  /** Fault: STALLED from then on, the lag growing. */
  stalledAt?: number;
  /** Fault: the Failback Client last talked to DRS then; the lag grows from then on. */
  clientSilentAt?: number;
  /** Fault: a lag that never drains (with a backlog), writes stopped or not. */
  stuckLagMs?: number;
}

export interface JobServerRecord {
  sourceServerID: string;
  recoveryInstanceID?: string;
  /** Instance that the launch boots (failback target, or the new recovery instance's EC2). */
  targetInstanceID?: string;
  /** null: never finishes. */
  endAt: number | null;
  result: 'LAUNCHED' | 'FAILED';
  /** START_RECOVERY: the recovery instance the job creates. */
  newRecoveryInstanceID?: string;
  usedSnapshotID?: string;
  /** StartFailbackLaunch: the instant of the recovery instance's data the target holds (the oracle). */
  copyAt?: number;
}

export interface JobRecord {
  jobID: string;
  region: string;
  type: JobType;
  initiatedBy: InitiatedBy;
  createdAt: number;
  startAt: number;
  endAt: number | null;
  tags?: Record<string, string>;
  servers: JobServerRecord[];
}

export interface Ec2InstanceRecord {
  instanceId: string;
  region: string;
  subnetId: string;
  vpcId: string;
  availabilityZone: string;
  privateIp: string;
  securityGroupIds: string[];
  instanceType: string;
  launchedAt: number;
  state: TimelineEntry<Ec2StateName>[];
  instanceStatus: TimelineEntry<Ec2StatusValue>[];
  systemStatus: TimelineEntry<Ec2StatusValue>[];
  /** DescribeInstances answers InvalidInstanceID.NotFound until then (eventual consistency). */
  notFoundUntil?: number;
  tags: Record<string, string>;
}

export interface PublishedMessage {
  topicArn: string;
  messageId: string;
  subject?: string;
  message: string;
  messageGroupId?: string;
  at: string;
}

export type Service = 'drs' | 'ec2' | 'sns' | 'service-quotas';

export interface RecordedCall {
  service: Service;
  operation: string;
  /** The region the client was bound to. */
  region: string;
  /** Absent once answered when the world does not keep inputs (`World.keepCallInputs(false)`). */
  input?: unknown;
  /** Virtual time of the call, ISO-8601. */
  at: string;
  ok: boolean;
  requestId: string;
  errorName?: string;
  /** What the world allowed although the real service might not (see UNVERIFIED in docs). */
  notes?: string[];
}

export interface WorldState {
  format: 'drs-failback-sim-world';
  version: 1;
  scenario: Scenario;
  now: number;
  rngState: number;
  sourceServers: SourceServerRecord[];
  recoveryInstances: RecoveryInstanceRecord[];
  jobs: JobRecord[];
  ec2Instances: Ec2InstanceRecord[];
  published: PublishedMessage[];
  /** Per fault index: how many times a counted fault has fired. */
  faultHits: number[];
  calls: RecordedCall[];
}
