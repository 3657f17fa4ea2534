// The one catalogue of AWS operations: every operation the project sends, reserves or guards
// against, with what it does to AWS and what IAM must allow for it. The store's
// fsync-after-intent rule, the report, the IAM policy generator and the test harnesses read
// this; nothing else keeps its own list. `test/aws/operations.test.ts` holds it against the
// command classes the sources import.
//
// Dependent actions: transcribed on 2026-12-02 from the project's DRS reference
// (shared/reference/drs-api.md, section 9), which follows the "Dependent actions" column of the
// AWS Service Authorization Reference for Elastic Disaster Recovery
// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awselasticdisasterrecovery.html);
// StartRecovery's EC2 dependents, which the reference counts but does not name, from a generated
// copy of that column (see START_RECOVERY_EC2_DEPENDENTS). docs/iam-policy.md carries the same
// table with the same source and date, and test/cli/iam-policy.test.ts holds them together.

/** The service that answers an operation (the IAM prefix is in `iamAction`). */
export type OperationService = 'drs' | 'ec2' | 'sns' | 'sts' | 'service-quotas' | 'sfn' | 'dynamodb';

/**
 * Whether the project sends an operation:
 * - `sends`: the code sends it today;
 * - `reserved`: a later change will send it (listed so the catalogue has room for it);
 * - `forbidden`: never sent; listed so guards (report, harnesses, the IAM policy's forbidden
 *   list) can recognise it should it ever appear.
 */
export type OperationUse = 'sends' | 'reserved' | 'forbidden';

export interface OperationSpec {
  service: OperationService;
  use: OperationUse;
  /**
   * Changes a server, an instance, a job or a replication in AWS. A request for one is an
   * intent: the run store makes it durable before the call leaves. `sns:Publish` sends a
   * message but changes nothing the failback reads, so it does not count.
   */
  mutates: boolean;
  /** Loses data or DR capacity (terminates, deletes, disconnects, stops replicating). */
  destructive: boolean;
  /** The IAM action that authorises the call. */
  iamAction: string;
  /** Further actions IAM checks under the caller's credentials when the service acts for it. */
  dependentActions: readonly string[];
  /** The request carries tags, so the job it creates needs `drs:TagResource` on create. */
  tagsOnCreate: boolean;
  /**
   * `orchestrator`: sent by the Step Functions engine on its own state (executions, task tokens,
   * its DynamoDB table) under the deployment's roles (deploy/), never by a failback run's
   * principal; not in the plan's IAM policy, and not an intent on a failback resource.
   */
  scope?: 'orchestrator';
}

const read = (service: OperationService, iamAction: string, use: OperationUse = 'sends'): OperationSpec => ({
  service,
  use,
  mutates: false,
  destructive: false,
  iamAction,
  dependentActions: [],
  tagsOnCreate: false,
});

const write = (
  iamAction: string,
  options: Partial<Pick<OperationSpec, 'use' | 'destructive' | 'dependentActions' | 'tagsOnCreate'>> = {},
): OperationSpec => ({
  service: 'drs',
  use: options.use ?? 'sends',
  mutates: true,
  destructive: options.destructive ?? false,
  iamAction,
  dependentActions: options.dependentActions ?? [],
  tagsOnCreate: options.tagsOnCreate ?? false,
});

/** An operation of the Step Functions engine on its own state (see `OperationSpec.scope`). */
const orchestrator = (service: 'sfn' | 'dynamodb', iamAction: string): OperationSpec => ({
  ...read(service, iamAction),
  scope: 'orchestrator',
});

/**
 * EC2 dependents of `drs:StartRecovery`, as the Service Authorization Reference lists them
 * (transcribed 2026-12-02 from a generated copy of its "Dependent actions" column, the
 * `drs` action list of the cdk-iam-floyd statement library, which names 32 EC2 actions: the
 * project's reference counts 31 without naming them; the extra one is a read, `ec2:DescribeInstanceStatus`
 * or `ec2:DescribeInstances`, both of which the project grants anyway). Grouped reads, creations and
 * modifications, then the deletions and stops that AWS's own managed policy scopes to DRS-managed
 * resources (see src/iam/policy.ts).
 */
