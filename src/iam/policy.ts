// The least-privilege IAM policy for one plan: exactly the calls the run can make, scoped to the
// plan's region, servers and topic where the API supports resource-level permissions.
// Pure: a plan in, a policy document out. docs/iam-policy.md explains each statement.
// Every action comes from the operation catalogue (src/aws/operations.ts): an operation's IAM
// action and its dependent actions, granted together wherever the operation can be sent. The
// statements only decide scope and grouping.

import { type CleanupMode, cleanupModeOf } from '../../machines/types.js';
import {
  iamActionOf as action,
  dependentActionsOf,
  FORBIDDEN_OPERATIONS,
  OPERATIONS,
  type OperationName,
} from '../aws/operations.js';
import { usesServiceQuotas } from '../aws/quotas.js';
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

/** The opt-in clean-up (`afterFailback.cleanup: terminate`, or `true`): irreversible, so granted only when asked. */
export const CLEANUP_ACTION = action('TerminateRecoveryInstances');
/** The other opt-in clean-up (`afterFailback.cleanup: disconnect`). */
export const DISCONNECT_ACTION = action('DisconnectRecoveryInstance');

const CLEANUP_OPERATIONS: Record<CleanupMode, OperationName> = {
  terminate: 'TerminateRecoveryInstances',
  disconnect: 'DisconnectRecoveryInstance',
};

/** Actions the tool never needs unless the plan opts in (clean-up stays manual by default). */
export const FORBIDDEN_ACTIONS: readonly string[] = [
  CLEANUP_ACTION,
  DISCONNECT_ACTION,
  ...ALWAYS_FORBIDDEN_ACTIONS,
];

export interface IamPolicyOptions {
  /**
   * Regions EC2-origin servers came from. The plan cannot say (DRS reports the origin at run
   * time), so the operator names them; each adds the reverse-replication flow's actions there.
   * Empty: the policy covers on-premises-origin servers only.
   */
  originRegions?: readonly string[];
  /** The DR region the run talks to (`--region`); default: the plan's `region`. */
  region?: string;
}

/** The clean-up the policy grants: the one the plan asks for (any origin), none by default. */
const cleanupOf = (plan: Plan): CleanupMode | undefined => cleanupModeOf(plan.afterFailback);

/** What a policy for `plan` must not grant: each clean-up unless the plan explicitly asks for it. */
export function forbiddenActionsFor(plan: Plan, _options: IamPolicyOptions = {}): readonly string[] {
  const mode = cleanupOf(plan);
  const granted = mode ? action(CLEANUP_OPERATIONS[mode]) : undefined;
  return FORBIDDEN_ACTIONS.filter((a) => a !== granted);
}

const actions = (...names: OperationName[]): string[] => names.map(action);

/** The tag DRS puts on the EC2 resources it creates (conversion servers, volumes, snapshots). */
export const DRS_MANAGED_TAG = 'AWSElasticDisasterRecoveryManaged';

/**
 * The roles DRS passes to EC2 when it launches: the conversion server's and the recovery
 * instance's (AWS's AWSElasticDisasterRecoveryConsoleFullAccess passes both to ec2.amazonaws.com).
 */
export const DRS_PASSED_ROLES: readonly string[] = [
  'AWSElasticDisasterRecoveryConversionServerRole',
  'AWSElasticDisasterRecoveryRecoveryInstanceRole',
];

/**
 * Dependent EC2 actions that delete or stop things, and the EC2 resource types each acts on. AWS's
 * own managed policy allows them only on those resource types, only when the resource carries the
 * DRS-managed tag, and only when a service makes the call (`aws:ViaAWSService`): DRS can clean up
 * its conversion servers and staging volumes; the caller cannot use the grant directly.
 */
export const DESTRUCTIVE_EC2_RESOURCE_TYPES: Readonly<Record<string, readonly string[]>> = {
  'ec2:DeleteLaunchTemplateVersions': ['launch-template'],
  'ec2:DeleteSnapshot': ['snapshot'],
  'ec2:DeleteVolume': ['volume'],
  'ec2:DetachVolume': ['instance', 'volume'],
  'ec2:StopInstances': ['instance'],
  'ec2:TerminateInstances': ['instance'],
};
const DELETES_OR_STOPS = /^ec2:(Delete|Detach|Stop|Terminate)/;

