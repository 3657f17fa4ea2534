// The orchestrator account: both state machines (the generated definitions, unchanged), the
// step, actor and approval Lambdas (bundled from the library), the run table and the topic; and
// for events that wake the waits, the wait and waker Lambdas, the event bus the member accounts
// forward DRS's events to, and the rules that deliver them to the waker.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Arn,
  ArnFormat,
  Duration,
  aws_dynamodb as dynamodb,
  aws_events as events,
  aws_events_targets as eventTargets,
  aws_iam as iam,
  aws_kms as kms,
  aws_lambda as lambda,
  aws_logs as logs,
  RemovalPolicy,
  Stack,
  type StackProps,
  aws_stepfunctions as sfn,
  aws_sns as sns,
  Token,
  Validations,
} from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import {
  FAILBACK_STATE_CHANGE,
  LAUNCH_RESULT,
  REPLICATION_STALLED_CHANGE,
} from '../../src/aws/drs-events.js';

export const REPO_ROOT = join(import.meta.dirname, '../..');
export const DEFINITIONS_DIR = join(REPO_ROOT, 'docs/sfn');
export const LAMBDA_DIR = join(import.meta.dirname, '../dist/lambda');

/** What the actor Lambda may do in DRS and EC2: the failback flows, nothing destructive. */
export const ACTOR_ACTIONS = [
  'drs:DescribeJobs',
  'drs:DescribeJobLogItems',
  'drs:DescribeRecoveryInstances',
  'drs:DescribeRecoverySnapshots',
  'drs:DescribeSourceServers',
  'drs:StartFailbackLaunch',
  'drs:StopFailback',
  'drs:StartRecovery',
  'drs:ReverseReplication',
  'drs:TagResource',
  'drs:CreateRecoveryInstanceForDrs',
  'ec2:DescribeInstances',
  'ec2:DescribeInstanceStatus',
  // DRS's job quotas (plans with job.maxServers / maxInFlight read the live values).
  'servicequotas:GetServiceQuota',
];

/** The bus the member accounts forward DRS's events to (src/sfn/wake-lambdas.ts wakes the waits). */
export const EVENT_BUS_NAME = 'drs-failback-events';

/** DRS's events that may end a wave's wait: the rules of both stacks match these (issue 16). */
export const DRS_EVENT_PATTERN: events.EventPattern = {
  source: ['aws.drs'],
  detailType: [FAILBACK_STATE_CHANGE, LAUNCH_RESULT, REPLICATION_STALLED_CHANGE],
};

/** The member stack's role (deploy/lib/member-stack.ts): what `memberAccounts` names in each account. */
export const MEMBER_ROLE_NAME = 'drs-failback-member';

/** An IAM role ARN naming its account and role: no wildcard. */
const ROLE_ARN = /^arn:aws(-[a-z]+)*:iam::\d{12}:role\/[\w+=,.@/-]+$/;

/**
 * The member roles the actor Lambda may assume (each wave's `aws.accounts` role, the plans'
 * `aws.role` and origin roles): `memberRoleArns` as given, and the member stack's role in each of
 * `memberAccounts`. Each named, never a wildcard; the external id is the member role's trust
 * condition. Throws on anything else: a typo would otherwise fail at run time, in a wave.
 */
export function memberRoleArnsOf(
  props: Pick<OrchestratorProps, 'memberRoleArns' | 'memberAccounts'>,
  partition: string,
): string[] {
  const bad = [
    ...(props.memberRoleArns ?? []).filter((arn) => !ROLE_ARN.test(arn)),
    ...(props.memberAccounts ?? []).filter((account) => !/^\d{12}$/.test(account)),
  ];
  if (bad.length > 0)
    throw new Error(
      `memberRoleArns must be IAM role ARNs (arn:aws:iam::<12-digit account>:role/<name>, no wildcard) and memberAccounts 12-digit account ids; not: ${bad.join(', ')}`,
    );
  const named = [...new Set(props.memberRoleArns ?? [])];
  const byAccount = [...new Set(props.memberAccounts ?? [])]
    .filter((account) => !named.some((arn) => arn.endsWith(`:iam::${account}:role/${MEMBER_ROLE_NAME}`)))
    .map((account) => `arn:${partition}:iam::${account}:role/${MEMBER_ROLE_NAME}`);
  return [...named, ...byAccount];
}

export interface OrchestratorProps extends StackProps {
  /** The DR region the recovery instances run in (the plans' `region`). */
  drRegion: string;
  /** Member-account roles the actor may assume (cross-account recovery instances). */
  memberRoleArns?: string[];
  /**
   * Member accounts: the actor may assume their member stack's role (`drs-failback-member`), and
   * their DRS events may be put on the orchestrator's bus (their member stacks forward them; the
   * accounts of `memberRoleArns` are added for the events).
   */
  memberAccounts?: string[];
  /**
   * The plans' `notifications.topicArn` topics outside this stack, which the step Lambda publishes
   * each transition to (the stack's own topic is always allowed).
   */
  notificationTopicArns?: string[];
}

