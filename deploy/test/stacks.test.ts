// The CDK app, synthesized offline: the generated definitions in use, least-privilege IAM, and
// cdk-nag's AWS Solutions checks passing with every acknowledgement justified in the stack.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, aws_iam as iam, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { MemberAccountStack } from '../lib/member-stack.js';
import { DEFINITIONS_DIR, LAMBDA_DIR, OrchestratorStack, REPO_ROOT } from '../lib/orchestrator-stack.js';

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
    ]);
  });

  it('grants nothing destructive and no service wildcard', () => {
    const actions = actionsOf(template);
    expect(actions).toContain('drs:StartFailbackLaunch');
    for (const forbidden of FORBIDDEN) expect(actions).not.toContain(forbidden);
  });

  it('gives the approval Lambda the table write and the topic only; the step Lambda the table only', () => {
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
        'dynamodb:PutItem',
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
    // The step only reads and writes spilled snapshots.
    expect(byRole('StepRole').sort()).toEqual(
      [
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'kms:Decrypt',
        'kms:DescribeKey',
        'kms:Encrypt',
        'kms:GenerateDataKey',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
      ].sort(),
    );
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

describe('member-account stack', () => {
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
