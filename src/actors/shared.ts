import type { AwsFailure } from '../../machines/types.js';
import { classifyAwsError } from '../aws/errors.js';
import { InvalidRequestError } from '../aws/ids.js';

/** Names the servers of one request in a failure message without flooding it. */
export function serverLabel(ids: readonly string[]): string | undefined {
  if (ids.length === 0) return undefined;
  if (ids.length <= 3) return ids.join(', ');
  return `${ids.slice(0, 3).join(', ')} and ${ids.length - 3} more`;
}

/**
 * Runs local validation; a refused request becomes a validation failure (nothing was sent).
 * Anything else thrown is a programming error and propagates.
 */
export function validationFailure(validate: () => void, server?: string): AwsFailure | undefined {
  try {
    validate();
    return undefined;
  } catch (err) {
    if (err instanceof InvalidRequestError) return classifyAwsError(err, err.operation, server);
    throw err;
  }
}

/** A response that broke the API's promise (e.g. a start without a job): never resend blindly. */
export function unexpectedResponse(
  operation: string,
  server: string | undefined,
  problem: string,
): AwsFailure {
  const failure: AwsFailure = {
    kind: 'unknown',
    name: 'UnexpectedResponse',
    operation,
    message: `${operation}${server ? ` for ${server}` : ''} failed: ${problem}`,
    retryable: false,
  };
  if (server) failure.server = server;
  return failure;
}

/** Names the region of a call outside the DR region in its failure message (EC2 origin). */
export function inRegion(failure: AwsFailure, region: string | undefined): AwsFailure {
  if (region === undefined || !failure.message.startsWith(failure.operation)) return failure;
  return {
    ...failure,
    message: `${failure.operation} in ${region}${failure.message.slice(failure.operation.length)}`,
  };
}

/** Groups items by a key, keeping first-seen order of keys and items. */
export function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key) ?? [];
    group.push(item);
    groups.set(key, group);
  }
  return groups;
}
