// The CDK app, synthesized offline: the generated definitions in use, least-privilege IAM, and
// cdk-nag's AWS Solutions checks passing with every acknowledgement justified in the stack.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, aws_iam as iam, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { MemberAccountStack } from '../lib/member-stack.js';
import {
  DEFINITIONS_DIR,
  LAMBDA_DIR,
  MEMBER_ROLE_NAME,
  OrchestratorStack,
  REPO_ROOT,
} from '../lib/orchestrator-stack.js';

const env = { account: '111122223333', region: 'us-east-1' };
const FORBIDDEN = [
  'drs:*',
  'ec2:*',
  '*',
  'drs:TerminateRecoveryInstances',
  'drs:DeleteRecoveryInstance',
  'drs:DisconnectRecoveryInstance',
  'drs:DisconnectSourceServer',
  'drs:StopReplication',
  'drs:DeleteSourceServer',
];

function actionsOf(template: Template): string[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies).flatMap((p) =>
    (p.Properties.PolicyDocument.Statement as { Action: string | string[] }[]).flatMap((s) =>
      Array.isArray(s.Action) ? s.Action : [s.Action],
    ),
  );
}

let app: App;
let orchestrator: OrchestratorStack;
let template: Template;

beforeAll(() => {
  execFileSync(process.execPath, [join(REPO_ROOT, 'bin/build-lambdas.mjs'), LAMBDA_DIR]);
  app = new App();
  orchestrator = new OrchestratorStack(app, 'Orchestrator', { drRegion: 'us-east-1', env });
  new MemberAccountStack(app, 'Member', { orchestratorAccount: '444455556666', externalId: 'x', env });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  template = Template.fromStack(orchestrator);
}, 120_000);