const START_RECOVERY_EC2_DEPENDENTS = [
  'ec2:DescribeAccountAttributes',
  'ec2:DescribeAvailabilityZones',
  'ec2:DescribeImages',
  'ec2:DescribeInstanceAttribute',
  'ec2:DescribeInstanceStatus',
  'ec2:DescribeInstanceTypes',
  'ec2:DescribeInstances',
  'ec2:DescribeLaunchTemplateVersions',
  'ec2:DescribeLaunchTemplates',
  'ec2:DescribeSecurityGroups',
  'ec2:DescribeSnapshots',
  'ec2:DescribeSubnets',
  'ec2:DescribeVolumes',
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
  'ec2:DeleteLaunchTemplateVersions',
  'ec2:DeleteSnapshot',
  'ec2:DeleteVolume',
  'ec2:DetachVolume',
  'ec2:StopInstances',
  'ec2:TerminateInstances',
] as const;

export const OPERATIONS = {
  // DRS reads.
  DescribeSourceServers: read('drs', 'drs:DescribeSourceServers'),
  DescribeRecoveryInstances: read('drs', 'drs:DescribeRecoveryInstances'),
  DescribeRecoverySnapshots: read('drs', 'drs:DescribeRecoverySnapshots'),
  DescribeJobs: read('drs', 'drs:DescribeJobs'),
  DescribeJobLogItems: read('drs', 'drs:DescribeJobLogItems'),
  // DRS writes the failback sends.
  StartFailbackLaunch: write('drs:StartFailbackLaunch', { tagsOnCreate: true }),
  StopFailback: write('drs:StopFailback'),
  StartRecovery: write('drs:StartRecovery', {
    tagsOnCreate: true,
    dependentActions: [
      'drs:CreateRecoveryInstanceForDrs',
      'drs:ListTagsForResource',
      ...START_RECOVERY_EC2_DEPENDENTS,
      'iam:PassRole',
    ],
  }),
  ReverseReplication: write('drs:ReverseReplication', {
    dependentActions: [
      'drs:DescribeReplicationConfigurationTemplates',
      'drs:DescribeSourceServers',
      'ec2:DescribeInstances',
    ],
  }),
  // Opt-in only (`afterFailback.cleanup: terminate`), after a verified failback and its own approval.
  TerminateRecoveryInstances: write('drs:TerminateRecoveryInstances', {
    destructive: true,
    dependentActions: [
      'drs:DescribeSourceServers',
      'ec2:DeleteVolume',
      'ec2:DescribeInstances',
      'ec2:DescribeVolumes',
      'ec2:TerminateInstances',
    ],
  }),
  // EC2 reads (verification, the precheck's target check).
  DescribeInstances: read('ec2', 'ec2:DescribeInstances'),
  DescribeInstanceStatus: read('ec2', 'ec2:DescribeInstanceStatus'),
  // Notifications. Needs kms:GenerateDataKey* and kms:Decrypt on an encrypted topic's key: a
  // condition of the topic, not a dependent of the action.
  Publish: read('sns', 'sns:Publish'),
  // Who the tool acts as: read before anything else by check, run, resume, backout and prepare.
  GetCallerIdentity: read('sts', 'sts:GetCallerIdentity'),
  // The plan's roles (aws.role, aws.origins.<region>.role), assumed for the credentials of the
  // clients: changes nothing in AWS, and is not an instrumented call (docs/operations.md).
  AssumeRole: read('sts', 'sts:AssumeRole'),
  // The Step Functions engine (src/sfn): runs started by `run --engine sfn`, approvals and aborts,
  // status and reports, the run table (records, the event log, spilled documents).
  StartExecution: orchestrator('sfn', 'states:StartExecution'),
  DescribeExecution: orchestrator('sfn', 'states:DescribeExecution'),
  SendTaskSuccess: orchestrator('sfn', 'states:SendTaskSuccess'),
  GetItem: orchestrator('dynamodb', 'dynamodb:GetItem'),
  PutItem: orchestrator('dynamodb', 'dynamodb:PutItem'),
  BatchWriteItem: orchestrator('dynamodb', 'dynamodb:BatchWriteItem'),
  Query: orchestrator('dynamodb', 'dynamodb:Query'),
  UpdateItem: orchestrator('dynamodb', 'dynamodb:UpdateItem'),
  // The event waker's registry drops a wait once it woke its wave (src/sfn/wait-registry.ts).
  DeleteItem: orchestrator('dynamodb', 'dynamodb:DeleteItem'),
  // DRS's job quotas, read by the precheck of a plan whose waves need more than one job.
  GetServiceQuota: read('service-quotas', 'servicequotas:GetServiceQuota'),
  // Never sent: teardown stays with people. Listed so guards recognise them.
  StartReplication: write('drs:StartReplication', { use: 'forbidden' }),
  StopReplication: write('drs:StopReplication', { use: 'forbidden', destructive: true }),
  // Opt-in only (`afterFailback.cleanup: disconnect`), after a verified failback and its own approval.
  DisconnectRecoveryInstance: write('drs:DisconnectRecoveryInstance', { destructive: true }),
  DisconnectSourceServer: write('drs:DisconnectSourceServer', { use: 'forbidden', destructive: true }),
  DeleteRecoveryInstance: write('drs:DeleteRecoveryInstance', { use: 'forbidden', destructive: true }),
  DeleteSourceServer: write('drs:DeleteSourceServer', { use: 'forbidden', destructive: true }),
  // Deletes a job's record, not data or capacity: mutating, not destructive.
  DeleteJob: write('drs:DeleteJob', { use: 'forbidden' }),
} as const satisfies Record<string, OperationSpec>;

