// The Lambda entry points of the Step Functions engine (bundled by bin/build-lambdas.mjs):
// `step`, `actor` and `approval`. The composition root: clients are built once per cold start
// from the environment the CDK app sets; the machines and activities are the CLI's own.
import { DrsClient } from '@aws-sdk/client-drs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { SNSClient } from '@aws-sdk/client-sns';
import { createAwsActors } from '../actors/index.js';
import { createNetworkProbeRunner } from '../actors/probes.js';
import type { RegionalClients } from '../aws/clients.js';
import { instrumentAwsClients } from '../aws/instrument.js';
import { systemClock } from '../clock.js';
import type { RunEventBody } from '../events.js';
import { createLogger } from '../log.js';
import { type ApprovalEvent, createApprovalHandler } from './approvals.js';
import { type ActorRequest, createActorHandler } from './lambda.js';
import { withInFlightQuota } from './quota.js';
import { createQuotaSemaphore, quotaKey } from './semaphore.js';
import { createDynamoSnapshotStore, createSpillingStep, type WireRequest, type WireState } from './spill.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
};

const log = createLogger({ level: 'info' });

let spillingStep: ((request: WireRequest) => Promise<WireState>) | undefined;
/** The step: pure, except that snapshots too large for a payload live in the run table. */
export const step = async (request: WireRequest): Promise<WireState> => {
  spillingStep ??= createSpillingStep(
    createDynamoSnapshotStore({ ddb: new DynamoDBClient({}), table: env('RUN_TABLE') }),
  );
  return spillingStep(request);
};

let actorHandler: ((request: ActorRequest) => Promise<unknown>) | undefined;
function buildActorHandler() {
  const region = env('DR_REGION');
  const byRegion = new Map<string, RegionalClients>();
  const clients = (r: string): RegionalClients => {
    let c = byRegion.get(r);
    if (!c) {
      c = { drs: new DrsClient({ region: r, maxAttempts: 1 }), ec2: new EC2Client({ region: r }) };
      byRegion.set(r, c);
    }
    return c;
  };
  // aws.request and check events go to the function's log, as the CLI's --json stream would.
  const emit = (body: RunEventBody) => log.info({ event: body }, body.type);
  const instrumented = instrumentAwsClients({ ...clients(region), forRegion: clients }, region, emit);
  const activities = createAwsActors({
    drs: instrumented.drs,
    ec2: instrumented.ec2,
    ...(instrumented.regional ? { regional: instrumented.regional } : {}),
    log,
    clock: systemClock,
    emit,
    probes: createNetworkProbeRunner(),
  });
  // The in-flight quota shared by every execution in the account and region (src/sfn/quota.ts),
  // in the run table, taken before each StartFailbackLaunch.
  const table = process.env.RUN_TABLE;
  if (!table) return createActorHandler(activities);
  const semaphore = createQuotaSemaphore({ dynamo: new DynamoDBClient({}), table, now: systemClock.now });
  const key = quotaKey(process.env.DR_ACCOUNT_ID ?? 'self', region);
  return createActorHandler(
    withInFlightQuota(activities, { semaphore, keyOf: () => key, now: systemClock.now }),
  );
}

export const actor = async (request: ActorRequest): Promise<unknown> => {
  actorHandler ??= buildActorHandler();
  return actorHandler(request);
};

let approvalHandler: ((event: ApprovalEvent) => Promise<void>) | undefined;
export const approval = async (event: ApprovalEvent): Promise<void> => {
  approvalHandler ??= createApprovalHandler({
    ddb: new DynamoDBClient({}),
    sns: new SNSClient({}),
    table: env('RUN_TABLE'),
    clock: systemClock,
    ...(process.env.TOPIC_ARN ? { topicArn: process.env.TOPIC_ARN } : {}),
  });
  await approvalHandler(event);
};
