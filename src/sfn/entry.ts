// The Lambda entry points of the Step Functions engine (bundled by bin/build-lambdas.mjs):
// `step`, `actor`, `approval`, and for events that wake the waits `wait` and `waker`. The composition root: clients are built once per cold start
// from the environment the CDK app sets; the machines and activities are the CLI's own.
import { DrsClient } from '@aws-sdk/client-drs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { STSClient } from '@aws-sdk/client-sts';
import type { createAwsActors } from '../actors/index.js';
import { createNetworkProbeRunner } from '../actors/probes.js';
import type { StsSender } from '../aws/clients.js';
import type { DrsEvent } from '../aws/drs-events.js';
import { systemClock } from '../clock.js';
import { createLogger } from '../log.js';
import type { Plan } from '../plan/types.js';
import { actorActivities } from './actor-activities.js';
import { createRoleClients, createRunActorHandler } from './actor-runtime.js';
import { type ApprovalEvent, createApprovalHandler } from './approvals.js';
import { createEngineStep } from './engine-step.js';
import { appendEvents, placedBefore, placeEvents } from './event-log.js';
import type { ActorRequest } from './lambda.js';
import { withPlanQuota } from './quota.js';
import type { RunTableDeps } from './run-table.js';
import { abortOf, ensureRun, readRun } from './runs.js';
import { createQuotaSemaphore } from './semaphore.js';
import { createDynamoSnapshotStore, type WireRequest, type WireState } from './spill.js';
import { notifyTargetsFromRuns } from './step-notify.js';
import { createDynamoWaitRegistry, type DynamoWaitRegistry } from './wait-registry.js';
import {
  createWaitHandler,
  createWakerHandler,
  type WaitTaskEvent,
  type WakerResult,
} from './wake-lambdas.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
};

const log = createLogger({ level: 'info' });

let table: RunTableDeps | undefined;
const runTable = (): RunTableDeps => {
  table ??= { ddb: new DynamoDBClient({}), table: env('RUN_TABLE'), clock: systemClock };
  return table;
};

/** Wait registry items outlive any run's job (DynamoDB's TTL drops them after this). */
const WAIT_TTL_S = 14 * 24 * 3600;
let waitRegistry: DynamoWaitRegistry | undefined;
const waits = (): DynamoWaitRegistry => {
  waitRegistry ??= createDynamoWaitRegistry({
    dynamo: runTable().ddb,
    table: runTable().table,
    expiresAt: () => Math.floor(systemClock.now() / 1000) + WAIT_TTL_S,
  });
  return waitRegistry;
};

let engineStep: ((request: WireRequest) => Promise<WireState>) | undefined;
/** SNS clients per topic region, built once per container. */
const snsByRegion = new Map<string, SNSClient>();
const snsFor = (region: string): SNSClient => {
  let sns = snsByRegion.get(region);
  if (!sns) {
    sns = new SNSClient(region ? { region } : {});
    snsByRegion.set(region, sns);
  }
  return sns;
};

/**
 * The step: pure, plus the run table (spilled documents, the abort, the event log) and the
 * notification of each transition to the plan's topic (src/sfn/step-notify.ts).
 */
export const step = async (request: WireRequest): Promise<WireState> => {
  const deps = runTable();
  engineStep ??= createEngineStep({
    store: createDynamoSnapshotStore(deps),
    clock: systemClock,
    abortOf: (runId) => abortOf(deps, runId),
    append: (runId, events, writeKey) => placeEvents(deps, runId, events, writeKey),
    placedBefore: (runId, writeKey) => placedBefore(deps, runId, writeKey),
    notify: { targetOf: notifyTargetsFromRuns(deps), snsFor, clock: systemClock, log },
    ensureRun: (run) => ensureRun(deps, run),
  });
  return engineStep(request);
};