export type OperationName = keyof typeof OPERATIONS;

const NAMES = Object.keys(OPERATIONS) as OperationName[];

/** Whether `name` (an API operation name, e.g. from an `aws.request` event) is in the catalogue. */
export function isOperationName(name: string): name is OperationName {
  return Object.hasOwn(OPERATIONS, name);
}

/** The catalogue entry of an operation name; undefined for an operation the catalogue does not know. */
export function operationSpec(name: string): OperationSpec | undefined {
  return isOperationName(name) ? OPERATIONS[name] : undefined;
}

/** Operations that change something in AWS (see `OperationSpec.mutates`). */
export const MUTATING_OPERATIONS: readonly OperationName[] = NAMES.filter((n) => OPERATIONS[n].mutates);

/** Operations that lose data or DR capacity: a failback or a backout must never send them unasked. */
export const DESTRUCTIVE_OPERATIONS: readonly OperationName[] = NAMES.filter(
  (n) => OPERATIONS[n].destructive,
);

/** Operations the project must never send. */
export const FORBIDDEN_OPERATIONS: readonly OperationName[] = NAMES.filter(
  (n) => OPERATIONS[n].use === 'forbidden',
);

/** Whether an operation changes something in AWS. Unknown names count as not mutating. */
export function isMutating(name: string): boolean {
  return operationSpec(name)?.mutates === true;
}

/** Whether an operation loses data or DR capacity. */
export function isDestructive(name: string): boolean {
  return operationSpec(name)?.destructive === true;
}

/** The IAM action of a catalogued operation. */
export function iamActionOf(name: OperationName): string {
  return OPERATIONS[name].iamAction;
}

/** The dependent actions of a catalogued operation. */
export function dependentActionsOf(name: OperationName): readonly string[] {
  return OPERATIONS[name].dependentActions;
}
