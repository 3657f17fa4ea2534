import { DataReplicationState } from '@aws-sdk/client-drs';
import type { CheckStatus } from '../../machines/types.js';
import { parseIsoDuration } from './duration.js';

export interface ReplicationCheck<D> {
  status: CheckStatus;
  detail: string;
  data: D;
}

export interface ReplicationStateData {
  /** dataReplicationState as DRS reported it; null when absent. */
  replicationState: string | null;
}

export interface ReplicationLagData {
  /** lagDuration as DRS reported it (ISO-8601); null when absent. */
  lagDuration: string | null;
  /** The lag in milliseconds; null when absent or not a duration. */
  lagMs: number | null;
  rpoMs: number;
}

/**
 * EC2 origin: is the reversed replication (DR region -> origin region) ready for the launch?
 * Only CONTINUOUS is; any other state, known or not, fails and is named.
 */
export function classifyReversedReplicationState(
  state: string | undefined,
  where: string,
): ReplicationCheck<ReplicationStateData> {
  const data = { replicationState: state ?? null };
  if (state === DataReplicationState.CONTINUOUS) {
    return { status: 'pass', detail: `replication to ${where} is ${state}`, data };
  }
  if (state === undefined) {
    return { status: 'fail', detail: `replication to ${where} reports no state; needs CONTINUOUS`, data };
  }
  const known = (Object.values(DataReplicationState) as string[]).includes(state) ? '' : ' (unknown state)';
  return { status: 'fail', detail: `replication to ${where} is ${state}${known}; needs CONTINUOUS`, data };
}

/**
 * EC2 origin: the RPO check is the lag of the reversed replication. An absent or unreadable lag
 * is a warning, not a failure: the state check already says whether replication runs.
 */
export function classifyReplicationLag(
  lagDuration: string | undefined,
  rpoMs: number,
): ReplicationCheck<ReplicationLagData> {
  const rpo = `RPO is ${Math.round(rpoMs / 1000)} s`;
  if (lagDuration === undefined || lagDuration === '') {
    return {
      status: 'warn',
      detail: `replication lag not reported; ${rpo}`,
      data: { lagDuration: null, lagMs: null, rpoMs },
    };
  }
  const lagMs = parseIsoDuration(lagDuration);
  if (lagMs === undefined) {
    return {
      status: 'warn',
      detail: `replication lag '${lagDuration}' is not an ISO-8601 duration; ${rpo}`,
      data: { lagDuration, lagMs: null, rpoMs },
    };
  }
  const lag = `replication lag ${lagDuration} (${Math.round(lagMs / 1000)} s)`;
  const data = { lagDuration, lagMs, rpoMs };
  return lagMs > rpoMs
    ? { status: 'fail', detail: `${lag} exceeds the RPO; ${rpo}`, data }
    : { status: 'pass', detail: `${lag} is within the RPO; ${rpo}`, data };
}
