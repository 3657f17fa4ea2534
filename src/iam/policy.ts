// The least-privilege IAM policy for one plan: exactly the calls the run can make, scoped to the
// plan's region, servers and topic where the API supports resource-level permissions.
// Pure: a plan in, a policy document out. docs/iam-policy.md explains each statement.
// Every action comes from the operation catalogue (src/aws/operations.ts): an operation's IAM
// action and its dependent actions. The statements only decide scope and grouping.
import {
  iamActionOf as action,
  dependentActionsOf,
  FORBIDDEN_OPERATIONS,
  OPERATIONS,
  type OperationName,
} from '../aws/operations.js';
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

/** Actions a generated policy never grants, whatever the plan says: every operation the project never sends, and wildcards. */
export const ALWAYS_FORBIDDEN_ACTIONS: readonly string[] = [
  ...FORBIDDEN_OPERATIONS.map(action),
  'drs:*',
  'ec2:*',
  '*',
];

/** The opt-in clean-up (`afterFailback.cleanup: true`): irreversible, so granted only when asked. */
export const CLEANUP_ACTION = action('TerminateRecoveryInstances');

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

const actions = (...names: OperationName[]): string[] => names.map(action);

/** The dependent actions of drs:StartRecovery (catalogue; UNVERIFIED against a live account, see docs/iam-policy.md). */
const START_RECOVERY_DEPENDENTS = dependentActionsOf('StartRecovery');
const startRecoveryDependents = (prefix: string): string[] =>
  START_RECOVERY_DEPENDENTS.filter((a) => a.startsWith(prefix));
/** Dependents that delete or stop things: AWS's own policy allows them only on DRS-managed resources. */
const DELETES_OR_STOPS = /^ec2:(Delete|Detach|Stop|Terminate)/;

/** EC2 reads among StartRecovery's dependents. */
export const START_RECOVERY_EC2_READ_ACTIONS: readonly string[] = startRecoveryDependents('ec2:Describe');

/** Dependent actions that delete or stop things: only on resources DRS itself created (tagged). */
export const START_RECOVERY_EC2_DRS_MANAGED_ACTIONS: readonly string[] = startRecoveryDependents(
  'ec2:',
).filter((a) => DELETES_OR_STOPS.test(a));

/** The other EC2 dependents: they create or modify. */
export const START_RECOVERY_EC2_CREATE_ACTIONS: readonly string[] = startRecoveryDependents('ec2:').filter(
  (a) => !START_RECOVERY_EC2_READ_ACTIONS.includes(a) && !START_RECOVERY_EC2_DRS_MANAGED_ACTIONS.includes(a),
);

/** StartRecovery's DRS dependents. */
const START_RECOVERY_DRS_ACTIONS = startRecoveryDependents('drs:');
/** StartRecovery's IAM dependent (the launch passes the DRS roles to EC2). */
const START_RECOVERY_IAM_ACTIONS = startRecoveryDependents('iam:');

/**
 * Granted today although the code never calls them (found when the policy moved onto the
 * catalogue); the least-privilege issue removes them. Not in the catalogue, which lists only
 * what the project sends.
 */
const NEVER_CALLED_READS = {
  sourceServer: 'drs:GetLaunchConfiguration',
  recoveryInstance: 'drs:GetFailbackReplicationConfiguration',
} as const;

/** The tag DRS puts on the EC2 resources it creates (conversion servers, volumes, snapshots). */
export const DRS_MANAGED_TAG = 'AWSElasticDisasterRecoveryManaged';

const sourceServerArn = (region: string, id: string) => `arn:aws:drs:${region}:*:source-server/${id}`;

/** The tag keys StartFailbackLaunch and StartRecovery send with every job. */
const RUN_TAG_KEYS = ['drs-failback:run', 'drs-failback:wave'];

/** Tags sent with a create call need this action, conditioned on `drs:CreateAction`. */
const TAG_ON_CREATE_ACTION = 'drs:TagResource';

