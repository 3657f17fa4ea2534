import { DataReplicationState } from '@aws-sdk/client-drs';
import type { CheckStatus } from '../../machines/types.js';
import { parseIsoDuration } from './duration.js';

export interface ReplicationCheck {
  status: CheckStatus;
  detail: string;
}

/**
 * EC2 origin: is the reversed replication (DR region -> origin region) ready for the launch?
 * Only CONTINUOUS is; any other state, known or not, fails and is named.
 */
export function classifyReversedReplicationState(state: string | undefined, where: string): ReplicationCheck {
  if (state === DataReplicationState.CONTINUOUS) {
    return { status: 'pass', detail: `replication to ${where} is ${state}` };
  }
  if (state === undefined) {
    return { status: 'fail', detail: `replication to ${where} reports no state; needs CONTINUOUS` };
  }
  const known = (Object.values(DataReplicationState) as string[]).includes(state) ? '' : ' (unknown state)';
  return { status: 'fail', detail: `replication to ${where} is ${state}${known}; needs CONTINUOUS` };
}

/**
 * EC2 origin: the RPO check is the lag of the reversed replication. An absent or unreadable lag
 * is a warning, not a failure: the state check already says whether replication runs.
 */
export function classifyReplicationLag(lagDuration: string | undefined, rpoMs: number): ReplicationCheck {
  const rpo = `RPO is ${Math.round(rpoMs / 1000)} s`;
  if (lagDuration === undefined || lagDuration === '') {
    return { status: 'warn', detail: `replication lag not reported; ${rpo}` };
  }
  const lagMs = parseIsoDuration(lagDuration);
  if (lagMs === undefined) {
    return { status: 'warn', detail: `replication lag '${lagDuration}' is not an ISO-8601 duration; ${rpo}` };
  }
  const lag = `replication lag ${lagDuration} (${Math.round(lagMs / 1000)} s)`;
  return lagMs > rpoMs
    ? { status: 'fail', detail: `${lag} exceeds the RPO; ${rpo}` }
    : { status: 'pass', detail: `${lag} is within the RPO; ${rpo}` };
}
