// The failback replication of an on-premises recovery instance: from the instance (the DR copy,
// where the application writes since the disaster) to its failback target, run by the Failback
// Client. What DescribeRecoveryInstances shows of it, and where the data of each copy stands
// (the data oracle, data.ts). See docs/simulation.md for what is DOCUMENTED and what ASSUMED.
import {
  FailbackReplicationError,
  FailbackState,
  OriginEnvironment,
  RecoveryInstanceDataReplicationState,
} from '@aws-sdk/client-drs';
import type { RecoveryInstanceRecord } from './state.js';
import { valueAt } from './time.js';
import type { World } from './world.js';

const S = RecoveryInstanceDataReplicationState;
/** INITIATING lasts this long after pairing; BACKLOG the last 10 minutes before CONTINUOUS. */
const INITIATING_MS = 60_000;
const BACKLOG_MS = 10 * 60_000;
/** What INITIAL_SYNC still has to copy (a disk's worth; the figure is illustrative). */
const INITIAL_SYNC_BYTES = 50 * 1024 ** 3;

export interface FailbackReplicationAt {
  state: RecoveryInstanceDataReplicationState;
  lagMs: number;
  backlogBytes: number;
  /** When the Failback Client last talked to DRS; undefined when not paired. */
  clientSeenAt: number | undefined;
  error?: FailbackReplicationError;
}

/** The first instant the instance's EC2 instance is terminated (a lost instance), if any. */
function ec2GoneAt(world: World, ri: RecoveryInstanceRecord): number | undefined {
  const ec2 = world.ec2Instance(ri.ec2InstanceID, ri.region);
  return ec2?.state.find((e) => e.value === 'terminated')?.at;
}

/** The instant the data of the instance stood for when it was launched. */
export const dataBase = (ri: RecoveryInstanceRecord): number => ri.dataAt ?? ri.pointInTimeAt ?? ri.visibleAt;

/**
 * The newest write on the instance at `t`. The application writes from the launch on, until
 * `stopWrites`, the instance's loss or termination, or the end of its failback launch (traffic
 * moves to the primary then: ASSUMED; the sim has no DNS).
 */
export function newestWriteAt(world: World, ri: RecoveryInstanceRecord, t: number): number {
  const base = dataBase(ri);
  // The cutover marker is a write of its own, even after the application's writes stopped.
  const marker = ri.marker && !ri.marker.unreplicated && ri.marker.at <= t ? ri.marker.at : base;
  if (!ri.writeRate) return Math.max(base, marker);
  const ends = [t, ri.writesStoppedAt, ri.terminatedAt, ec2GoneAt(world, ri), failbackEndAt(world, ri)];
  const end = Math.min(...ends.filter((x): x is number => x !== undefined));
  return Math.max(base, marker, Math.min(end, Math.max(t, base)));
}

/** When the instance's failback launch ended with the target LAUNCHED, if it did. */
export function failbackEndAt(world: World, ri: RecoveryInstanceRecord): number | undefined {
  if (!ri.failbackJobID) return undefined;
  const job = world.job(ri.failbackJobID, ri.region);
  const s = job?.servers.find((x) => x.recoveryInstanceID === ri.recoveryInstanceID);
  return s && s.result === 'LAUNCHED' && s.endAt !== null ? s.endAt : undefined;
}

const writing = (ri: RecoveryInstanceRecord, t: number): boolean =>
  (ri.writeRate ?? 0) > 0 && (ri.writesStoppedAt === undefined || ri.writesStoppedAt > t);

