// The wait registry of the Step Functions engine, in the run table: which wave waits on which
// recovery instances (and the task token of its waiting state), for the waker Lambda to find
// from an event's resource ARN. Items:
//   pk `wait#<runId>#<wave>`, sk `wait`: `pending` (a string set of resource keys), `token`
//   pk `waiting-on#<resource key>`, sk `<runId>#<wave>`: the reverse lookup
//   pk `event#<event id>`, sk `event`: a delivered event, so a repeat wakes nothing
// The last resource's report removes it from `pending` with one conditional update: the update
// that empties the set is the one that wakes, so two wakers racing on two events wake once.
// Who writes: the actor Lambda registers a launch's instances as it sends StartFailbackLaunch
// (no token yet); each job poll wait's Task stores its own token (`arm`); the waker reports.
import {
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { WaitRegistry, WaitTarget } from './waker.js';

export interface DynamoWaitRegistryOptions {
  dynamo: Pick<DynamoDBClient, 'send'>;
  table: string;
  /** Seconds since the epoch after which DynamoDB may drop the items (TTL attribute `expiresAt`). */
  expiresAt: () => number;
}

const waitKey = (t: WaitTarget) => `wait#${t.runId}#${t.wave}`;
const isConditionFailure = (error: unknown) =>
  error instanceof ConditionalCheckFailedException ||
  (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';

export interface DynamoWaitRegistry extends WaitRegistry {
  /**
   * The wave's waiting Task stores its token (the wait Lambda, at each job poll wait): false when
   * nothing is pending (never registered, or already woken), and the Task just times out.
   */
  arm(target: WaitTarget & { taskToken: string }): Promise<boolean>;
}

/** BatchWriteItem takes 25 requests; what DynamoDB leaves unprocessed is sent again. */
const BATCH = 25;
const BATCH_ATTEMPTS = 5;

export function createDynamoWaitRegistry(options: DynamoWaitRegistryOptions): DynamoWaitRegistry {
  const { dynamo, table } = options;
  return {
    async arm(target) {
      try {
        await dynamo.send(
          new UpdateItemCommand({
            TableName: table,
            Key: { pk: { S: waitKey(target) }, sk: { S: 'wait' } },
            UpdateExpression: 'SET token = :token',
            ConditionExpression: 'attribute_exists(pending)',
            ExpressionAttributeValues: { ':token': { S: target.taskToken } },
          }),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },
    async register(target, resources) {
      if (resources.length === 0) return;
      const ttl = { N: String(options.expiresAt()) };
      await dynamo.send(
        new UpdateItemCommand({
          TableName: table,
          Key: { pk: { S: waitKey(target) }, sk: { S: 'wait' } },
          // ADD merges: a wave launched in several jobs waits for the servers of all of them.
          UpdateExpression: `ADD pending :r SET runId = :run, wave = :wave, expiresAt = :ttl${target.taskToken ? ', token = :token' : ''}`,
          ExpressionAttributeValues: {
            ':r': { SS: [...resources] },
            ':run': { S: target.runId },
            ':wave': { S: target.wave },
            ':ttl': ttl,
            ...(target.taskToken ? { ':token': { S: target.taskToken } } : {}),
          },
        }),
      );
      const puts = resources.map((resource) => ({
        PutRequest: {
          Item: {
            pk: { S: `waiting-on#${resource}` },
            sk: { S: `${target.runId}#${target.wave}` },
            runId: { S: target.runId },
            wave: { S: target.wave },
            expiresAt: ttl,
          },
        },
      }));
      for (let i = 0; i < puts.length; i += BATCH) {
        let requests = puts.slice(i, i + BATCH);
        for (let attempt = 1; requests.length > 0; attempt++) {
          if (attempt > BATCH_ATTEMPTS)
            throw new Error(`the wait of ${waitKey(target)}: items left unwritten`);
          const out = await dynamo.send(new BatchWriteItemCommand({ RequestItems: { [table]: requests } }));
          requests = (out.UnprocessedItems?.[table] ?? []) as typeof requests;
        }
      }
    },
    async report(resource) {
      const found = await dynamo.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: `waiting-on#${resource}` } },
        }),
      );
      const woken: WaitTarget[] = [];
      for (const item of found.Items ?? []) {
        const target: WaitTarget = { runId: item.runId?.S ?? '', wave: item.wave?.S ?? '' };
        try {
          const out = await dynamo.send(
            new UpdateItemCommand({
              TableName: table,
              Key: { pk: { S: waitKey(target) }, sk: { S: 'wait' } },
              UpdateExpression: 'DELETE pending :r',
              ConditionExpression: 'contains(pending, :one)',
              ExpressionAttributeValues: { ':r': { SS: [resource] }, ':one': { S: resource } },
              ReturnValues: 'ALL_NEW',
            }),
          );
          // DynamoDB removes an emptied set attribute: no `pending` left means this was the last.
          if ((out.Attributes?.pending?.SS ?? []).length === 0) {
            const token = out.Attributes?.token?.S;
            woken.push(token ? { ...target, taskToken: token } : target);
            await dynamo.send(
              new DeleteItemCommand({
                TableName: table,
                Key: { pk: { S: waitKey(target) }, sk: { S: 'wait' } },
              }),
            );
          }
        } catch (error) {
          // Already reported (a repeat) or no longer waited on: nothing to wake.
          if (!isConditionFailure(error)) throw error;
        }
      }
      return woken;
    },
    async firstSighting(eventId) {
      try {
        await dynamo.send(
          new PutItemCommand({
            TableName: table,
            Item: {
              pk: { S: `event#${eventId}` },
              sk: { S: 'event' },
              expiresAt: { N: String(options.expiresAt()) },
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },
  };
}
