// The record of a run on Step Functions: which engine runs it and where (its execution), the plan
// it runs, the counter its event log draws `seq` from, and an abort an operator asked for.
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { Plan } from '../plan/types.js';
import { writeItems } from './event-log.js';
import { decodeDocument, encodeDocument, type Item, RUN_SK, type RunTableDeps, runPk } from './run-table.js';

export type { RunTableDeps } from './run-table.js';

/** What the run's record holds: which engine runs it and where. */
export interface RunRecord {
  runId: string;
  engine: 'sfn';
  /** The execution that started the run (a plan continued as new names its successor in its output). */
  executionArn: string;
  /** The plan's name. */
  plan: string;
  startedAt: string;
  /** The plan as validated when the run was started with `drs-failback run --engine sfn`. */
  planDocument?: Plan;
  /** Set once an operator asked to abort the run (the first request wins). */
  abort?: AbortRecord;
}

export interface AbortRecord {
  by: string;
  reason?: string;
  at: string;
}

const key = (runId: string) => ({ pk: { S: runPk(runId) }, sk: { S: RUN_SK } });

/**
 * Records a run before it starts. Returns false when the run id is recorded already (a second
 * start of the same run: nothing is overwritten).
 */
export async function recordRun(deps: RunTableDeps, run: RunRecord): Promise<boolean> {
  const plan = run.planDocument ? encodeDocument(runPk(run.runId), RUN_SK, run.planDocument) : null;
  try {
    await deps.ddb.send(
      new PutItemCommand({
        TableName: deps.table,
        Item: {
          ...key(run.runId),
          engine: { S: run.engine },
          executionArn: { S: run.executionArn },
          plan: { S: run.plan },
          startedAt: { S: run.startedAt },
          ...(plan?.attributes ?? {}),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
  if (plan && plan.parts.length > 0) await writeItems(deps, plan.parts);
  return true;
}

/**
 * The record as the plan's first step writes it when nobody recorded the run before (an execution
 * started by hand): fields already there are kept.
 */
export async function ensureRun(
  deps: RunTableDeps,
  run: Pick<RunRecord, 'runId' | 'executionArn' | 'plan' | 'startedAt'>,
): Promise<void> {
  await deps.ddb.send(
    new UpdateItemCommand({
      TableName: deps.table,
      Key: key(run.runId),
      UpdateExpression:
        'SET #engine = if_not_exists(#engine, :engine), #execution = if_not_exists(#execution, :execution), ' +
        '#plan = if_not_exists(#plan, :plan), #startedAt = if_not_exists(#startedAt, :startedAt)',
      ExpressionAttributeNames: {
        '#engine': 'engine',
        '#execution': 'executionArn',
        '#plan': 'plan',
        '#startedAt': 'startedAt',
      },
      ExpressionAttributeValues: {
        ':engine': { S: 'sfn' },
        ':execution': { S: run.executionArn },
        ':plan': { S: run.plan },
        ':startedAt': { S: run.startedAt },
      },
    }),
  );
}

function abortOfItem(item: Item | undefined): AbortRecord | undefined {
  const by = item?.abortBy?.S;
  if (by === undefined) return undefined;
  const reason = item?.abortReason?.S;
  return { by, at: item?.abortAt?.S ?? '', ...(reason !== undefined ? { reason } : {}) };
}

export async function readRun(deps: RunTableDeps, runId: string): Promise<RunRecord | null> {
  const out = await deps.ddb.send(
    new GetItemCommand({ TableName: deps.table, Key: key(runId), ConsistentRead: true }),
  );
  const item = out.Item;
  if (!item?.engine) return null;
  let planDocument: Plan | undefined;
  if (item.body || item.gz) {
    const parts = new Map<string, Item>();
    if (Number(item.parts?.N ?? '1') > 1) {
      const rest = await deps.ddb.send(
        new QueryCommand({
          TableName: deps.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :parts)',
          ExpressionAttributeValues: { ':pk': { S: runPk(runId) }, ':parts': { S: `${RUN_SK}#part#` } },
          ConsistentRead: true,
        }),
      );
      for (const part of rest.Items ?? []) parts.set(part.sk?.S ?? '', part);
    }
    planDocument = decodeDocument(item, parts) as Plan;
  }
  const abort = abortOfItem(item);
  return {
    runId,
    engine: 'sfn',
    executionArn: item.executionArn?.S ?? '',
    plan: item.plan?.S ?? '',
    startedAt: item.startedAt?.S ?? '',
    ...(planDocument ? { planDocument } : {}),
    ...(abort ? { abort } : {}),
  };
}

/** The abort asked for a run, if any: what every step and every point-of-no-return call looks at. */
export async function abortOf(deps: RunTableDeps, runId: string): Promise<AbortRecord | undefined> {
  const out = await deps.ddb.send(
    new GetItemCommand({
      TableName: deps.table,
      Key: key(runId),
      ProjectionExpression: 'abortBy, abortReason, abortAt',
      ConsistentRead: true,
    }),
  );
  return abortOfItem(out.Item);
}

export class SfnRunNotFoundError extends Error {
  override name = 'RunNotFoundError';
}

/**
 * Records that `by` asks to abort the run. The first request wins (a second keeps the first's
 * principal and reason); returns the abort as recorded. An unknown run is refused.
 */
export async function requestAbort(
  deps: RunTableDeps,
  runId: string,
  request: { by: string; reason?: string },
): Promise<AbortRecord> {
  try {
    const out = await deps.ddb.send(
      new UpdateItemCommand({
        TableName: deps.table,
        Key: key(runId),
        UpdateExpression:
          'SET abortBy = if_not_exists(abortBy, :by), abortAt = if_not_exists(abortAt, :at)' +
          (request.reason !== undefined ? ', abortReason = if_not_exists(abortReason, :reason)' : ''),
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: {
          ':by': { S: request.by },
          ':at': { S: new Date(deps.clock.now()).toISOString() },
          ...(request.reason !== undefined ? { ':reason': { S: request.reason } } : {}),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    const abort = abortOfItem(out.Attributes);
    if (!abort) throw new Error(`run ${runId}: the abort was not recorded`);
    return abort;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException)
      throw new SfnRunNotFoundError(`no run ${runId} in table ${deps.table}`);
    throw error;
  }
}