/** The tag keys StartFailbackLaunch and StartRecovery send with every job. */
const RUN_TAG_KEYS = ['drs-failback:run', 'drs-failback:wave'];

/** Tags sent with a create call need this action, conditioned on `drs:CreateAction`. */
const TAG_ON_CREATE_ACTION = 'drs:TagResource';

/** The `drs:CreateAction` values for these operations: the ones that send tags (catalogue). */
const tagsOnCreate = (...names: OperationName[]): string[] =>
  names.filter((name) => OPERATIONS[name].tagsOnCreate);

/** Sid suffix of an origin region: `UsWest2` for us-west-2. */
export const regionSid = (region: string) =>
  region
    .split('-')
    .map((part) => (part[0] ?? '').toUpperCase() + part.slice(1))
    .join('');

const inRegion = (region: string) => ({ StringEquals: { 'aws:RequestedRegion': region } });

/**
 * The statements for an operation's dependent actions in `region` (catalogue), named
 * `<sid>Dependencies` (DRS), `<sid>Ec2Read`, `<sid>Ec2Create` (creations and modifications) and
 * `<sid>Ec2DrsManagedOnly` (deletions and stops, scoped as AWS's managed policy scopes them).
 * `iam:PassRole` is not here: `passRoleStatement` grants it once for the DRS roles.
 */
function dependentStatements(sid: string, name: OperationName, region: string): PolicyStatement[] {
  const dependents = dependentActionsOf(name);
  const drs = dependents.filter((a) => a.startsWith('drs:'));
  const ec2 = dependents.filter((a) => a.startsWith('ec2:'));
  const reads = ec2.filter((a) => a.startsWith('ec2:Describe'));
  const destructive = ec2.filter((a) => DELETES_OR_STOPS.test(a));
  const creates = ec2.filter((a) => !reads.includes(a) && !destructive.includes(a));
  const other = dependents.filter(
    (a) => !a.startsWith('drs:') && !a.startsWith('ec2:') && a !== 'iam:PassRole',
  );
  if (other.length > 0)
    throw new Error(`${name}: no statement for the dependent actions ${other.join(', ')}`);
  const statements: PolicyStatement[] = [];
  const any = (suffix: string, list: string[]) => {
    if (list.length > 0)
      statements.push({
        Sid: `${sid}${suffix}`,
        Effect: 'Allow',
        Action: list,
        Resource: '*',
        Condition: inRegion(region),
      });
  };
  any('Dependencies', drs);
  any('Ec2Read', reads);
  any('Ec2Create', creates);
  if (destructive.length > 0) {
    const types = new Set(
      destructive.flatMap((a) => {
        const t = DESTRUCTIVE_EC2_RESOURCE_TYPES[a];
        if (t === undefined) throw new Error(`${name}: no EC2 resource type known for ${a}`);
        return t;
      }),
    );
    statements.push({
      Sid: `${sid}Ec2DrsManagedOnly`,
      Effect: 'Allow',
      Action: destructive,
      Resource: [...types].sort().map((t) => `arn:aws:ec2:${region}:*:${t}/*`),
      Condition: {
        ...inRegion(region),
        Null: { [`aws:ResourceTag/${DRS_MANAGED_TAG}`]: 'false' },
        Bool: { 'aws:ViaAWSService': 'true' },
      },
    });
  }
  return statements;
}

/** An operation on `resource` in `region` with every dependent action it needs there. */
function operationStatements(
  sid: string,
  name: OperationName,
  resource: string | string[],
  region: string,
): PolicyStatement[] {
  return [
    { Sid: sid, Effect: 'Allow', Action: actions(name), Resource: resource },
    ...dependentStatements(sid, name, region),
  ];
}