describe('orchestrator stack', () => {
  it('deploys the generated definitions unchanged, substituted with the functions', () => {
    for (const name of ['wave', 'plan']) {
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        StateMachineName: `drs-failback-${name}`,
        StateMachineType: 'STANDARD',
        DefinitionString: readFileSync(join(DEFINITIONS_DIR, `${name}.asl.json`), 'utf8'),
      });
    }
    const wave = Object.values(template.findResources('AWS::StepFunctions::StateMachine')).find(
      (r) => r.Properties.StateMachineName === 'drs-failback-wave',
    );
    expect(Object.keys(wave?.Properties.DefinitionSubstitutions ?? {}).sort()).toEqual([
      'ActorFunctionArn',
      'ApprovalFunctionArn',
      'StepFunctionArn',
      'WaitFunctionArn',
    ]);
  });

  it('grants nothing destructive and no service wildcard', () => {
    const actions = actionsOf(template);
    expect(actions).toContain('drs:StartFailbackLaunch');
    for (const forbidden of FORBIDDEN) expect(actions).not.toContain(forbidden);
  });

  it('gives each Lambda the table operations its code sends and nothing more', () => {
    const roles = template.findResources('AWS::IAM::Policy');
    const byRole = (fragment: string) =>
      Object.entries(roles)
        .filter(([id]) => id.startsWith(fragment))
        .flatMap(([, p]) =>
          (p.Properties.PolicyDocument.Statement as { Action: string | string[] }[]).flatMap((s) => s.Action),
        )
        .filter((action, i, all) => all.indexOf(action) === i);
    expect(byRole('ApprovalRole').sort()).toEqual(
      [
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
        'states:SendTaskSuccess',
        'kms:Decrypt',
        'kms:DescribeKey',
        'kms:Encrypt',
        'kms:GenerateDataKey',
        'kms:GenerateDataKey*',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'sns:Publish',
      ].sort(),
    );
    // The step: spilled documents and the plan (Query for their parts), the abort, the event log,
    // and each transition's notification; no Delete.
    expect(byRole('StepRole').sort()).toEqual(
      [
        'dynamodb:BatchWriteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
        'kms:Decrypt',
        'kms:DescribeKey',
        'kms:Encrypt',
        'kms:GenerateDataKey',
        'kms:GenerateDataKey*',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'sns:Publish',
      ].sort(),
    );
  });

  it("the step publishes to the stack's topic only, and to the plans' topics named at deploy time", () => {
    const publishes = (t: Template) =>
      Object.entries(t.findResources('AWS::IAM::Policy'))
        .filter(([id]) => id.startsWith('StepRole'))
        .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as { Action: unknown; Resource: unknown }[])
        .filter((s) => s.Action === 'sns:Publish')
        .map((s) => s.Resource);
    const topic = Object.keys(template.findResources('AWS::SNS::Topic'))[0];
    expect(publishes(template)).toEqual([{ Ref: topic }]);
    const plans = Template.fromStack(
      new OrchestratorStack(new App(), 'WithTopics', {
        drRegion: 'us-east-1',
        env,
        notificationTopicArns: ['arn:aws:sns:us-east-1:111122223333:failback'],
      }),
    );
    expect(publishes(plans)).toEqual([expect.anything(), 'arn:aws:sns:us-east-1:111122223333:failback']);
  });

  it("the actor reads the run's plan and abort and appends its events; it assumes member roles only when named", () => {
    const actor = Object.entries(template.findResources('AWS::IAM::Policy'))
      .filter(([id]) => id.startsWith('ActorRole'))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as { Action: string | string[] }[])
      .flatMap((s) => s.Action);
    expect(actor).toEqual(
      expect.arrayContaining([
        'dynamodb:GetItem',
        'dynamodb:UpdateItem',
        'dynamodb:BatchWriteItem',
        // The plan in parts; the quota semaphore's conditional PutItem (src/sfn/semaphore.ts).
        'dynamodb:Query',
        'dynamodb:PutItem',
      ]),
    );
    expect(actor).not.toContain('dynamodb:DeleteItem');
    expect(actor).not.toContain('sts:AssumeRole');
    const withMembers = Template.fromStack(
      new OrchestratorStack(new App(), 'WithMembers', {
        drRegion: 'us-east-1',
        env,
        memberRoleArns: ['arn:aws:iam::444455556666:role/drs-failback-member'],
      }),
    );
    withMembers.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Resource: 'arn:aws:iam::444455556666:role/drs-failback-member',
          },
        ]),
      },
    });
  });

  it("the actor assumes the member roles of each wave's account, named one by one (memberRoleArns, memberAccounts)", () => {
    const assumable = (props: { memberRoleArns?: string[]; memberAccounts?: string[] }) => {
      const stack = new OrchestratorStack(new App(), 'Members', { drRegion: 'us-east-1', env, ...props });
      const statements = Object.entries(Template.fromStack(stack).findResources('AWS::IAM::Policy'))
        .filter(([id]) => id.startsWith('ActorRole'))
        .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as { Action: unknown; Resource: unknown }[])
        .filter((st) => st.Action === 'sts:AssumeRole');
      return statements.flatMap((st) => (Array.isArray(st.Resource) ? st.Resource : [st.Resource]));
    };
    expect(assumable({})).toEqual([]);
    // The member stack's role in each named account, plus any role named in full; no duplicates.
    expect(
      assumable({
        memberAccounts: ['444455556666', '777788889999'],
        memberRoleArns: [
          'arn:aws:iam::444455556666:role/drs-failback-member',
          'arn:aws:iam::121212121212:role/dr',
        ],
      }),
    ).toEqual([
      'arn:aws:iam::444455556666:role/drs-failback-member',
      'arn:aws:iam::121212121212:role/dr',
      // The stack's partition (aws, aws-cn, aws-us-gov).
      {
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::777788889999:role/drs-failback-member']],
      },
    ]);
    // A wildcard or a malformed entry is refused at synth, not found in a wave at run time.
    for (const props of [
      { memberRoleArns: ['arn:aws:iam::*:role/drs-failback-member'] },
      { memberRoleArns: ['arn:aws:iam::444455556666:role/*'] },
      { memberAccounts: ['4444-5555-6666'] },
    ])
      expect(() => assumable(props), JSON.stringify(props)).toThrow(/memberRoleArns must be IAM role ARNs/);
  });

  it('memberAccounts names the role the member stack creates', () => {
    const member = Template.fromStack(app.node.findChild('Member') as Stack);
    member.hasResourceProperties('AWS::IAM::Role', { RoleName: MEMBER_ROLE_NAME });
  });

  it("the operators' policy: start and describe plan executions, answer wave tasks, the run table; nothing else", () => {
    const policy = Object.values(template.findResources('AWS::IAM::ManagedPolicy')).find(
      (p) => p.Properties.ManagedPolicyName === 'drs-failback-operator',
    );
    const statements = policy?.Properties.PolicyDocument.Statement as { Action: string | string[] }[];
    const actions = statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).sort();
    expect(actions).toEqual(
      [
        'states:StartExecution',
        'states:DescribeExecution',
        'states:SendTaskSuccess',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:Query',
        'dynamodb:BatchWriteItem',
        'kms:Decrypt',
        'kms:Encrypt',
        'kms:GenerateDataKey',
        'kms:DescribeKey',
      ].sort(),
    );
    expect(actions).not.toContain('states:StopExecution');
  });

  it('logs and traces both state machines', () => {
    template.resourcePropertiesCountIs(
      'AWS::StepFunctions::StateMachine',
      { TracingConfiguration: { Enabled: true }, LoggingConfiguration: { Level: 'ALL' } },
      2,
    );
  });

  it('keeps runs and approvals in an encrypted, recoverable table', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'drs-failback-runs',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });
});

