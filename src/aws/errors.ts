import type { AwsFailure, AwsFailureKind } from '../../machines/types.js';
import type { InvalidRequestError } from './ids.js';
import { operationSpec } from './operations.js';

// SDK errors become typed outcomes by their `name` (the error table of docs/lifecycle.md).

/** Operations answered by EC2; everything else here is DRS. Used to name the missing IAM action. */
const EC2_OPERATIONS = new Set(['DescribeInstances', 'DescribeInstanceStatus']);

const NETWORK_ERROR_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
]);

/** EC2 reports server-side trouble under these codes rather than InternalServerException. */
const EC2_TRANSIENT_NAMES = new Set([
  'InternalError',
  'InternalFailure',
  'ServiceUnavailable',
  'Unavailable',
]);

interface ErrorFields {
  name: string;
  message: string;
  code?: string;
  httpStatusCode?: number;
  retryAfterSeconds?: unknown;
  reason?: unknown;
  fieldList?: unknown;
}

function readFields(err: unknown): ErrorFields {
  if (typeof err !== 'object' || err === null) {
    return { name: 'Error', message: String(err) };
  }
  const record = err as Record<string, unknown>;
  const metadata = record.$metadata as Record<string, unknown> | undefined;
  const httpStatusCode = typeof metadata?.httpStatusCode === 'number' ? metadata.httpStatusCode : undefined;
  return {
    name: typeof record.name === 'string' ? record.name : 'Error',
    message: typeof record.message === 'string' ? record.message : '',
    code: typeof record.code === 'string' ? record.code : undefined,
    httpStatusCode,
    retryAfterSeconds: record.retryAfterSeconds,
    reason: record.reason,
    fieldList: record.fieldList,
  };
}

function retryAfterMsOf(value: unknown): number | undefined {
  const seconds = typeof value === 'string' ? Number(value) : value;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) return undefined;
  return Math.round(seconds * 1000);
}

function describeFieldList(fieldList: unknown): string | undefined {
  if (!Array.isArray(fieldList) || fieldList.length === 0) return undefined;
  return fieldList
    .map((field: unknown) => {
      const f = (field ?? {}) as { name?: unknown; message?: unknown };
      const name = typeof f.name === 'string' ? f.name : '?';
      return typeof f.message === 'string' ? `${name} (${f.message})` : name;
    })
    .join(', ');
}

export function iamActionFor(operation: string): string {
  const catalogued = operationSpec(operation);
  if (catalogued) return catalogued.iamAction;
  return `${EC2_OPERATIONS.has(operation) ? 'ec2' : 'drs'}:${operation}`;
}

function kindOf(fields: ErrorFields): AwsFailureKind {
  switch (fields.name) {
    case 'ThrottlingException':
    case 'RequestLimitExceeded':
    // Service Quotas' own name for throttling.
    case 'TooManyRequestsException':
      return 'throttled';
    case 'InternalServerException':
    case 'TimeoutError':
      return 'transient';
    case 'ConflictException':
      return 'conflict';
    case 'ServiceQuotaExceededException':
      return 'quota';
    case 'ValidationException':
    case 'InvalidRequestError':
      return 'validation';
    case 'ResourceNotFoundException':
    // Service Quotas: no such quota code (or service) in this region.
    case 'NoSuchResourceException':
      return 'not-found';
    case 'AccessDeniedException':
    case 'UnauthorizedOperation':
      return 'access-denied';
    case 'UninitializedAccountException':
      return 'uninitialized';
    case 'InvalidInstanceID.NotFound':
      return 'eventual-consistency';
  }
  if (EC2_TRANSIENT_NAMES.has(fields.name)) return 'transient';
  if (NETWORK_ERROR_CODES.has(fields.code ?? '') || NETWORK_ERROR_CODES.has(fields.name)) return 'transient';
  if (fields.httpStatusCode !== undefined && fields.httpStatusCode >= 500) return 'transient';
  return 'unknown';
}

