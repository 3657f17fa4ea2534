// Runs and approvals of the Step Functions engine in DynamoDB. The approval Lambda stores the
// task token and notifies without it (a token is a bearer credential); `approve` / `refuse`
// claim the pending approval with a conditional write, then answer Step Functions with
// SendTaskSuccess and record the caller's AWS principal (`via: api`). The plan's `approvers` travel
// with the approval (from the machine's input) and are enforced here as in a local run.
import {
  ConditionalCheckFailedException,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { SendTaskSuccessCommand, type SFNClient, TaskDoesNotExist, TaskTimedOut } from '@aws-sdk/client-sfn';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { isAllowedApprover } from '../run/approvals.js';
import { type RunTableDeps, runPk } from './run-table.js';
import type { ApprovalRequest, Command } from './step.js';

export type { RunRecord } from './runs.js';
export { readRun, recordRun } from './runs.js';

import { abortOf } from './runs.js';

export type Decision = 'approve' | 'refuse';

export interface PendingApproval {
  runId: string;
  wave: string;
  state: string;
  requestedAt: string;
}

export interface ApprovalAnswer {
  runId: string;
  wave: string;
  state: string;
  decision: Decision;
  approver: string;
  via: 'api';
  at: string;
}

export class NoPendingApprovalError extends Error {
  override name = 'NoPendingApprovalError';
}

/** The caller is not one of the plan's `approvers`: refused before anything is written or sent. */
export class NotAnApproverError extends Error {
  override name = 'NotAnApproverError';
}

const pk = runPk;
const approvalSk = (request: Pick<ApprovalRequest, 'waveIndex' | 'state'>) =>
  `approval#${String(request.waveIndex).padStart(4, '0')}#${request.state}`;

export interface ApprovalEvent {
  token: string;
  execution: string;
  request: ApprovalRequest;
  command: Command;
}

export interface ApprovalHandlerDeps extends RunTableDeps {
  sns?: Pick<SNSClient, 'send'>;
  /** With it, an abort recorded before the token was stored answers the Task with ABORT. */
  sfn?: Pick<SFNClient, 'send'>;
  topicArn?: string;
}

/** The approval Lambda: keeps the token in the table, tells people how to answer (never the token). */
export function createApprovalHandler(deps: ApprovalHandlerDeps) {
  return async (event: ApprovalEvent): Promise<void> => {
    const { request } = event;
    const requestedAt = new Date(deps.clock.now()).toISOString();
    await deps.ddb.send(
      new PutItemCommand({
        TableName: deps.table,
        Item: {
          pk: { S: pk(request.runId) },
          sk: { S: approvalSk(request) },
          wave: { S: request.wave },
          state: { S: request.state },
          token: { S: event.token },
          execution: { S: event.execution },
          status: { S: 'pending' },
          requestedAt: { S: requestedAt },
          ...(request.approvers && request.approvers.length > 0
            ? { approvers: { L: request.approvers.map((name) => ({ S: name })) } }
            : {}),
        },
      }),
    );
    // An abort asked while this Task was starting found no token to answer: answer it here.
    const abort = deps.sfn ? await abortOf(deps, request.runId) : undefined;
    if (abort && deps.sfn) {
      await abortPendingApprovals({ ...deps, sfn: deps.sfn }, { runId: request.runId, ...abort });
      return;
    }
    if (deps.sns && deps.topicArn) {
      await deps.sns.send(
        new PublishCommand({
          TopicArn: deps.topicArn,
          Subject: `drs-failback ${request.runId}: approval needed for wave ${request.wave}`.slice(0, 100),
          Message: [
            `Run: ${request.runId}`,
            `Wave: ${request.wave}`,
            `Waiting in: ${request.state}`,
            `Approve: drs-failback approve ${request.runId} --wave ${request.wave}`,
            `Refuse:  drs-failback refuse ${request.runId} --wave ${request.wave}`,
            'The command records your AWS principal; nobody can answer from this message alone.',
          ].join('\n'),
        }),
      );
    }
  };
}

interface StoredApproval extends PendingApproval {
  sk: string;
  token: string;
  /** The plan's approvers, as the approval Lambda stored them; absent: anyone may answer. */
  approvers?: string[];
}

async function pending(deps: RunTableDeps, runId: string): Promise<StoredApproval[]> {
  const out = await deps.ddb.send(
    new QueryCommand({
      TableName: deps.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :approval)',
      FilterExpression: '#status = :pending',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':pk': { S: pk(runId) },
        ':approval': { S: 'approval#' },
        ':pending': { S: 'pending' },
      },
    }),
  );
  return (out.Items ?? []).map((item) => {
    const approvers = item.approvers?.L?.map((v) => v.S).filter((name) => name !== undefined);
    return {
      runId,
      sk: item.sk?.S ?? '',
      wave: item.wave?.S ?? '',
      state: item.state?.S ?? '',
      requestedAt: item.requestedAt?.S ?? '',
      token: item.token?.S ?? '',
      ...(approvers && approvers.length > 0 ? { approvers } : {}),
    };
  });
}

