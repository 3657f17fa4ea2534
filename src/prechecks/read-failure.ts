// A failed read, classified the same way for the check that reports it and for the actor that
// decides whether the precheck is worth retrying. Pure.
import type { AwsFailure } from '../../machines/types.js';
import { inRegion } from '../actors/shared.js';
import { classifyAwsError } from '../aws/errors.js';
import type { CheckOutcome, ReadFailedData } from './types.js';

export function readFailure(err: unknown, operation: string, server?: string, region?: string): AwsFailure {
  return inRegion(classifyAwsError(err, operation, server), region);
}

/** The failed check of a read that threw: its message as detail, the failure as data. */
export function readFailedOutcome(
  server: string,
  err: unknown,
  operation: string,
  options: { server?: string; region?: string } = {},
): CheckOutcome<ReadFailedData> {
  const failure = readFailure(err, operation, options.server, options.region);
  return {
    server,
    status: 'fail',
    detail: failure.message,
    data: {
      readFailed: {
        operation,
        region: options.region ?? null,
        kind: failure.kind,
        name: failure.name,
      },
    },
  };
}