let actorHandler: ((request: ActorRequest) => Promise<unknown>) | undefined;
function buildActorHandler() {
  const deps = runTable();
  const drRegion = env('DR_REGION');
  const semaphore = createQuotaSemaphore({
    dynamo: new DynamoDBClient({}),
    table: env('RUN_TABLE'),
    now: systemClock.now,
  });
  const stsByRegion = new Map<string, StsSender>();
  const roleClients = createRoleClients({
    // No SDK-level retries for DRS: a StartFailbackLaunch resent blindly could launch twice.
    make: (region, credentials) => ({
      drs: new DrsClient({ region, maxAttempts: 1, ...(credentials ? { credentials } : {}) }),
      ec2: new EC2Client({ region, ...(credentials ? { credentials } : {}) }),
      serviceQuotas: new ServiceQuotasClient({ region, ...(credentials ? { credentials } : {}) }),
    }),
    sts: (region) => {
      let sts = stsByRegion.get(region);
      if (!sts) {
        sts = new STSClient({ region });
        stsByRegion.set(region, sts);
      }
      return sts;
    },
  });
  // DRS's job quotas, read once per container, run and wave target (as once per run in the CLI).
  const quotaReads = new Map<string, NonNullable<Parameters<typeof createAwsActors>[0]['quotaReads']>>();
  const quotaReadsOf = (runTarget: string) => {
    let reads = quotaReads.get(runTarget);
    if (!reads) {
      reads = new Map();
      quotaReads.set(runTarget, reads);
    }
    return reads;
  };
  // The plan of each run (its roles), read once per container from the run's record.
  const plans = new Map<string, Promise<Plan | undefined>>();
  const planOf = (runId: string) => {
    let plan = plans.get(runId);
    if (!plan) {
      plan = readRun(deps, runId).then((run) => run?.planDocument);
      plans.set(runId, plan);
      // A failed read is not remembered: the next invocation reads again.
      plan.catch(() => plans.delete(runId));
    }
    return plan;
  };
  return createRunActorHandler({
    clock: systemClock,
    // Each launch's recovery instances, for the waker to end the wave's job poll wait early.
    waits: {
      register: (target, resources) => waits().register(target, resources),
      onError: (err) => log.warn({ err }, 'the launch could not be registered for wake-ups: polling only'),
    },
    onEvent: (runId, event) => log.info({ runId, event }, event.type),
    onLogError: (err) =>
      log.error({ err }, "the run's event log could not be written; the events are in this log"),
    append: (runId, events) => appendEvents(deps, runId, events),
    abortOf: (runId) => abortOf(deps, runId),
    activitiesFor: async ({ runId, emit, beforeSend, writeAhead }) => {
      const plan = await planOf(runId);
      const region = plan?.region ?? drRegion;
      // Each wave's calls in its own account and region (aws.accounts, waves[].account/region).
      const forPlan = roleClients(plan, drRegion);
      const activities = actorActivities({
        plan,
        drRegion: region,
        clients: { ...forPlan(region), forRegion: forPlan, forTarget: forPlan.forTarget },
        io: { emit, beforeSend, writeAhead },
        actors: { log, clock: systemClock, probes: createNetworkProbeRunner() },
        quotaReadsOf: (target) => quotaReadsOf(`${runId} ${target}`),
      });
      // The in-flight quota shared by every execution in each wave's account and region, the plan's
      // job.maxInFlight; without the plan, this Lambda's account and region (src/sfn/quota.ts).
      return withPlanQuota(activities, {
        semaphore,
        plan,
        home: { account: process.env.DR_ACCOUNT_ID ?? 'self', region },
        now: systemClock.now,
      });
    },
  });
}

export const actor = async (request: ActorRequest): Promise<unknown> => {
  actorHandler ??= buildActorHandler();
  return actorHandler(request);
};

let approvalHandler: ((event: ApprovalEvent) => Promise<void>) | undefined;
export const approval = async (event: ApprovalEvent): Promise<void> => {
  approvalHandler ??= createApprovalHandler({
    ...runTable(),
    sns: new SNSClient({}),
    sfn: new SFNClient({}),
    ...(process.env.TOPIC_ARN ? { topicArn: process.env.TOPIC_ARN } : {}),
  });
  await approvalHandler(event);
};

let waitHandler: ((event: WaitTaskEvent) => Promise<{ armed: boolean }>) | undefined;
/** The job poll wait's callback Task: stores its token for the waker (src/sfn/wake-lambdas.ts). */
export const wait = async (event: WaitTaskEvent): Promise<{ armed: boolean }> => {
  waitHandler ??= createWaitHandler({ registry: waits(), log });
  return waitHandler(event);
};

let wakerHandler: ((event: DrsEvent) => Promise<WakerResult>) | undefined;
/** DRS's events from the orchestrator's bus: ends the waits they complete (src/sfn/wake-lambdas.ts). */
export const waker = async (event: DrsEvent): Promise<WakerResult> => {
  wakerHandler ??= createWakerHandler({ registry: waits(), sfn: new SFNClient({}), clock: systemClock, log });
  return wakerHandler(event);
};