const RETRYABLE: Record<AwsFailureKind, boolean> = {
  throttled: true,
  transient: true,
  'eventual-consistency': true,
  // Conflict and quota: re-read the state first, then decide; a blind resend is not the answer.
  conflict: false,
  quota: false,
  validation: false,
  'not-found': false,
  'access-denied': false,
  uninitialized: false,
  unknown: false,
};

function causeOf(
  kind: AwsFailureKind,
  fields: ErrorFields,
  operation: string,
  retryAfterMs?: number,
): string {
  const detail = fields.message ? `: ${fields.message}` : '';
  switch (kind) {
    case 'throttled':
      return `throttled (${fields.name})${
        retryAfterMs === undefined ? '' : `; retry after ${retryAfterMs / 1000} s`
      }${detail}`;
    case 'transient':
      return `transient service or network error (${fields.name}${
        fields.httpStatusCode === undefined ? '' : `, HTTP ${fields.httpStatusCode}`
      })${detail}`;
    case 'conflict':
      return `conflict with the current state (${fields.name}); re-read before deciding${detail}`;
    case 'quota':
      return `service quota exceeded (${fields.name}); wait for running jobs${detail}`;
    case 'validation': {
      const reason = typeof fields.reason === 'string' ? ` reason ${fields.reason}` : '';
      const list = describeFieldList(fields.fieldList);
      return `invalid request (${fields.name}${reason}${list ? `; fields: ${list}` : ''})${detail}`;
    }
    case 'not-found':
      return `resource not found (${fields.name})${detail}`;
    case 'access-denied':
      return `access denied; the role lacks ${iamActionFor(operation)}${detail}`;
    case 'uninitialized':
      return `Elastic Disaster Recovery is not initialized in this account and region (${fields.name})${detail}`;
    case 'eventual-consistency':
      return `not visible yet, eventual consistency (${fields.name})${detail}`;
    case 'unknown':
      return `unexpected error (${fields.name})${detail}`;
  }
}

/** Turns any error thrown by a DRS or EC2 call into a typed, explainable failure. */
export function classifyAwsError(err: unknown, operation: string, server?: string): AwsFailure {
  const fields = readFields(err);
  if (fields.name === 'StopRequestedError') {
    // Refused in this process before sending (a stop the operator asked for): nothing was sent,
    // which the machine knows of validation failures, so the wave ends before its point of no return.
    return {
      kind: 'validation',
      name: fields.name,
      operation,
      message: `${operation}${server ? ` for ${server}` : ''} ${fields.message}`,
      retryable: false,
      ...(server ? { server } : {}),
    };
  }
  const kind = kindOf(fields);
  const retryAfterMs =
    kind === 'throttled' || kind === 'transient' ? retryAfterMsOf(fields.retryAfterSeconds) : undefined;
  const failure: AwsFailure = {
    kind,
    name: fields.name,
    operation,
    message: `${operation}${server ? ` for ${server}` : ''} failed: ${causeOf(kind, fields, operation, retryAfterMs)}`,
    retryable: RETRYABLE[kind],
  };
  if (server) failure.server = server;
  if (retryAfterMs !== undefined) failure.retryAfterMs = retryAfterMs;
  if (kind === 'access-denied') failure.iamAction = iamActionFor(operation);
  return failure;
}

function isAwsFailure(value: unknown): value is AwsFailure {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as AwsFailure).kind === 'string' &&
    typeof (value as AwsFailure).retryable === 'boolean' &&
    typeof (value as AwsFailure).operation === 'string'
  );
}

/** Whether the same call may simply be sent again later; takes an error or a classified failure. */
export function isRetryable(errOrFailure: unknown): boolean {
  if (isAwsFailure(errOrFailure)) return errOrFailure.retryable;
  return classifyAwsError(errOrFailure, 'unknown').retryable;
}

/** A local validation failure, for input we refused to send. */
export function invalidRequestFailure(err: InvalidRequestError, server?: string): AwsFailure {
  return classifyAwsError(err, err.operation, server);
}