/** The approvals a run waits for (tokens stay in the table). */
export async function pendingApprovals(deps: RunTableDeps, runId: string): Promise<PendingApproval[]> {
  return (await pending(deps, runId)).map(
    ({ sk: _sk, token: _token, approvers: _approvers, ...rest }) => rest,
  );
}

/** The approvers the run's pending approvals carry (the plan's), or undefined: anyone. */
export async function pendingApprovers(deps: RunTableDeps, runId: string): Promise<string[] | undefined> {
  const named = (await pending(deps, runId)).flatMap((a) => a.approvers ?? []);
  return named.length > 0 ? [...new Set(named)] : undefined;
}

export interface AnswerOptions {
  runId: string;
  wave?: string;
  decision: Decision;
  /** The caller's AWS principal (STS GetCallerIdentity `Arn`). */
  principal: string;
}

/**
 * Answers the run's pending approval: claims it (only one answer wins), then SendTaskSuccess with
 * the machine's own event, APPROVE or REFUSE, naming the principal.
 */
export async function answerApproval(
  deps: RunTableDeps & { sfn: Pick<SFNClient, 'send'> },
  options: AnswerOptions,
): Promise<ApprovalAnswer> {
  const candidates = (await pending(deps, options.runId)).filter(
    (a) => options.wave === undefined || a.wave === options.wave,
  );
  const approval = candidates[0];
  if (!approval) {
    throw new NoPendingApprovalError(
      `run ${options.runId} waits for no approval${options.wave ? ` of wave ${options.wave}` : ''}`,
    );
  }
  if (candidates.length > 1) {
    throw new NoPendingApprovalError(
      `run ${options.runId} waits for ${candidates.length} approvals: name the wave (--wave)`,
    );
  }
  // The same rule as a local run (src/run/approvals.ts): only the plan's approvers, a role's
  // sessions included. Checked before the claim, so a refused caller writes and sends nothing.
  if (!isAllowedApprover(approval.approvers, options.principal)) {
    throw new NotAnApproverError(
      `${options.principal} is not one of the plan's approvers (${(approval.approvers ?? []).join(', ')}); ` +
        `nothing was sent: wave ${approval.wave} of run ${options.runId} still waits for one of them`,
    );
  }
  const at = deps.clock.now();
  if (
    !(await claim(
      deps,
      approval,
      options.decision === 'approve' ? 'approved' : 'refused',
      options.principal,
      at,
    ))
  )
    throw new NoPendingApprovalError(`wave ${approval.wave} of run ${options.runId} was answered already`);
  const event =
    options.decision === 'approve'
      ? { type: 'APPROVE', by: options.principal, at }
      : { type: 'REFUSE', by: options.principal };
  if (!(await answerTask(deps, approval.token, event)))
    throw new NoPendingApprovalError(`the approval of wave ${approval.wave} expired before the answer`);
  return {
    runId: options.runId,
    wave: approval.wave,
    state: approval.state,
    decision: options.decision,
    approver: options.principal,
    via: 'api',
    at: new Date(at).toISOString(),
  };
}

/** Claims a pending approval for one answer: false when another answer (or an abort) won. */
async function claim(
  deps: RunTableDeps,
  approval: StoredApproval,
  status: 'approved' | 'refused' | 'aborted',
  principal: string,
  at: number,
): Promise<boolean> {
  try {
    await deps.ddb.send(
      new UpdateItemCommand({
        TableName: deps.table,
        Key: { pk: { S: pk(approval.runId) }, sk: { S: approval.sk } },
        UpdateExpression: 'SET #status = :answered, approver = :approver, via = :via, answeredAt = :at',
        ConditionExpression: '#status = :pending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':answered': { S: status },
          ':approver': { S: principal },
          ':via': { S: 'api' },
          ':at': { S: new Date(at).toISOString() },
          ':pending': { S: 'pending' },
        },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** The waiting Task hears the machine's event; false when it no longer waits (timed out, gone). */
async function answerTask(
  deps: { sfn: Pick<SFNClient, 'send'> },
  token: string,
  event: object,
): Promise<boolean> {
  try {
    await deps.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(event) }));
    return true;
  } catch (error) {
    if (error instanceof TaskTimedOut || error instanceof TaskDoesNotExist) return false;
    throw error;
  }
}

/**
 * An abort reaches a wave that waits for a person at once: each pending approval of the run is
 * claimed and its Task answered with the machine's own ABORT. Returns the waves so answered.
 */
export async function abortPendingApprovals(
  deps: RunTableDeps & { sfn: Pick<SFNClient, 'send'> },
  abort: { runId: string; by: string; reason?: string },
): Promise<string[]> {
  const answered: string[] = [];
  for (const approval of await pending(deps, abort.runId)) {
    if (!(await claim(deps, approval, 'aborted', abort.by, deps.clock.now()))) continue;
    const event = {
      type: 'ABORT',
      by: abort.by,
      ...(abort.reason !== undefined ? { reason: abort.reason } : {}),
    };
    if (await answerTask(deps, approval.token, event)) answered.push(approval.wave);
  }
  return answered;
}