/** The failback replication of an on-premises instance at `t`, as DRS would show it. */
export function failbackReplicationAt(
  ri: RecoveryInstanceRecord,
  state: FailbackState | undefined,
  t: number,
): FailbackReplicationAt {
  const fr = ri.failbackReplication;
  const rate = ri.writeRate ?? 0;
  const pairedAt = fr?.pairedAt !== undefined && fr.pairedAt <= t ? fr.pairedAt : undefined;
  const silentAt = fr?.clientSilentAt;
  const clientSeenAt =
    pairedAt === undefined
      ? undefined
      : Math.max(pairedAt, Math.min(t, silentAt ?? Number.POSITIVE_INFINITY));
  const none = { lagMs: 0, backlogBytes: 0, clientSeenAt: undefined };
  if (ri.disconnectedAt !== undefined && ri.disconnectedAt <= t) {
    return { state: S.DISCONNECTED, ...none, lagMs: t - ri.disconnectedAt };
  }
  switch (state) {
    case undefined:
    case FailbackState.FAILBACK_NOT_STARTED:
      return { state: S.NOT_STARTED, ...none };
    case FailbackState.FAILBACK_COMPLETED:
      return { state: S.STOPPED, ...none, clientSeenAt };
    case FailbackState.FAILBACK_ERROR:
      return {
        state: S.STALLED,
        lagMs: 0,
        backlogBytes: 0,
        clientSeenAt,
        error: FailbackReplicationError.FAILBACK_CLIENT_NOT_SEEN,
      };
    case FailbackState.FAILBACK_NOT_READY_FOR_LAUNCH:
      return {
        state: S.INITIAL_SYNC,
        lagMs: pairedAt === undefined ? 0 : t - pairedAt,
        backlogBytes: INITIAL_SYNC_BYTES,
        clientSeenAt,
      };
    default:
      break;
  }
  // A launch is running: the replication went on until it began (FAILBACK_IN_PROGRESS).
  const launching = ri.failbackInitiatedAt !== undefined && ri.failbackInitiatedAt <= t;
  if (
    state === FailbackState.FAILBACK_IN_PROGRESS &&
    !launching &&
    fr?.syncedAt !== undefined &&
    pairedAt !== undefined
  ) {
    const sinceMs = t - pairedAt;
    if (sinceMs < INITIATING_MS)
      return { state: S.INITIATING, lagMs: sinceMs, backlogBytes: 0, clientSeenAt };
    if (t < fr.syncedAt - BACKLOG_MS) {
      return { state: S.INITIAL_SYNC, lagMs: sinceMs, backlogBytes: INITIAL_SYNC_BYTES, clientSeenAt };
    }
    return {
      state: S.BACKLOG,
      lagMs: sinceMs,
      backlogBytes: Math.max(1, Math.round((rate * Math.min(sinceMs, BACKLOG_MS)) / 1000)),
      clientSeenAt,
    };
  }
  // CONTINUOUS (FAILBACK_READY_FOR_LAUNCH, or a launch running).
  const base = fr?.lagMs ?? 0;
  let lagMs = 0;
  if (rate > 0) {
    lagMs = writing(ri, t) ? base : Math.max(0, base - (t - (ri.writesStoppedAt ?? t)));
  }
  if (fr?.stuckLagMs !== undefined) {
    // A replication that cannot catch up: the same lag, writes stopped or not (no backlog shown:
    // the precheck cannot tell it from a healthy lag; only the drain before the cutover can).
    return { state: S.CONTINUOUS, lagMs: fr.stuckLagMs, backlogBytes: 0, clientSeenAt };
  }
  if (fr?.stalledAt !== undefined && fr.stalledAt <= t) {
    const grown = lagMs + (t - fr.stalledAt);
    return {
      state: S.STALLED,
      lagMs: grown,
      backlogBytes: Math.max(1, Math.round((rate * grown) / 1000)),
      clientSeenAt,
      error: FailbackReplicationError.UNSTABLE_NETWORK,
    };
  }
  if (silentAt !== undefined && silentAt <= t) {
    // Nothing arrives from a silent client: the target falls behind from then on.
    const grown = lagMs + (rate > 0 || writing(ri, silentAt) ? t - silentAt : 0);
    return { state: S.CONTINUOUS, lagMs: grown, backlogBytes: 0, clientSeenAt };
  }
  return { state: S.CONTINUOUS, lagMs, backlogBytes: 0, clientSeenAt };
}

/** Whether the instance's failback replication is modelled here (on premises, with its record). */
export const hasFailbackReplication = (ri: RecoveryInstanceRecord): boolean =>
  ri.origin === OriginEnvironment.ON_PREMISES && ri.failbackReplication !== undefined;

/** The data point a failback launch sent at `t` copies: what the replication had carried home. */
export function copyPointAt(world: World, ri: RecoveryInstanceRecord, t: number): number {
  const state = valueAt(ri.failback, t);
  const newest = newestWriteAt(world, ri, t);
  const { lagMs } = failbackReplicationAt(ri, state, t);
  return Math.max(dataBase(ri), Math.min(newest, t - lagMs));
}