describe('events wake the waits (orchestrator)', () => {
  const statementsOf = (t: Template, fragment: string) =>
    Object.entries(t.findResources('AWS::IAM::Policy'))
      .filter(([id]) => id.startsWith(fragment))
      .flatMap(
        ([, p]) =>
          p.Properties.PolicyDocument.Statement as {
            Action: string | string[];
            Resource: unknown;
            Condition?: Record<string, Record<string, string[]>>;
          }[],
      );
  const actions = (statements: { Action: string | string[] }[]) =>
    [...new Set(statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])))].sort();

  it('the wait Lambda may only store a token in a wait item of the registry', () => {
    const statements = statementsOf(template, 'WaitRole');
    expect(actions(statements)).toEqual(
      [
        'dynamodb:UpdateItem',
        'kms:Decrypt',
        'kms:DescribeKey',
        'kms:Encrypt',
        'kms:GenerateDataKey',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
      ].sort(),
    );
    const dynamo = statements.find((s) => s.Action === 'dynamodb:UpdateItem');
    expect(dynamo?.Condition).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['wait#*'] },
    });
  });

  it("the waker: the registry's items only, and SendTaskSuccess on the wave state machine", () => {
    const statements = statementsOf(template, 'WakerRole');
    expect(actions(statements)).toEqual(
      [
        'dynamodb:DeleteItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
        'states:SendTaskSuccess',
        'kms:Decrypt',
        'kms:DescribeKey',
        'kms:Encrypt',
        'kms:GenerateDataKey',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
      ].sort(),
    );
    const dynamo = statements.find((s) => Array.isArray(s.Action) && s.Action.includes('dynamodb:Query'));
    expect(dynamo?.Condition).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['wait#*', 'waiting-on#*', 'event#*'] },
    });
    const send = statements.find((s) => s.Action === 'states:SendTaskSuccess');
    expect(JSON.stringify(send?.Resource)).toContain('stateMachine:drs-failback-wave');
    // The wave machine invokes the wait Lambda; nothing else in the stack may read the registry more.
    expect(JSON.stringify(statementsOf(template, 'WaveMachineRole'))).toContain('Wait');
  });

  it("DRS's three event types reach the waker from this account's default bus and from the members' bus", () => {
    const rules = Object.values(template.findResources('AWS::Events::Rule'));
    expect(rules).toHaveLength(2);
    for (const rule of rules) {
      expect(rule.Properties.EventPattern).toEqual({
        source: ['aws.drs'],
        'detail-type': [
          'DRS Recovery Instance Failback State Change',
          'DRS Source Server Launch Result',
          'DRS Source Server Data Replication Stalled Change',
        ],
      });
      const target = rule.Properties.Targets[0];
      expect(JSON.stringify(target.Arn)).toContain('Waker');
    }
    // One on the default bus (no EventBusName), one on the orchestrator's bus.
    expect(rules.filter((r) => r.Properties.EventBusName === undefined)).toHaveLength(1);
    template.hasResourceProperties('AWS::Events::EventBus', {
      Name: 'drs-failback-events',
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
    });
  });

  it("the bus admits PutEvents from the member accounts only (none named: no policy); the registry's items expire", () => {
    expect(Object.keys(template.findResources('AWS::Events::EventBusPolicy'))).toEqual([]);
    const withMembers = Template.fromStack(
      new OrchestratorStack(new App(), 'WithMemberBus', {
        drRegion: 'us-east-1',
        env,
        memberRoleArns: ['arn:aws:iam::444455556666:role/drs-failback-member'],
        memberAccounts: ['777788889999'],
      }),
    );
    const policies = Object.values(withMembers.findResources('AWS::Events::EventBusPolicy'));
    expect(policies).toHaveLength(1);
    const statement = policies[0]?.Properties.Statement;
    expect(statement.Action).toBe('events:PutEvents');
    expect(JSON.stringify(statement.Principal)).toContain('444455556666');
    expect(JSON.stringify(statement.Principal)).toContain('777788889999');
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });
});

