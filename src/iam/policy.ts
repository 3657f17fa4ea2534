// The least-privilege IAM policy for one plan: exactly the calls the run can make, scoped to the
// plan's region, servers and topic where the API supports resource-level permissions.
// Pure: a plan in, a policy document out. docs/iam-policy.md explains each statement.
import type { Plan } from '../plan/types.js';

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

/** Actions the tool never needs and a generated policy must never grant (cleanup stays manual). */
export const FORBIDDEN_ACTIONS: readonly string[] = [
  'drs:TerminateRecoveryInstances',
  'drs:StopReplication',
  'drs:DisconnectRecoveryInstance',
  'drs:DisconnectSourceServer',
  'drs:DeleteRecoveryInstance',
  'drs:DeleteSourceServer',
  'drs:DeleteJob',
  'drs:*',
  'ec2:*',
  '*',
];

/**
 * EC2 actions DRS documents as dependent actions of drs:StartRecovery (Service Authorization
 * Reference). UNVERIFIED against a live account; see docs/iam-policy.md.
 */
export const START_RECOVERY_EC2_READ_ACTIONS: readonly string[] = [
  'ec2:DescribeAccountAttributes',
  'ec2:DescribeAvailabilityZones',
  'ec2:DescribeImages',
  'ec2:DescribeInstanceAttribute',
  'ec2:DescribeInstanceTypes',
  'ec2:DescribeLaunchTemplateVersions',
  'ec2:DescribeLaunchTemplates',
  'ec2:DescribeSecurityGroups',
  'ec2:DescribeSnapshots',
  'ec2:DescribeSubnets',
  'ec2:DescribeVolumes',
];

export const START_RECOVERY_EC2_CREATE_ACTIONS: readonly string[] = [
  'ec2:CreateLaunchTemplate',
  'ec2:CreateLaunchTemplateVersion',
  'ec2:ModifyLaunchTemplate',
  'ec2:CreateSnapshot',
  'ec2:CreateVolume',
  'ec2:CreateTags',
  'ec2:RunInstances',
  'ec2:AttachVolume',
  'ec2:AuthorizeSecurityGroupEgress',
  'ec2:AuthorizeSecurityGroupIngress',
  'ec2:RevokeSecurityGroupEgress',
  'ec2:ModifyInstanceAttribute',
  'ec2:StartInstances',
];

/** Dependent actions that delete or stop things: only on resources DRS itself created (tagged). */
export const START_RECOVERY_EC2_DRS_MANAGED_ACTIONS: readonly string[] = [
  'ec2:DeleteLaunchTemplateVersions',
  'ec2:DeleteSnapshot',
  'ec2:DeleteVolume',
  'ec2:DetachVolume',
  'ec2:StopInstances',
  'ec2:TerminateInstances',
];

/** The tag DRS puts on the EC2 resources it creates (conversion servers, volumes, snapshots). */
export const DRS_MANAGED_TAG = 'AWSElasticDisasterRecoveryManaged';

const sourceServerArn = (region: string, id: string) => `arn:aws:drs:${region}:*:source-server/${id}`;

