// Starting a run on Step Functions: the run is recorded (engine, execution, plan) before the plan
// execution is started, named by the run id. A second start of the same run id starts nothing:
// Step Functions refuses a second execution of that name (ExecutionAlreadyExists), and the
// record keeps the first start's plan.
import { ExecutionAlreadyExists, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { Plan } from '../plan/types.js';
import { planRunInput } from '../run/machine.js';
import { type RunTableDeps, recordRun } from './runs.js';

export interface StartRunOptions {
  plan: Plan;
  runId: string;
  /** The plan state machine of the deployment (`drs-failback-plan`). */
  stateMachineArn: string;
  /** Continue as new before this many history events (default: the engine's 20,000). */
  historyLimit?: number;
}

export interface StartedRun {
  runId: string;
  executionArn: string;
  /** False: this run id was started before; nothing new was started. */
  started: boolean;
}

/** A Standard workflow's execution ARN: its state machine's, `stateMachine` -> `execution`, plus the name. */
export function executionArnOf(stateMachineArn: string, name: string): string {
  const parts = stateMachineArn.split(':');
  if (parts.length !== 7 || parts[5] !== 'stateMachine')
    throw Object.assign(new Error(`${stateMachineArn} is not a state machine ARN`), { name: 'UsageError' });
  parts[5] = 'execution';
  return `${parts.join(':')}:${name}`;
}

export async function startSfnRun(
  deps: RunTableDeps & { sfn: Pick<SFNClient, 'send'> },
  options: StartRunOptions,
): Promise<StartedRun> {
  const { plan, runId, stateMachineArn } = options;
  const executionArn = executionArnOf(stateMachineArn, runId);
  const now = deps.clock.now();
  await recordRun(deps, {
    runId,
    engine: 'sfn',
    executionArn,
    plan: plan.name,
    startedAt: new Date(now).toISOString(),
    planDocument: plan,
  });
  const input = {
    begin: { input: planRunInput(plan, runId, now) },
    ...(options.historyLimit !== undefined ? { historyLimit: options.historyLimit } : {}),
  };
  try {
    const out = await deps.sfn.send(
      new StartExecutionCommand({ stateMachineArn, name: runId, input: JSON.stringify(input) }),
    );
    return { runId, executionArn: out.executionArn ?? executionArn, started: true };
  } catch (error) {
    if (error instanceof ExecutionAlreadyExists) return { runId, executionArn, started: false };
    throw error;
  }
}