/** The `drs:CreateAction` values for these operations: the ones that send tags (catalogue). */
const tagsOnCreate = (...names: OperationName[]): string[] =>
  names.filter((name) => OPERATIONS[name].tagsOnCreate);

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
    { Sid: `${sidPrefix}`, Effect: 'Allow', Action: actions('StartRecovery'), Resource: sourceServers },
    {
      Sid: `${sidPrefix}Dependencies`,
      Effect: 'Allow',
      Action: [...START_RECOVERY_DRS_ACTIONS],
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
      Action: actions('DescribeJobs', 'DescribeRecoveryInstances', 'DescribeSourceServers'),
      Resource: '*',
      Condition: inOrigin,
    },
    { Sid: `${sid}DrsReadJobLogs`, Effect: 'Allow', Action: actions('DescribeJobLogItems'), Resource: jobs },
    {
      Sid: `${sid}DrsTagJobsOnCreate`,
      Effect: 'Allow',
      Action: [TAG_ON_CREATE_ACTION],
      Resource: jobs,
      Condition: {
        StringEquals: { 'drs:CreateAction': tagsOnCreate('StartRecovery') },
        'ForAllValues:StringEquals': { 'aws:TagKeys': RUN_TAG_KEYS },
      },
    },
    {
      Sid: `${sid}Ec2Observe`,
      Effect: 'Allow',
      Action: actions('DescribeInstances', 'DescribeInstanceStatus'),
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
      Action: actions('ReverseReplication'),
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
      Action: actions('DescribeJobs', 'DescribeRecoveryInstances', 'DescribeSourceServers'),
      Resource: '*',
      Condition: inRegion,
    },
    {
      Sid: 'DrsReadPlanSourceServers',
      Effect: 'Allow',
      Action: [action('DescribeRecoverySnapshots'), NEVER_CALLED_READS.sourceServer],
      Resource: sourceServers,
    },
    {
      Sid: 'DrsReadJobLogs',
      Effect: 'Allow',
      Action: actions('DescribeJobLogItems'),
      Resource: jobs,
    },
    {
      Sid: 'DrsReadRecoveryInstances',
      Effect: 'Allow',
      Action: [NEVER_CALLED_READS.recoveryInstance],
      Resource: recoveryInstances,
    },
    {
      Sid: 'DrsFailback',
      Effect: 'Allow',
      Action: actions('StartFailbackLaunch', 'StopFailback'),
      Resource: recoveryInstances,
    },
    {
      Sid: 'DrsTagJobsOnCreate',
      Effect: 'Allow',
      Action: [TAG_ON_CREATE_ACTION],
      Resource: jobs,
      Condition: {
        StringEquals: {
          'drs:CreateAction': restores
            ? tagsOnCreate('StartFailbackLaunch', 'StartRecovery')
            : tagsOnCreate('StartFailbackLaunch'),
        },
        'ForAllValues:StringEquals': { 'aws:TagKeys': RUN_TAG_KEYS },
      },
    },
    {
      Sid: 'Ec2Observe',
      Effect: 'Allow',
      Action: actions('DescribeInstances', 'DescribeInstanceStatus'),
      Resource: '*',
      Condition: inRegion,
    },
  ];

  if (restores) {
    statements.push(
      {
        Sid: 'DrsRestoreRecoveryPoint',
        Effect: 'Allow',
        Action: actions('StartRecovery'),
        Resource: sourceServers,
      },
      {
        Sid: 'DrsRestoreRecoveryPointDependencies',
        Effect: 'Allow',
        Action: [...START_RECOVERY_DRS_ACTIONS],
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
      Action: [...START_RECOVERY_IAM_ACTIONS],
      Resource: 'arn:aws:iam::*:role/service-role/AWSElasticDisasterRecoveryRecoveryInstanceRole',
      Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
    });
  }

  if (originRegions.length > 0) {
    statements.push({
      Sid: 'DrsReverseReplicationForPrepare',
      Effect: 'Allow',
      Action: actions('ReverseReplication'),
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
    Action: [action('GetCallerIdentity')],
    Resource: '*',
    Condition: {
      StringEquals: { 'aws:RequestedRegion': stsRegions.length === 1 ? plan.region : stsRegions },
    },
  });
  const roles = planRoleArns(plan);
  if (roles.length > 0) {
    statements.push({
      Sid: 'AssumePlanRoles',
      Effect: 'Allow',
      Action: [action('AssumeRole')],
      Resource: roles,
    });
  }

  const topicArn = plan.notifications?.topicArn;
  if (topicArn !== undefined) {
    statements.push({
      Sid: 'NotifyPlanTopic',
      Effect: 'Allow',
      Action: actions('Publish'),
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
