// A member account that holds recovery instances when it is not the orchestrator's: the role the
// actor Lambda assumes there (with an external id), allowed the failback flows and nothing more.
import { aws_iam as iam, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ACTOR_ACTIONS } from './orchestrator-stack.js';

export interface MemberProps extends StackProps {
  orchestratorAccount: string;
  externalId: string;
}

export class MemberAccountStack extends Stack {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: MemberProps) {
    super(scope, id, props);
    this.role = new iam.Role(this, 'FailbackRole', {
      roleName: 'drs-failback-member',
      assumedBy: new iam.AccountPrincipal(props.orchestratorAccount),
      externalIds: [props.externalId],
      description: 'Assumed by the drs-failback actor Lambda of the orchestrator account',
    });
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ACTOR_ACTIONS, resources: ['*'] }));
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        'DRS and EC2 failback actions do not support resource-level permissions for instances named at run time; listed one by one, never drs:* or ec2:*.',
    });
  }
}
