// Where a run on Step Functions stands: its record, its execution (followed across continue-as-new),
// the waves' lifecycle states from its event log, and the approvals it waits for.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { waveLifecycle } from '../../machines/lifecycle.js';
import type { PlanOutput } from '../../machines/plan.machine.js';
import type { Clock } from '../clock.js';
import type { RunEvent } from '../events.js';
import { type PendingApproval, pendingApprovals } from './approvals.js';
import { readEvents } from './event-log.js';
import { type RunRecord, readRun, SfnRunNotFoundError } from './runs.js';
import { createDynamoSnapshotStore, load } from './spill.js';

export { SfnRunNotFoundError } from './runs.js';

export interface SfnDeps {
  ddb: Pick<DynamoDBClient, 'send'>;
  sfn: Pick<SFNClient, 'send'>;
  table: string;
  clock: Clock;
}

/** Where a wave stands, from the last `state` event of the log. */
export interface SfnWaveState {
  name: string;
  state: string;
  pastPointOfNoReturn: boolean;
  final: boolean;
}

export interface SfnRunStatus {
  run: RunRecord;
  /** The execution running the plan now: the last of its continue-as-new chain. */
  executionArn: string;
  /** RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED or PENDING_REDRIVE. */
  executionStatus: string;
  /** The plan's outcome once the execution succeeded. */
  outcome: string | null;
  waves: SfnWaveState[];
  pendingApprovals: PendingApproval[];
}

/** Most continue-as-new hops followed (a plan continues once per ~20,000 history events). */
const MAX_CONTINUATIONS = 1000;

/** The run's current execution and, once it succeeded, the plan's output (spilled ones loaded). */
export async function currentExecution(
  deps: SfnDeps,
  run: RunRecord,
): Promise<{ execution: DescribeExecutionCommandOutput; executionArn: string; output: PlanOutput | null }> {
  let executionArn = run.executionArn;
  for (let hop = 0; hop < MAX_CONTINUATIONS; hop++) {
    const execution = await deps.sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (execution.status !== 'SUCCEEDED' || !execution.output)
      return { execution, executionArn, output: null };
    const parsed = await load(createDynamoSnapshotStore(deps), JSON.parse(execution.output) as unknown);
    const continuedAs = (parsed as { continuedAs?: unknown } | null)?.continuedAs;
    if (typeof continuedAs !== 'string') return { execution, executionArn, output: parsed as PlanOutput };
    executionArn = continuedAs;
  }
  throw new Error(`run ${run.runId}: more than ${MAX_CONTINUATIONS} continued executions`);
}

/** Each wave's last lifecycle state in the log, in the order the waves started. */
export function waveStates(events: readonly RunEvent[]): SfnWaveState[] {
  const last = new Map<string, string>();
  for (const e of events)
    if (e.type === 'state' && e.machine === 'wave' && e.wave !== undefined) last.set(e.wave, e.to);
  return [...last].map(([name, state]) => ({
    name,
    state,
    pastPointOfNoReturn: waveLifecycle.isPastPointOfNoReturn(state),
    final: waveLifecycle.isFinal(state),
  }));
}

export async function sfnRunStatus(deps: SfnDeps, runId: string): Promise<SfnRunStatus> {
  const run = await readRun(deps, runId);
  if (!run) throw new SfnRunNotFoundError(`no run ${runId} in table ${deps.table}`);
  const { execution, executionArn, output } = await currentExecution(deps, run);
  const waves = waveStates(await readEvents(deps, runId));
  return {
    run,
    executionArn,
    executionStatus: execution.status ?? 'UNKNOWN',
    outcome: output?.outcome ?? null,
    waves,
    pendingApprovals: execution.status === 'RUNNING' ? await pendingApprovals(deps, runId) : [],
  };
}
