// The prechecks, in the order they run and appear in the event stream. Each runs as soon as the
// read it judges has returned (a stage), so every `check` event follows the AWS calls that justify
// it. To add a check: write `src/prechecks/<name>.ts` (a name and a pure `evaluate` over the
// wave's reads, with typed `data`) and list it in the stage of the read it needs.
import type { DrillInstanceData } from './drill-instance.js';
import { drillInstance } from './drill-instance.js';
import { type Ec2InstanceData, ec2Instance, ec2InstanceNotChecked } from './ec2-instance.js';
import { failbackReplication } from './failback-replication.js';
import { type FailbackStateData, failbackState } from './failback-state.js';
import { type IdsData, ids } from './ids.js';
import { type NoActiveJobData, noActiveJob } from './no-active-job.js';
import { type OriginData, origin } from './origin.js';
import { type QuotaData, quota } from './quota.js';
import { type RecoveryInstanceData, recoveryInstance } from './recovery-instance.js';
import { type BackoutPointData, recoveryPoint } from './recovery-point.js';
import { type RpoData, replicationLag } from './replication-lag.js';
import { type ReverseReplicationData, replicationReversed } from './replication-reversed.js';
import { reversedActiveJob } from './reversed-active-job.js';
import { reversedReplication } from './reversed-replication.js';
import { type RtoBudgetData, rtoBudget } from './rto-budget.js';
import { type SourceServerData, sourceServer } from './source-server.js';
import type { Precheck } from './types.js';

/** Every check name and the shape of its `data` (docs/operations.md lists them). */
export interface PrecheckDataByName {
  'rto-budget': RtoBudgetData;
  ids: IdsData;
  'source-server': SourceServerData;
  'recovery-instance': RecoveryInstanceData;
  'drill-instance': DrillInstanceData;
  origin: OriginData;
  'failback-state': FailbackStateData;
  'reverse-replication': ReverseReplicationData;
  rpo: RpoData;
  'backout-point': BackoutPointData;
  'no-active-job': NoActiveJobData;
  'ec2-instance': Ec2InstanceData;
  quota: QuotaData;
}
export type PrecheckName = keyof PrecheckDataByName;

/**
 * What a stage's checks run after, and for what:
 * - `plan`: nothing read yet (the input and the clock); the precheck stops when `ids` fails;
 * - `sourceServers`, `recoveryInstances`, `jobs`, `ec2Instances`: that read in the DR region;
 * - `reversal`: EC2 origin, on the DR source servers already read;
 * - `originSourceServers`, `originJobs`: once per origin region, after that region's read;
 * - `recoverySnapshot`: once per on-premises server, after its DescribeRecoverySnapshots (read
 *   only when the plan allows a backout relaunch);
 * - `ec2Origin`: EC2 origin, nothing more to read;
 * - `quota`: last, after the job reads, and DRS's job quotas when the plan reads them.
 */
export type StageName =
  | 'plan'
  | 'sourceServers'
  | 'recoveryInstances'
  | 'reversal'
  | 'originSourceServers'
  | 'originJobs'
  | 'recoverySnapshot'
  | 'jobs'
  | 'ec2Origin'
  | 'ec2Instances'
  | 'quota';

export interface PrecheckStage {
  name: StageName;
  /**
   * `by-check`: every result of the first check, then of the next; `by-server`: the results of
   * every check for the first server of the wave, then for the next (wave-wide `*` results first).
   */
  order: 'by-check' | 'by-server';
  checks: readonly Precheck<PrecheckName>[];
}

/** The registry: stages in the order the precheck reads, each with its checks in order. */
export const PRECHECK_STAGES: readonly PrecheckStage[] = [
  { name: 'plan', order: 'by-check', checks: [rtoBudget, ids] },
  { name: 'sourceServers', order: 'by-check', checks: [sourceServer] },
  {
    name: 'recoveryInstances',
    order: 'by-server',
    checks: [recoveryInstance, drillInstance, origin, failbackState, failbackReplication],
  },
  { name: 'reversal', order: 'by-check', checks: [replicationReversed] },
  { name: 'originSourceServers', order: 'by-server', checks: [reversedReplication, replicationLag] },
  { name: 'originJobs', order: 'by-check', checks: [reversedActiveJob] },
  { name: 'recoverySnapshot', order: 'by-check', checks: [recoveryPoint] },
  { name: 'jobs', order: 'by-check', checks: [noActiveJob] },
  { name: 'ec2Origin', order: 'by-check', checks: [ec2InstanceNotChecked] },
  { name: 'ec2Instances', order: 'by-check', checks: [ec2Instance] },
  { name: 'quota', order: 'by-check', checks: [quota] },
];

/** Every check, in order (a name may have several checks: one per read it judges). */
export const PRECHECKS: readonly Precheck<PrecheckName>[] = PRECHECK_STAGES.flatMap((s) => s.checks);

export { checkData } from './check-data.js';
export { ec2InstanceTargets } from './ec2-instance.js';
export { jobLimitsOf } from './quota.js';
export { readFailure } from './read-failure.js';
export { ec2OriginServerIds, resolvedServers, reversedByRegion, singleRecoveryInstance } from './resolve.js';
export { type NamedCheckResult, runStage } from './run-stage.js';
export type { CheckOutcome, CheckScope, OriginRegionReads, Precheck, Read, WaveReads } from './types.js';