/** The accounts allowed to put events on the bus: those named, and those of the member roles. */
export function memberAccountsOf(
  props: Pick<OrchestratorProps, 'memberRoleArns' | 'memberAccounts'>,
): string[] {
  const fromRoles = (props.memberRoleArns ?? []).flatMap(
    (arn) => /^arn:[\w-]+:iam::(\d{12}):/.exec(arn)?.[1] ?? [],
  );
  return [...new Set([...(props.memberAccounts ?? []), ...fromRoles])].sort();
}

export class OrchestratorStack extends Stack {
  readonly table: dynamodb.Table;
  readonly planMachine: sfn.CfnStateMachine;
  readonly waveMachine: sfn.CfnStateMachine;
  readonly actorFunction: lambda.Function;
  readonly waitFunction: lambda.Function;
  readonly wakerFunction: lambda.Function;
  readonly eventBus: events.EventBus;
  /** For the people who start, abort, answer and report runs with `--engine sfn`. */
  readonly operatorPolicy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: OrchestratorProps) {
    super(scope, id, props);
    const key = new kms.Key(this, 'Key', {
      enableKeyRotation: true,
      description: 'drs-failback runs and notifications',
    });

    this.table = new dynamodb.Table(this, 'Runs', {
      tableName: 'drs-failback-runs',
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // The wait registry's items (waits, reverse lookups, seen event ids) expire on their own.
      timeToLiveAttribute: 'expiresAt',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const topic = new sns.Topic(this, 'Notifications', { masterKey: key, enforceSSL: true });

    const code = lambda.Code.fromAsset(LAMBDA_DIR);
    const fn = (
      name: string,
      handler: string,
      timeout: Duration,
      environment: Record<string, string> = {},
    ) => {
      const logGroup = new logs.LogGroup(this, `${name}Logs`, { retention: logs.RetentionDays.ONE_YEAR });
      const role = new iam.Role(this, `${name}Role`, {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      });
      logGroup.grantWrite(role);
      return new lambda.Function(this, name, {
        runtime: lambda.Runtime.NODEJS_24_X,
        architecture: lambda.Architecture.ARM_64,
        handler: `index.${handler}`,
        code,
        role,
        logGroup,
        timeout,
        memorySize: 512,
        environment: { NODE_OPTIONS: '--enable-source-maps', ...environment },
      });
    };
    const step = fn('Step', 'step', Duration.seconds(30), { RUN_TABLE: this.table.tableName });
    this.actorFunction = fn('Actor', 'actor', Duration.seconds(300), {
      DR_REGION: props.drRegion,
      // The account the actor acts in as itself: the quota semaphore's key for the plan's own waves.
      DR_ACCOUNT_ID: this.account,
      RUN_TABLE: this.table.tableName,
    });
    const approval = fn('Approval', 'approval', Duration.seconds(30), {
      RUN_TABLE: this.table.tableName,
      TOPIC_ARN: topic.topicArn,
    });

    // Events wake the waits: the job poll wait's callback Task stores its token (wait), and the
    // DRS events delivered by the rules below answer it (waker).
    this.waitFunction = fn('Wait', 'wait', Duration.seconds(10), { RUN_TABLE: this.table.tableName });
    this.wakerFunction = fn('Waker', 'waker', Duration.seconds(30), { RUN_TABLE: this.table.tableName });

    this.actorFunction.addToRolePolicy(new iam.PolicyStatement({ actions: ACTOR_ACTIONS, resources: ['*'] }));
    // Each wave acts in its own account: the actor assumes that account's member role, and no other.
    const memberRoles = memberRoleArnsOf(props, this.partition);
    if (memberRoles.length > 0) {
      this.actorFunction.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: memberRoles }),
      );
    }
    // The approval stores its token; an abort recorded before that answers the Task at once.
    this.table.grant(
      approval,
      'dynamodb:PutItem',
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    );
    // Spilled documents (in parts: Query), the abort, the run record with its plan (the topic:
    // Query for a plan in parts) and the event log (src/sfn/engine-step.ts).
    this.table.grant(
      step,
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:Query',
    );
    // The run's plan (its roles; Query for a plan in parts), the abort before a point-of-no-return
    // call, the event log, and the in-flight quota's semaphore (a conditional PutItem: semaphore.ts).
    this.table.grant(
      this.actorFunction,
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:Query',
    );
    // The wait registry only (src/sfn/wait-registry.ts): items whose partition key is a wait, a
    // reverse lookup or a seen event id; nothing of a run's own partition.
    const registryOnly = (prefixes: string[]) => ({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': prefixes.map((p) => `${p}*`) },
    });
    this.waitFunction.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:UpdateItem'],
        resources: [this.table.tableArn],
        conditions: registryOnly(['wait#']),
      }),
    );
    this.wakerFunction.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:Query', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:PutItem'],
        resources: [this.table.tableArn],
        conditions: registryOnly(['wait#', 'waiting-on#', 'event#']),
      }),
    );
    // The table is encrypted with the stack's key: items are written and read through it.
    for (const f of [step, approval, this.actorFunction, this.waitFunction, this.wakerFunction])
      key.grant(f, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey');
    topic.grantPublish(approval);
    // The step notifies each transition to the plan's topic (src/sfn/step-notify.ts): this stack's,
    // or one named at deploy time (an encrypted one also needs its key's grant: docs/step-functions.md).
    topic.grantPublish(step);
    if (props.notificationTopicArns?.length) {
      step.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['sns:Publish'], resources: props.notificationTopicArns }),
      );
    }

    const machineLogs = new logs.LogGroup(this, 'StateMachineLogs', {
      retention: logs.RetentionDays.ONE_YEAR,
    });
    const machineRole = (name: string) => {
      const role = new iam.Role(this, `${name}MachineRole`, {
        assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
      });
      role.addToPolicy(
        new iam.PolicyStatement({
          actions: [
            'logs:CreateLogDelivery',
            'logs:GetLogDelivery',
            'logs:UpdateLogDelivery',
            'logs:DeleteLogDelivery',
            'logs:ListLogDeliveries',
            'logs:PutResourcePolicy',
            'logs:DescribeResourcePolicies',
            'logs:DescribeLogGroups',
          ],
          resources: ['*'],
        }),
      );
      role.addToPolicy(
        new iam.PolicyStatement({
          actions: [
            'xray:PutTraceSegments',
            'xray:PutTelemetryRecords',
            'xray:GetSamplingRules',
            'xray:GetSamplingTargets',
          ],
          resources: ['*'],
        }),
      );
      return role;
    };
    const definition = (name: string) => readFileSync(join(DEFINITIONS_DIR, `${name}.asl.json`), 'utf8');
    const machine = (name: 'wave' | 'plan', role: iam.Role, substitutions: Record<string, string>) =>
      new sfn.CfnStateMachine(this, `${name === 'wave' ? 'Wave' : 'Plan'}Machine`, {
        stateMachineName: `drs-failback-${name}`,
        stateMachineType: 'STANDARD',
        roleArn: role.roleArn,
        definitionString: definition(name),
        definitionSubstitutions: substitutions,
        loggingConfiguration: {
          level: 'ALL',
          includeExecutionData: false,
          destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: machineLogs.logGroupArn } }],
        },
        tracingConfiguration: { enabled: true },
      });

    const waveRole = machineRole('Wave');
    for (const f of [step, this.actorFunction, approval, this.waitFunction]) f.grantInvoke(waveRole);
    this.waveMachine = machine('wave', waveRole, {
      StepFunctionArn: step.functionArn,
      ActorFunctionArn: this.actorFunction.functionArn,
      ApprovalFunctionArn: approval.functionArn,
      WaitFunctionArn: this.waitFunction.functionArn,
    });
    this.waveMachine.node.addDependency(waveRole);

    const planRole = machineRole('Plan');
    step.grantInvoke(planRole);
    const planArn = Arn.format(
      {
        service: 'states',
        resource: 'stateMachine',
        resourceName: 'drs-failback-plan',
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      },
      this,
    );
    const waveExecutions = Arn.format(
      {
        service: 'states',
        resource: 'execution',
        resourceName: 'drs-failback-wave:*',
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      },
      this,
    );
    // Waves run as child executions (.sync:2); the plan continues as new by starting itself.
    planRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['states:StartExecution'],
        resources: [this.waveMachine.attrArn, planArn],
      }),
    );
    planRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['states:DescribeExecution', 'states:StopExecution'],
        resources: [waveExecutions],
      }),
    );
    planRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
        resources: [
          Arn.format(
            {
              service: 'events',
              resource: 'rule',
              resourceName: 'StepFunctionsGetEventsForStepFunctionsExecutionRule',
            },
            this,
          ),
        ],
      }),
    );
    this.planMachine = machine('plan', planRole, {
      StepFunctionArn: step.functionArn,
      WaveStateMachineArn: this.waveMachine.attrArn,
    });
    this.planMachine.node.addDependency(planRole);
    // An abort recorded before the approval's token was stored: the approval Lambda answers it.
    // The wave machine's ARN by name: its own role refers to this function (no dependency cycle).
    const waveArn = Arn.format(
      {
        service: 'states',
        resource: 'stateMachine',
        resourceName: 'drs-failback-wave',
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      },
      this,
    );
    approval.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['states:SendTaskSuccess'], resources: [waveArn] }),
    );
    // The waker answers the wave's job poll waits (their tokens are in the registry).
    this.wakerFunction.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['states:SendTaskSuccess'], resources: [waveArn] }),
    );

    // DRS's events reach the waker: from this account's default bus, and from the member
    // accounts through this stack's bus (their member stacks forward them; best effort).
    this.eventBus = new events.EventBus(this, 'DrsEvents', { eventBusName: EVENT_BUS_NAME });
    const members = memberAccountsOf(props);
    if (members.length > 0) {
      this.eventBus.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'MemberAccountsForwardDrsEvents',
          principals: members.map((account) => new iam.AccountPrincipal(account)),
          actions: ['events:PutEvents'],
          resources: [this.eventBus.eventBusArn],
        }),
      );
    }
    const toWaker = () =>
      new eventTargets.LambdaFunction(this.wakerFunction, {
        retryAttempts: 2,
        maxEventAge: Duration.hours(1),
      });
    new events.Rule(this, 'MemberDrsEvents', {
      eventBus: this.eventBus,
      description: "DRS events forwarded by the member accounts: the waker ends the waves' job poll waits",
      eventPattern: DRS_EVENT_PATTERN,
      targets: [toWaker()],
    });
    new events.Rule(this, 'LocalDrsEvents', {
      description: "This account's DRS events: the waker ends the waves' job poll waits",
      eventPattern: DRS_EVENT_PATTERN,
      targets: [toWaker()],
    });

    // The CLI's `--engine sfn` commands (run, status, approve, refuse, abort, backout, report).
    const planExecutions = Arn.format(
      {
        service: 'states',
        resource: 'execution',
        resourceName: 'drs-failback-plan:*',
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      },
      this,
    );
    this.operatorPolicy = new iam.ManagedPolicy(this, 'OperatorPolicy', {
      managedPolicyName: 'drs-failback-operator',
      description: 'Start, follow, answer, abort and report drs-failback runs on Step Functions',
      statements: [
        new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [planArn] }),
        new iam.PolicyStatement({ actions: ['states:DescribeExecution'], resources: [planExecutions] }),
        new iam.PolicyStatement({
          actions: ['states:SendTaskSuccess'],
          resources: [this.waveMachine.attrArn],
        }),
        new iam.PolicyStatement({
          actions: [
            'dynamodb:GetItem',
            'dynamodb:PutItem',
            'dynamodb:UpdateItem',
            'dynamodb:Query',
            'dynamodb:BatchWriteItem',
          ],
          resources: [this.table.tableArn],
        }),
        new iam.PolicyStatement({
          actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
          resources: [key.keyArn],
        }),
      ],
    });

    // Each wildcard cdk-nag finds, acknowledged with its reason (cdk-nag v3: Validations API).
    const lambdaArn = (f: lambda.Function) =>
      `Resource::<${this.getLogicalId(f.node.defaultChild as lambda.CfnFunction)}.Arn>:*`;
    const shown = (value: string, pseudo: string) => (Token.isUnresolved(value) ? `<${pseudo}>` : value);
    const acknowledge = (finding: string, reason: string) =>
      Validations.of(this).acknowledge({ id: `AwsSolutions::AwsSolutions-IAM5[${finding}]`, reason });
    acknowledge(
      'Resource::*',
      'DRS and EC2 failback actions do not support resource-level permissions for the recovery instances a plan names at run time (listed one by one, never drs:* or ec2:*); CloudWatch log delivery and X-Ray actions require "*" (Step Functions logging and tracing documentation).',
    );
    acknowledge(
      'Action::kms:GenerateDataKey*',
      'Publishing to the KMS-encrypted topic needs GenerateDataKey* on its key only.',
    );
    for (const f of [step, this.actorFunction, approval, this.waitFunction]) {
      acknowledge(
        lambdaArn(f),
        'lambda:InvokeFunction on the function and its versions (CDK grantInvoke), nothing else.',
      );
    }
    acknowledge(
      `Resource::arn:<AWS::Partition>:states:${shown(this.region, 'AWS::Region')}:${shown(this.account, 'AWS::AccountId')}:execution:drs-failback-wave:*`,
      'Child wave executions are named at run time; the plan may only describe or stop executions of the wave state machine.',
    );
    acknowledge(
      `Resource::arn:<AWS::Partition>:states:${shown(this.region, 'AWS::Region')}:${shown(this.account, 'AWS::AccountId')}:execution:drs-failback-plan:*`,
      'Plan executions are named by their run ids at run time; operators may only describe executions of the plan state machine.',
    );
  }
}
