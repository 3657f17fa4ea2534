// The world's state, as plain JSON: saved and loaded as is. Time-dependent values are
// timelines (value from a virtual instant on) read at the current virtual time, so nothing
// ticks while time passes.
import type {
  DataReplicationState,
  FailbackState,
  InitiatedBy,
  JobType,
  OriginEnvironment,
} from '@aws-sdk/client-drs';
import type { Scenario } from './scenario.js';
import type { TimelineEntry } from './time.js';

export type Ec2StateName = 'pending' | 'running' | 'shutting-down' | 'terminated' | 'stopping' | 'stopped';
export type Ec2StatusValue = 'ok' | 'impaired' | 'insufficient-data' | 'not-applicable' | 'initializing';

export interface SourceServerRecord {
  sourceServerID: string;
  origin: OriginEnvironment;
  originRegion?: string;
  hostname: string;
  addedAt: number;
  /** Which recovery instance DRS associates with the server, from when. */
  recoveryInstance: TimelineEntry<string | null>[];
  replication: TimelineEntry<{ state: DataReplicationState; lagMs: number }>[];
  recoveryPoints: { everyMs: number; newestAgeMs: number; retentionMs: number };
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
}

export interface JobRecord {
  jobID: string;
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

export interface RecordedCall {
  service: 'drs' | 'ec2' | 'sns';
  operation: string;
  input: unknown;
  /** Virtual time of the call, ISO-8601. */
  at: string;
  ok: boolean;
  requestId: string;
  errorName?: string;
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
