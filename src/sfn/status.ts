// Where a run on Step Functions stands: its record, its execution, the approvals it waits for.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { Clock } from '../clock.js';
import { type PendingApproval, pendingApprovals, type RunRecord, readRun } from './approvals.js';

export interface SfnRunStatus {
  run: RunRecord;
  /** RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED or PENDING_REDRIVE. */
  executionStatus: string;
  /** The plan's outcome once the execution succeeded. */
  outcome: string | null;
  pendingApprovals: PendingApproval[];
}

export class SfnRunNotFoundError extends Error {
  override name = 'RunNotFoundError';
}

export async function sfnRunStatus(
  deps: { ddb: Pick<DynamoDBClient, 'send'>; sfn: Pick<SFNClient, 'send'>; table: string; clock: Clock },
  runId: string,
): Promise<SfnRunStatus> {
  const run = await readRun(deps, runId);
  if (!run) throw new SfnRunNotFoundError(`no run ${runId} in table ${deps.table}`);
  const execution = await deps.sfn.send(new DescribeExecutionCommand({ executionArn: run.executionArn }));
  let outcome: string | null = null;
  if (execution.output) {
    const parsed = JSON.parse(execution.output) as { outcome?: unknown; continuedAs?: unknown };
    if (typeof parsed.outcome === 'string') outcome = parsed.outcome;
  }
  return {
    run,
    executionStatus: execution.status ?? 'UNKNOWN',
    outcome,
    pendingApprovals: execution.status === 'RUNNING' ? await pendingApprovals(deps, runId) : [],
  };
}