/** `iam:PassRole` (StartRecovery's dependent) for the DRS roles, to EC2 only. */
function passRoleStatement(): PolicyStatement {
  return {
    Sid: 'PassDrsRoles',
    Effect: 'Allow',
    Action: dependentActionsOf('StartRecovery').filter((a) => a === 'iam:PassRole'),
    Resource: DRS_PASSED_ROLES.map((role) => `arn:aws:iam::*:role/service-role/${role}`),
    Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
  };
}

/**
 * The EC2-origin flow in one origin region: read the reversed source servers, StartRecovery of
 * them (the point of no return) with its dependencies, poll its job, verify the launched
 * instances, tag the job, ReverseReplication's dependents (the replication `prepare` starts runs
 * into this region), and with `reprotect` the ReverseReplication of the new primary.
 */
function originRegionStatements(plan: Plan, origin: string): PolicyStatement[] {
  const sid = `Origin${regionSid(origin)}`;
  const jobs = `arn:aws:drs:${origin}:*:job/*`;
  const statements: PolicyStatement[] = [
    {
      Sid: `${sid}DrsReadNoResourceLevel`,
      Effect: 'Allow',
      Action: actions('DescribeJobs', 'DescribeRecoveryInstances', 'DescribeSourceServers'),
      Resource: '*',
      Condition: inRegion(origin),
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
      Condition: inRegion(origin),
    },
    // The reversed source servers are created by `prepare`: their ids are not in the plan.
    ...operationStatements(
      `${sid}DrsStartRecovery`,
      'StartRecovery',
      `arn:aws:drs:${origin}:*:source-server/*`,
      origin,
    ),
  ];
  if (plan.afterFailback?.reprotect === true) {
    statements.push(
      ...operationStatements(
        `${sid}DrsReprotect`,
        'ReverseReplication',
        `arn:aws:drs:${origin}:*:recovery-instance/*`,
        origin,
      ),
    );
  } else {
    // AWS does not say in which region ReverseReplication's dependents are checked; the
    // replication it starts runs into the origin region, so they are granted there too.
    statements.push(...dependentStatements(`${sid}DrsReverseReplication`, 'ReverseReplication', origin));
  }
  return statements;
}