/** Builds the least-privilege policy for `plan`. */
export function buildIamPolicy(plan: Plan): PolicyDocument {
  const region = plan.region;
  const sourceServers = [
    ...new Set(plan.waves.flatMap((w) => w.servers.map((s) => sourceServerArn(region, s.sourceServerID)))),
  ];
  const recoveryInstances = `arn:aws:drs:${region}:*:recovery-instance/*`;
  const jobs = `arn:aws:drs:${region}:*:job/*`;
  const inRegion = { StringEquals: { 'aws:RequestedRegion': region } };
  const restores = plan.backout.restore !== 'never';

  const statements: PolicyStatement[] = [
    {
      Sid: 'DrsReadNoResourceLevel',
      Effect: 'Allow',
      Action: ['drs:DescribeJobs', 'drs:DescribeRecoveryInstances', 'drs:DescribeSourceServers'],
      Resource: '*',
      Condition: inRegion,
    },
    {
      Sid: 'DrsReadPlanSourceServers',
      Effect: 'Allow',
      Action: ['drs:DescribeRecoverySnapshots', 'drs:GetLaunchConfiguration'],
      Resource: sourceServers,
    },
    {
      Sid: 'DrsReadJobLogs',
      Effect: 'Allow',
      Action: ['drs:DescribeJobLogItems'],
      Resource: jobs,
    },
    {
      Sid: 'DrsReadRecoveryInstances',
      Effect: 'Allow',
      Action: ['drs:GetFailbackReplicationConfiguration'],
      Resource: recoveryInstances,
    },
    {
      Sid: 'DrsFailback',
      Effect: 'Allow',
      Action: ['drs:StartFailbackLaunch', 'drs:StopFailback'],
      Resource: recoveryInstances,
    },
    {
      Sid: 'DrsTagJobsOnCreate',
      Effect: 'Allow',
      Action: ['drs:TagResource'],
      Resource: jobs,
      Condition: {
        StringEquals: {
          'drs:CreateAction': restores ? ['StartFailbackLaunch', 'StartRecovery'] : ['StartFailbackLaunch'],
        },
        'ForAllValues:StringEquals': { 'aws:TagKeys': ['drs-failback:run', 'drs-failback:wave'] },
      },
    },
    {
      Sid: 'Ec2Observe',
      Effect: 'Allow',
      Action: ['ec2:DescribeInstances', 'ec2:DescribeInstanceStatus'],
      Resource: '*',
      Condition: inRegion,
    },
  ];

  if (restores) {
    statements.push(
      {
        Sid: 'DrsRestoreRecoveryPoint',
        Effect: 'Allow',
        Action: ['drs:StartRecovery'],
        Resource: sourceServers,
      },
      {
        Sid: 'DrsRestoreRecoveryPointDependencies',
        Effect: 'Allow',
        Action: ['drs:CreateRecoveryInstanceForDrs', 'drs:ListTagsForResource'],
        Resource: '*',
        Condition: inRegion,
      },
      {
        Sid: 'Ec2ForStartRecoveryRead',
        Effect: 'Allow',
        Action: [...START_RECOVERY_EC2_READ_ACTIONS],
        Resource: '*',
        Condition: inRegion,
      },
      {
        Sid: 'Ec2ForStartRecoveryCreate',
        Effect: 'Allow',
        Action: [...START_RECOVERY_EC2_CREATE_ACTIONS],
        Resource: '*',
        Condition: inRegion,
      },
      {
        Sid: 'Ec2ForStartRecoveryDrsManagedOnly',
        Effect: 'Allow',
        Action: [...START_RECOVERY_EC2_DRS_MANAGED_ACTIONS],
        Resource: '*',
        Condition: {
          ...inRegion,
          Null: { [`aws:ResourceTag/${DRS_MANAGED_TAG}`]: 'false' },
        },
      },
      {
        Sid: 'PassDrsRecoveryInstanceRole',
        Effect: 'Allow',
        Action: ['iam:PassRole'],
        Resource: 'arn:aws:iam::*:role/service-role/AWSElasticDisasterRecoveryRecoveryInstanceRole',
        Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
      },
    );
  }

  const topicArn = plan.notifications?.topicArn;
  if (topicArn !== undefined) {
    statements.push({
      Sid: 'NotifyPlanTopic',
      Effect: 'Allow',
      Action: ['sns:Publish'],
      Resource: topicArn,
    });
  }

  return { Version: '2012-10-17', Statement: statements };
}

/** Every action a policy grants, sorted, for tests and the docs. */
export function grantedActions(policy: PolicyDocument): string[] {
  return [...new Set(policy.Statement.flatMap((s) => s.Action))].sort();
}

/** A note printed with the policy: what the document cannot express on its own. */
export function policyNotes(plan: Plan): string[] {
  const notes: string[] = [];
  if (plan.notifications) {
    notes.push(
      'If the SNS topic is encrypted with a customer managed KMS key, also allow kms:GenerateDataKey* and kms:Decrypt on that key (the key ARN is not in the plan).',
    );
  }
  if (plan.backout.restore !== 'never') {
    notes.push(
      'drs:StartRecovery dependencies (EC2 and iam:PassRole) follow the DRS documentation and are UNVERIFIED against a live account; backout.restore: never removes them.',
    );
  }
  notes.push(
    'Recovery instance ids are only known at run time, so failback actions are scoped to recovery-instance/* in the region.',
  );
  return notes;
}
