// Is the data on a recovery instance home yet? The failback replication runs from the recovery
// instance to the failback target; its health is the recovery instance's own
// `dataReplicationInfo` (shared/reference/drs-api.md section 4), never the source server's
// recovery snapshots, which stopped when the source went down.
import { RecoveryInstanceDataReplicationState } from '@aws-sdk/client-drs';
import { parseIsoDuration } from './duration.js';

/** The fields of a DRS `RecoveryInstance` this classifier reads (structural, so tests stay small). */
export interface FailbackReplicationView {
  failback?: { failbackClientLastSeenByServiceDateTime?: string | undefined } | undefined;
  dataReplicationInfo?:
    | {
        dataReplicationState?: string | undefined;
        lagDuration?: string | undefined;
        replicatedDisks?: ReadonlyArray<{ backloggedStorageBytes?: number | undefined }> | undefined;
        dataReplicationError?: { error?: string | undefined; rawError?: string | undefined } | undefined;
      }
    | undefined;
}

/**
 * Milliseconds of replication lag from `lagDuration`. The service model types it as an ISO-8601
 * *datetime* on recovery instances and a *duration* on source servers; DRS documents neither
 * value for failback. Both are accepted: a duration is the lag itself, a datetime is the instant
 * the target was last in sync, measured against AWS's clock (`awsNowMs`, from the response's
 * `Date` header where known). Anything else, or a datetime in AWS's future, is `undefined`:
 * the caller treats that as "not known", never as "no lag".
 */
export function parseLagMs(lagDuration: string | undefined, awsNowMs: number): number | undefined {
  if (lagDuration === undefined) return undefined;
  const text = lagDuration.trim();
  if (text === '') return undefined;
  if (/^P/i.test(text)) return parseIsoDuration(text);
  // A datetime needs at least a date and a time; `Date.parse` alone accepts far too much.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(text)) return undefined;
  const at = Date.parse(text);
  if (!Number.isFinite(at) || at > awsNowMs) return undefined;
  return awsNowMs - at;
}

export type FailbackReplicationProblem =
  | 'not-continuous'
  | 'lag-unknown'
  | 'lag-above-limit'
  | 'backlog'
  | 'replication-error'
  | 'client-silent'
  | 'client-never-seen';

export interface FailbackReplicationClass {
  /** `drained`: CONTINUOUS, lag known and within the limit, no backlog, no error, client seen. */
  drained: boolean;
  state: string | undefined;
  lagMs: number | undefined;
  backlogBytes: number;
  error: string | undefined;
  clientLastSeenAt: string | undefined;
  /** Age of the Failback Client's last contact, against AWS's clock. */
  clientSilentMs: number | undefined;
  problems: FailbackReplicationProblem[];
}

export interface FailbackReplicationLimits {
  /** Lag allowed (the RPO for readiness, `cutover.maxLag` for the drain). */
  maxLagMs: number;
  /** How long the Failback Client may be silent before the replication is not trusted. */
  clientSilenceMs: number;
  /** AWS's clock, in ms since the epoch. */
  awsNowMs: number;
}

/** Pure: what a recovery instance's failback replication says about the data going home. */
export function classifyFailbackReplication(
  instance: FailbackReplicationView,
  limits: FailbackReplicationLimits,
): FailbackReplicationClass {
  const info = instance.dataReplicationInfo;
  const state = info?.dataReplicationState;
  const lagMs = parseLagMs(info?.lagDuration, limits.awsNowMs);
  const backlogBytes = (info?.replicatedDisks ?? []).reduce(
    (sum, disk) => sum + Math.max(0, disk.backloggedStorageBytes ?? 0),
    0,
  );
  const error = info?.dataReplicationError?.error ?? info?.dataReplicationError?.rawError;
  const clientLastSeenAt = instance.failback?.failbackClientLastSeenByServiceDateTime;
  const seenAt = clientLastSeenAt === undefined ? Number.NaN : Date.parse(clientLastSeenAt);
  const clientSilentMs = Number.isFinite(seenAt) ? Math.max(0, limits.awsNowMs - seenAt) : undefined;

  const problems: FailbackReplicationProblem[] = [];
  if (state !== RecoveryInstanceDataReplicationState.CONTINUOUS) problems.push('not-continuous');
  if (lagMs === undefined) problems.push('lag-unknown');
  else if (lagMs > limits.maxLagMs) problems.push('lag-above-limit');
  if (backlogBytes > 0) problems.push('backlog');
  if (error !== undefined) problems.push('replication-error');
  if (clientSilentMs === undefined) problems.push('client-never-seen');
  else if (clientSilentMs > limits.clientSilenceMs) problems.push('client-silent');

  return {
    drained: problems.length === 0,
    state,
    lagMs,
    backlogBytes,
    error,
    clientLastSeenAt,
    clientSilentMs,
    problems,
  };
}
