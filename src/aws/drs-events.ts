// The DRS events on EventBridge (source `aws.drs`) that the run reacts to; the simulated AWS
// publishes the same (src/sim/events.ts), the waker reads them (src/sfn/waker.ts).
// The envelope is EventBridge's (DOCUMENTED). The detail types and `detail.state` values follow
// the DRS user guide's EventBridge page as the project's reference summarises it; other
// `detail` fields are ASSUMED.

export const FAILBACK_STATE_CHANGE = 'DRS Recovery Instance Failback State Change';
export const LAUNCH_RESULT = 'DRS Source Server Launch Result';
export const REPLICATION_STALLED_CHANGE = 'DRS Source Server Data Replication Stalled Change';

/** An EventBridge event as a rule's target receives it. */
export interface DrsEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: { state: string; recoveryInstanceID?: string; sourceServerID?: string; 'job-id'?: string };
}
