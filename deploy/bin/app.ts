// `npx cdk deploy`: the orchestrator stack, and a member-account stack when `-c member=<account>`.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { MemberAccountStack } from '../lib/member-stack.js';
import { OrchestratorStack } from '../lib/orchestrator-stack.js';

const app = new App();
const region = app.node.tryGetContext('drRegion') ?? process.env.CDK_DEFAULT_REGION ?? 'us-east-1';
// `-c memberRoleArns=arn:aws:iam::444455556666:role/drs-failback-member,...`: roles plans may name.
const memberRoleArns = String(app.node.tryGetContext('memberRoleArns') ?? '')
  .split(',')
  .map((arn) => arn.trim())
  .filter((arn) => arn !== '');
// `-c memberAccounts=444455556666,...`: accounts whose member stacks forward DRS's events and
// whose drs-failback-member role plans may name (the accounts of memberRoleArns are added for
// the events).
const memberAccounts = String(app.node.tryGetContext('memberAccounts') ?? '')
  .split(',')
  .map((account) => account.trim())
  .filter((account) => account !== '');
// `-c notificationTopicArns=arn:aws:sns:us-east-1:111122223333:failback,...`: the plans' topics.
const notificationTopicArns = String(app.node.tryGetContext('notificationTopicArns') ?? '')
  .split(',')
  .map((arn) => arn.trim())
  .filter((arn) => arn !== '');
new OrchestratorStack(app, 'DrsFailbackOrchestrator', {
  drRegion: region,
  memberRoleArns,
  memberAccounts,
  notificationTopicArns,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region },
});
const orchestratorAccount = app.node.tryGetContext('orchestratorAccount');
if (orchestratorAccount) {
  new MemberAccountStack(app, 'DrsFailbackMember', {
    orchestratorAccount,
    externalId: app.node.tryGetContext('externalId') ?? 'drs-failback',
    // `-c orchestratorRegion=<region>`: where the orchestrator's bus is, when not this region.
    ...(app.node.tryGetContext('orchestratorRegion')
      ? { orchestratorRegion: app.node.tryGetContext('orchestratorRegion') }
      : {}),
  });
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
