// A member account that holds recovery instances when it is not the orchestrator's: the role the
// actor Lambda assumes there (with an external id), allowed the failback flows and nothing more;
// and a rule that forwards this account's DRS events to the orchestrator's bus, where the waker
// ends the waves' job poll waits early (events wake the waits; polling stays the authority).
import {
  Arn,
  aws_events as events,
  aws_events_targets as eventTargets,
  aws_iam as iam,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ACTOR_ACTIONS, DRS_EVENT_PATTERN, EVENT_BUS_NAME } from './orchestrator-stack.js';

export interface MemberProps extends StackProps {
  orchestratorAccount: string;
  externalId: string;
  /** The orchestrator stack's region (its event bus); default: this stack's region. */
  orchestratorRegion?: string;
}

export class MemberAccountStack extends Stack {
  readonly role: iam.Role;
  /** The orchestrator's bus this account's DRS events are forwarded to. */
  readonly orchestratorBusArn: string;

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

    this.orchestratorBusArn = Arn.format(
      {
        service: 'events',
        account: props.orchestratorAccount,
        region: props.orchestratorRegion ?? this.region,
        resource: 'event-bus',
        resourceName: EVENT_BUS_NAME,
      },
      this,
    );
    // EventBridge puts the events on the orchestrator's bus as this role: that bus, nothing else.
    const forwarding = new iam.Role(this, 'ForwardDrsEventsRole', {
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com'),
      description: "Forwards this account's DRS events to the drs-failback orchestrator's bus",
    });
    forwarding.addToPolicy(
      new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [this.orchestratorBusArn] }),
    );
    new events.Rule(this, 'ForwardDrsEvents', {
      description: "This account's DRS events, forwarded to the drs-failback orchestrator (wake-ups)",
      eventPattern: DRS_EVENT_PATTERN,
      targets: [
        new eventTargets.EventBus(
          events.EventBus.fromEventBusArn(this, 'OrchestratorBus', this.orchestratorBusArn),
          { role: forwarding },
        ),
      ],
    });
  }
}
