// Options of the commands that act on a run on Step Functions (`--engine sfn`): where the
// deployment is (its run table, its plan state machine) and as whom to call it.
import type { ReportFormat } from './options.js';

export const DEFAULT_RUN_TABLE = 'drs-failback-runs';
/** Where `run --engine sfn` finds the plan state machine when `--state-machine-arn` is not given. */
export const STATE_MACHINE_ENV = 'DRS_FAILBACK_STATE_MACHINE_ARN';

export interface SfnTarget {
  table: string;
  region?: string;
  profile?: string;
  json: boolean;
}

export type SfnCommand = SfnTarget &
  (
    | {
        action: 'run';
        plan: string;
        /** Absent: $DRS_FAILBACK_STATE_MACHINE_ARN. */
        stateMachineArn?: string;
        /** Given: a retried start of this run starts nothing new. */
        runId?: string;
        historyLimit?: number;
      }
    | { action: 'abort' | 'backout'; runId: string; reason?: string }
    | { action: 'report'; runId: string; format: ReportFormat; output?: string }
  );