describe('member-account stack', () => {
  it("forwards the account's DRS events to the orchestrator's bus, as a role that may put there only", () => {
    const member = Template.fromStack(app.node.findChild('Member') as Stack);
    const rules = Object.values(member.findResources('AWS::Events::Rule'));
    expect(rules).toHaveLength(1);
    const rule = rules[0]?.Properties;
    expect(rule.EventBusName).toBeUndefined(); // the account's default bus, where DRS publishes
    expect(rule.EventPattern.source).toEqual(['aws.drs']);
    expect(rule.EventPattern['detail-type']).toHaveLength(3);
    expect(JSON.stringify(rule.Targets[0].Arn)).toContain('444455556666');
    expect(JSON.stringify(rule.Targets[0].Arn)).toContain('event-bus/drs-failback-events');
    const forwarding = Object.entries(member.findResources('AWS::IAM::Policy'))
      .filter(([id]) => id.startsWith('ForwardDrsEventsRole'))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as { Action: string; Resource: unknown }[]);
    expect(forwarding).toHaveLength(1);
    expect(forwarding[0]?.Action).toBe('events:PutEvents');
    expect(JSON.stringify(forwarding[0]?.Resource)).toBe(JSON.stringify(rule.Targets[0].Arn));
  });

  it('lets the orchestrator account assume the role only with the external id', () => {
    const member = Template.fromStack(app.node.findChild('Member') as Stack);
    member.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [{ Condition: { StringEquals: { 'sts:ExternalId': 'x' } } }],
      },
    });
    for (const forbidden of FORBIDDEN) expect(actionsOf(member)).not.toContain(forbidden);
  });
});

describe('cdk synth', () => {
  it('runs offline, without credentials, through the pinned CLI', () => {
    const out = mkdtempSync(join(tmpdir(), 'cdk-out-'));
    const cli = join(import.meta.dirname, '../node_modules/aws-cdk/bin/cdk');
    execFileSync(process.execPath, [cli, 'synth', '--quiet', '--output', out], {
      cwd: join(import.meta.dirname, '..'),
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: '',
        AWS_SECRET_ACCESS_KEY: '',
        AWS_PROFILE: 'drs-failback-no-such-profile',
        CDK_DEFAULT_REGION: 'us-east-1',
      },
      stdio: 'pipe',
    });
    const synthesized = JSON.parse(readFileSync(join(out, 'DrsFailbackOrchestrator.template.json'), 'utf8'));
    expect(Object.keys(synthesized.Resources).length).toBeGreaterThan(10);
  }, 180_000);
});

describe('cdk-nag (AWS Solutions)', () => {
  it('passes: synth succeeds with every finding fixed or acknowledged with a reason', () => {
    expect(() => app.synth({ force: true })).not.toThrow();
  });

  it('fails a wildcard nobody justified (the check is live)', () => {
    const other = new App();
    const stack = new Stack(other, 'Unjustified', { env });
    new iam.Role(stack, 'R', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }).addToPolicy(
      new iam.PolicyStatement({ actions: ['drs:Describe*'], resources: ['*'] }),
    );
    Validations.of(other).addPlugins(new AwsSolutionsChecks(other));
    expect(() => other.synth()).toThrow();
  });
});
