// ID patterns of the DRS service model and EC2. The SDK does not validate ids, so we check them
// before anything is sent: a malformed id must never reach a mutating call.

export const ID_PATTERNS = {
  sourceServerID: /^s-[0-9a-zA-Z]{17}$/,
  recoveryInstanceID: /^i-[0-9a-fA-F]{8,}$/,
  ec2InstanceID: /^i-[0-9a-fA-F]{8,}$/,
  jobID: /^drsjob-[0-9a-zA-Z]{17}$/,
  snapshotID: /^pit-[0-9a-zA-Z]{17}$/,
  sourceServerArn: /^arn:(aws[a-zA-Z-]*):drs:([a-z0-9-]+):(\d{12}):source-server\/(s-[0-9a-zA-Z]{17})$/,
  /** An AWS region name, e.g. us-west-2 or us-gov-east-1 (EC2 origin: where a server is launched again). */
  region: /^[a-z]{2}(-[a-z]+)+-\d+$/,
} as const;

export type IdKind = keyof typeof ID_PATTERNS;

/** The request field each kind of id travels in, for error messages. */
const DEFAULT_FIELD: Record<IdKind, string> = {
  sourceServerID: 'sourceServerIDs',
  recoveryInstanceID: 'recoveryInstanceIDs',
  ec2InstanceID: 'InstanceIds',
  jobID: 'jobIDs',
  snapshotID: 'recoverySnapshotID',
  sourceServerArn: 'sourceServerArn',
  region: 'region',
};

export const isSourceServerId = (value: string): boolean => ID_PATTERNS.sourceServerID.test(value);
export const isRecoveryInstanceId = (value: string): boolean => ID_PATTERNS.recoveryInstanceID.test(value);
export const isEc2InstanceId = (value: string): boolean => ID_PATTERNS.ec2InstanceID.test(value);
export const isJobId = (value: string): boolean => ID_PATTERNS.jobID.test(value);
export const isSnapshotId = (value: string): boolean => ID_PATTERNS.snapshotID.test(value);
export const isRegion = (value: string): boolean => ID_PATTERNS.region.test(value);

export interface SourceServerArn {
  partition: string;
  region: string;
  account: string;
  sourceServerID: string;
}

/** Parses `arn:<partition>:drs:<region>:<account>:source-server/s-...`, or undefined when it is not one. */
export function parseSourceServerArn(arn: string): SourceServerArn | undefined {
  const match = ID_PATTERNS.sourceServerArn.exec(arn);
  if (!match) return undefined;
  const [, partition, region, account, sourceServerID] = match;
  if (!partition || !region || !account || !sourceServerID) return undefined;
  return { partition, region, account, sourceServerID };
}

/** A request we refused to send because its input breaks the service's constraints. */
export class InvalidRequestError extends Error {
  override readonly name = 'InvalidRequestError';
  readonly operation: string;
  readonly field: string;
  readonly value: string;
  readonly pattern: string;

  constructor(args: { operation: string; field: string; value: string; pattern: string; problem: string }) {
    super(`${args.operation}: ${args.problem}`);
    this.operation = args.operation;
    this.field = args.field;
    this.value = args.value;
    this.pattern = args.pattern;
  }
}

export interface IdCount {
  min: number;
  max: number;
  /** Request field named in the error; defaults to the usual field of this kind of id. */
  field?: string;
}

/**
 * Throws an InvalidRequestError naming the operation, the field, the offending value and the
 * allowed pattern when any id is malformed or the count is outside [min, max].
 */
export function assertValidIds(
  kind: IdKind,
  ids: readonly string[],
  count: IdCount,
  operation: string,
): void {
  const field = count.field ?? DEFAULT_FIELD[kind];
  const pattern = ID_PATTERNS[kind];
  if (ids.length < count.min || ids.length > count.max) {
    throw new InvalidRequestError({
      operation,
      field,
      value: `${ids.length} ids`,
      pattern: pattern.source,
      problem: `${field} takes ${count.min}..${count.max} ids, got ${ids.length}`,
    });
  }
  for (const id of ids) {
    if (typeof id !== 'string' || !pattern.test(id)) {
      throw new InvalidRequestError({
        operation,
        field,
        value: String(id),
        pattern: pattern.source,
        problem: `${field} value '${String(id)}' does not match ${pattern.source}`,
      });
    }
  }
}