/** Builds the least-privilege policy for `plan` (and the EC2-origin regions the operator names). */
export function buildIamPolicy(plan: Plan, options: IamPolicyOptions = {}): PolicyDocument {
  const originRegions = [...new Set(options.originRegions ?? [])];
  const region = options.region ?? plan.region;
  const sourceServers = [
    ...new Set(
      plan.waves.flatMap((w) =>
        w.servers.map((s) => `arn:aws:drs:${region}:*:source-server/${s.sourceServerID}`),
      ),
    ),
  ];
  const recoveryInstances = `arn:aws:drs:${region}:*:recovery-instance/*`;
  const jobs = `arn:aws:drs:${region}:*:job/*`;
  const restores = plan.backout.restore !== 'never';

  const statements: PolicyStatement[] = [
    {
      Sid: 'DrsReadNoResourceLevel',
      Effect: 'Allow',
      Action: actions('DescribeJobs', 'DescribeRecoveryInstances', 'DescribeSourceServers'),
      Resource: '*',
      Condition: inRegion(region),
    },
    {
      Sid: 'DrsReadPlanSourceServers',
      Effect: 'Allow',
      Action: actions('DescribeRecoverySnapshots'),
      Resource: sourceServers,
    },
    {
      Sid: 'DrsReadJobLogs',
      Effect: 'Allow',
      Action: actions('DescribeJobLogItems'),
      Resource: jobs,
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
      Condition: inRegion(region),
    },
  ];

  if (restores) {
    statements.push(
      ...operationStatements('DrsRestoreRecoveryPoint', 'StartRecovery', sourceServers, region),
    );
  }
  // The opt-in clean-up of the old recovery instances after a verified failback (any origin).
  const cleanup = cleanupOf(plan);
  if (cleanup) {
    statements.push(
      ...operationStatements(
        cleanup === 'terminate' ? 'DrsCleanupOldRecoveryInstances' : 'DrsDisconnectOldRecoveryInstances',
        CLEANUP_OPERATIONS[cleanup],
        recoveryInstances,
        region,
      ),
    );
  }
  // StartRecovery (backout restore, or the EC2-origin launch) passes the DRS roles to EC2.
  if (restores || originRegions.length > 0) statements.push(passRoleStatement());

  if (originRegions.length > 0) {
    statements.push(
      ...operationStatements(
        'DrsReverseReplicationForPrepare',
        'ReverseReplication',
        recoveryInstances,
        region,
      ),
    );
    for (const origin of originRegions) {
      statements.push(...originRegionStatements(plan, origin));
    }
  }

  // Every command reads who it acts as first (GetCallerIdentity needs no permission in AWS; it
  // is listed so the policy names every call the tool makes).
  // The regions the tool reads its identity in: the DR region and the origins the plan names.
  const stsRegions = [...new Set([region, ...Object.keys(plan.aws?.origins ?? {})])];
  statements.push({
    Sid: 'ReadCallerIdentity',
    Effect: 'Allow',
    Action: [action('GetCallerIdentity')],
    Resource: '*',
    Condition: {
      StringEquals: { 'aws:RequestedRegion': stsRegions.length === 1 ? region : stsRegions },
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

  // DRS's job quotas, read by the precheck only when a wave needs more than one job
  // (usesServiceQuotas): in every region the waves launch in. GetServiceQuota has no
  // resource-level permissions we rely on; the region condition scopes it.
  if (usesServiceQuotas(plan)) {
    const quotaRegions = [...new Set([region, ...originRegions])];
    statements.push({
      Sid: 'ReadDrsJobQuotas',
      Effect: 'Allow',
      Action: actions('GetServiceQuota'),
      Resource: '*',
      Condition: {
        StringEquals: { 'aws:RequestedRegion': quotaRegions.length === 1 ? region : quotaRegions },
      },
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

/** The roles the plan names (aws.role, aws.origins.<region>.role, aws.accounts.<name>.role), each once, in plan order. */
export function planRoleArns(plan: Plan): string[] {
  const arns = [
    plan.aws?.role?.arn,
    ...Object.values(plan.aws?.origins ?? {}).map((o) => o.role?.arn),
    ...Object.values(plan.aws?.accounts ?? {}).map((a) => a.role?.arn),
  ];
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
  const region = options.region ?? plan.region;
  if (originRegions.length === 0) {
    notes.push(
      'This policy covers servers of on-premises origin only: the plan cannot say which servers came from EC2. For EC2-origin servers, name the regions they came from with --origin-region <region> (repeatable).',
    );
  } else {
    notes.push(
      `EC2-origin servers from ${originRegions.join(', ')}: ReverseReplication in ${region} (prepare), and in each origin region the reads, StartRecovery with its dependencies, job tagging and EC2 verification${plan.afterFailback?.reprotect ? ', and ReverseReplication (re-protect)' : ''}.`,
    );
  }
  const cleanup = cleanupOf(plan);
  if (cleanup) {
    notes.push(
      cleanup === 'terminate'
        ? `afterFailback.cleanup: terminate grants ${CLEANUP_ACTION} on recovery instances in ${region} (irreversible; each run still asks before it), with its dependent EC2 actions (deletions only on DRS-managed resources, through DRS).`
        : `afterFailback.cleanup: disconnect grants ${DISCONNECT_ACTION} on recovery instances in ${region} (irreversible; each run still asks before it).`,
    );
  }
  if (plan.notifications) {
    notes.push(
      'If the SNS topic is encrypted with a customer managed KMS key, also allow kms:GenerateDataKey* and kms:Decrypt on that key (the key ARN is not in the plan).',
    );
  }
  if (plan.backout.restore !== 'never' || originRegions.length > 0) {
    notes.push(
      `drs:StartRecovery dependencies (EC2, and iam:PassRole for the DRS conversion-server and recovery-instance roles) follow the Service Authorization Reference and are UNVERIFIED against a live account; ${
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
