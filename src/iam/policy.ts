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

/** Actions a generated policy never grants, whatever the plan says. */
export const ALWAYS_FORBIDDEN_ACTIONS: readonly string[] = [
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

/** The opt-in clean-up (`afterFailback.cleanup: true`): irreversible, so granted only when asked. */
export const CLEANUP_ACTION = 'drs:TerminateRecoveryInstances';

/** Actions the tool never needs unless the plan opts in (clean-up stays manual by default). */
export const FORBIDDEN_ACTIONS: readonly string[] = [CLEANUP_ACTION, ...ALWAYS_FORBIDDEN_ACTIONS];

export interface IamPolicyOptions {
  /**
   * Regions EC2-origin servers came from. The plan cannot say (DRS reports the origin at run
   * time), so the operator names them; each adds the reverse-replication flow's actions there.
   * Empty: the policy covers on-premises-origin servers only.
   */
  originRegions?: readonly string[];
}

/** Whether the policy grants the opt-in clean-up: the plan asks for it and names EC2-origin regions. */
const grantsCleanup = (plan: Plan, originRegions: readonly string[]): boolean =>
  plan.afterFailback?.cleanup === true && originRegions.length > 0;

/** What a policy for `plan` must not grant: the clean-up unless the plan explicitly asks for it. */
export function forbiddenActionsFor(plan: Plan, options: IamPolicyOptions = {}): readonly string[] {
  return grantsCleanup(plan, options.originRegions ?? []) ? ALWAYS_FORBIDDEN_ACTIONS : FORBIDDEN_ACTIONS;
}

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

/** The tag keys StartFailbackLaunch and StartRecovery send with every job. */
const RUN_TAG_KEYS = ['drs-failback:run', 'drs-failback:wave'];

/** Sid suffix of an origin region: `UsWest2` for us-west-2. */
const regionSid = (region: string) =>
  region
    .split('-')
    .map((part) => (part[0] ?? '').toUpperCase() + part.slice(1))
    .join('');

/**
 * The statements `StartRecovery` needs in `region`: the call itself on `sourceServers`, and its
 * dependent DRS, EC2 and IAM actions (UNVERIFIED, see docs/iam-policy.md).
 */
function startRecoveryStatements(
  sidPrefix: string,
  sourceServers: string | string[],
  region: string,
): PolicyStatement[] {
  const inRegion = { StringEquals: { 'aws:RequestedRegion': region } };
  return [
    { Sid: `${sidPrefix}`, Effect: 'Allow', Action: ['drs:StartRecovery'], Resource: sourceServers },
    {
      Sid: `${sidPrefix}Dependencies`,
      Effect: 'Allow',
      Action: ['drs:CreateRecoveryInstanceForDrs', 'drs:ListTagsForResource'],
      Resource: '*',
      Condition: inRegion,
    },
    {
      Sid: `${sidPrefix}Ec2Read`,
      Effect: 'Allow',
      Action: [...START_RECOVERY_EC2_READ_ACTIONS],
      Resource: '*',
      Condition: inRegion,
    },
    {
      Sid: `${sidPrefix}Ec2Create`,
      Effect: 'Allow',
      Action: [...START_RECOVERY_EC2_CREATE_ACTIONS],
      Resource: '*',
      Condition: inRegion,
    },
    {
      Sid: `${sidPrefix}Ec2DrsManagedOnly`,
      Effect: 'Allow',
      Action: [...START_RECOVERY_EC2_DRS_MANAGED_ACTIONS],
      Resource: '*',
      Condition: { ...inRegion, Null: { [`aws:ResourceTag/${DRS_MANAGED_TAG}`]: 'false' } },
    },
  ];
}

/**
 * The EC2-origin flow in one origin region: read the reversed source servers, StartRecovery of
 * them (the point of no return) with its dependencies, poll its job, verify the launched
 * instances, tag the job, and with `reprotect` the ReverseReplication of the new primary.
 */
function originRegionStatements(plan: Plan, origin: string): PolicyStatement[] {
  const sid = `Origin${regionSid(origin)}`;
  const inOrigin = { StringEquals: { 'aws:RequestedRegion': origin } };
  const jobs = `arn:aws:drs:${origin}:*:job/*`;
  const statements: PolicyStatement[] = [
    {
      Sid: `${sid}DrsReadNoResourceLevel`,
      Effect: 'Allow',
      Action: ['drs:DescribeJobs', 'drs:DescribeRecoveryInstances', 'drs:DescribeSourceServers'],
      Resource: '*',
      Condition: inOrigin,
    },
    { Sid: `${sid}DrsReadJobLogs`, Effect: 'Allow', Action: ['drs:DescribeJobLogItems'], Resource: jobs },
    {
      Sid: `${sid}DrsTagJobsOnCreate`,
      Effect: 'Allow',
      Action: ['drs:TagResource'],
      Resource: jobs,
      Condition: {
        StringEquals: { 'drs:CreateAction': ['StartRecovery'] },
        'ForAllValues:StringEquals': { 'aws:TagKeys': RUN_TAG_KEYS },
      },
    },
    {
      Sid: `${sid}Ec2Observe`,
      Effect: 'Allow',
      Action: ['ec2:DescribeInstances', 'ec2:DescribeInstanceStatus'],
      Resource: '*',
      Condition: inOrigin,
    },
    // The reversed source servers are created by `prepare`: their ids are not in the plan.
    ...startRecoveryStatements(`${sid}DrsStartRecovery`, `arn:aws:drs:${origin}:*:source-server/*`, origin),
  ];
  if (plan.afterFailback?.reprotect === true) {
    statements.push({
      Sid: `${sid}DrsReprotect`,
      Effect: 'Allow',
      Action: ['drs:ReverseReplication'],
      Resource: `arn:aws:drs:${origin}:*:recovery-instance/*`,
    });
  }
  return statements;
}

/** Builds the least-privilege policy for `plan` (and the EC2-origin regions the operator names). */
export function buildIamPolicy(plan: Plan, options: IamPolicyOptions = {}): PolicyDocument {
  const originRegions = [...new Set(options.originRegions ?? [])];
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
        'ForAllValues:StringEquals': { 'aws:TagKeys': RUN_TAG_KEYS },
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
    );
  }
  // StartRecovery (backout restore, or the EC2-origin launch) launches with the DRS instance role.
  if (restores || originRegions.length > 0) {
    statements.push({
      Sid: 'PassDrsRecoveryInstanceRole',
      Effect: 'Allow',
      Action: ['iam:PassRole'],
      Resource: 'arn:aws:iam::*:role/service-role/AWSElasticDisasterRecoveryRecoveryInstanceRole',
      Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
    });
  }

  if (originRegions.length > 0) {
    statements.push({
      Sid: 'DrsReverseReplicationForPrepare',
      Effect: 'Allow',
      Action: ['drs:ReverseReplication'],
      Resource: recoveryInstances,
    });
    if (grantsCleanup(plan, originRegions)) {
      statements.push({
        Sid: 'DrsCleanupOldRecoveryInstances',
        Effect: 'Allow',
        Action: [CLEANUP_ACTION],
        Resource: recoveryInstances,
      });
    }
    for (const origin of originRegions) {
      statements.push(...originRegionStatements(plan, origin));
    }
  }

  // Every command reads who it acts as first (GetCallerIdentity needs no permission in AWS; it
  // is listed so the policy names every call the tool makes).
  // The regions the tool reads its identity in: the DR region and the origins the plan names.
  const stsRegions = [...new Set([plan.region, ...Object.keys(plan.aws?.origins ?? {})])];
  statements.push({
    Sid: 'ReadCallerIdentity',
    Effect: 'Allow',
    Action: ['sts:GetCallerIdentity'],
    Resource: '*',
    Condition: {
      StringEquals: { 'aws:RequestedRegion': stsRegions.length === 1 ? plan.region : stsRegions },
    },
  });
  const roles = planRoleArns(plan);
  if (roles.length > 0) {
    statements.push({ Sid: 'AssumePlanRoles', Effect: 'Allow', Action: ['sts:AssumeRole'], Resource: roles });
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

/** The roles the plan names (aws.role, aws.origins.<region>.role), each once, in plan order. */
export function planRoleArns(plan: Plan): string[] {
  const arns = [plan.aws?.role?.arn, ...Object.values(plan.aws?.origins ?? {}).map((o) => o.role?.arn)];
  return [...new Set(arns.filter((arn): arn is string => arn !== undefined))];
}

/** Every action a policy grants, sorted, for tests and the docs. */
export function grantedActions(policy: PolicyDocument): string[] {
  return [...new Set(policy.Statement.flatMap((s) => s.Action))].sort();
}

/** A note printed with the policy: what the document cannot express on its own. */
export function policyNotes(plan: Plan, options: IamPolicyOptions = {}): string[] {
  const notes: string[] = [];
  const originRegions = options.originRegions ?? [];
  if (originRegions.length === 0) {
    notes.push(
      'This policy covers servers of on-premises origin only: the plan cannot say which servers came from EC2. For EC2-origin servers, name the regions they came from with --origin-region <region> (repeatable).',
    );
  } else {
    notes.push(
      `EC2-origin servers from ${originRegions.join(', ')}: ReverseReplication in ${plan.region} (prepare), and in each origin region the reads, StartRecovery with its dependencies, job tagging and EC2 verification${plan.afterFailback?.reprotect ? ', and ReverseReplication (re-protect)' : ''}.`,
    );
  }
  if (plan.afterFailback?.cleanup === true) {
    notes.push(
      originRegions.length > 0
        ? `afterFailback.cleanup: true grants ${CLEANUP_ACTION} on recovery instances in ${plan.region} (irreversible; each run still asks before it). DRS may need ec2:TerminateInstances and ec2:DeleteVolume on its own resources for it (UNVERIFIED).`
        : `afterFailback.cleanup: true has no effect without --origin-region: only EC2-origin servers are cleaned up, so ${CLEANUP_ACTION} is not granted.`,
    );
  }
  if (plan.notifications) {
    notes.push(
      'If the SNS topic is encrypted with a customer managed KMS key, also allow kms:GenerateDataKey* and kms:Decrypt on that key (the key ARN is not in the plan).',
    );
  }
  if (plan.backout.restore !== 'never' || originRegions.length > 0) {
    notes.push(
      `drs:StartRecovery dependencies (EC2 and iam:PassRole) follow the DRS documentation and are UNVERIFIED against a live account; ${
        originRegions.length > 0
          ? 'the EC2-origin launch needs them in each origin region, whatever backout.restore says.'
          : 'backout.restore: never removes them.'
      }`,
    );
  }
  if (planRoleArns(plan).length > 0) {
    notes.push(
      `The plan names role(s) ${planRoleArns(plan).join(', ')}: attach the DRS, EC2 and SNS statements to those roles (each in its account) and keep sts:AssumeRole for the principal that runs drs-failback; each role's trust policy must allow that principal (with the plan's externalId when it sets one).`,
    );
  }
  notes.push(
    'Recovery instance ids are only known at run time, so failback actions are scoped to recovery-instance/* in the region.',
  );
  return notes;
}
