import { EC2ServiceException } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { classifyAwsError, iamActionFor, isRetryable } from '../../src/aws/errors.js';
import { InvalidRequestError } from '../../src/aws/ids.js';
import { DRS_ERROR_TABLE, ec2Error } from '../actors/helpers.js';

const SERVER = 's-1234567890abcdefG';

describe('classifyAwsError: the DRS error table', () => {
  it.each(DRS_ERROR_TABLE)('$label', ({ make, kind, retryable, retryAfterMs, cause, label }) => {
    const failure = classifyAwsError(make(), 'StartFailbackLaunch', SERVER);
    expect(failure.kind).toBe(kind);
    expect(failure.name).toBe(label);
    expect(failure.retryable).toBe(retryable);
    expect(failure.retryAfterMs).toBe(retryAfterMs);
    expect(failure.operation).toBe('StartFailbackLaunch');
    expect(failure.server).toBe(SERVER);
    expect(failure.message).toMatch(new RegExp(`^StartFailbackLaunch for ${SERVER} failed: `));
    expect(failure.message).toMatch(cause);
    expect(isRetryable(failure)).toBe(retryable);
    expect(isRetryable(make())).toBe(retryable);
  });

  it('names the missing IAM action for AccessDenied', () => {
    const [, , , , , , accessDenied] = DRS_ERROR_TABLE;
    const failure = classifyAwsError(accessDenied?.make(), 'StartFailbackLaunch', SERVER);
    expect(failure.iamAction).toBe('drs:StartFailbackLaunch');
    expect(failure.message).toBe(
      `StartFailbackLaunch for ${SERVER} failed: access denied; the role lacks drs:StartFailbackLaunch: User is not authorized`,
    );
  });

  it('accepts retryAfterSeconds as a number on throttling and ignores junk', () => {
    const err = Object.assign(new Error('slow down'), { name: 'ThrottlingException', retryAfterSeconds: 2 });
    expect(classifyAwsError(err, 'DescribeJobs').retryAfterMs).toBe(2000);
    const junk = Object.assign(new Error('slow down'), {
      name: 'ThrottlingException',
      retryAfterSeconds: 'soon',
    });
    expect(classifyAwsError(junk, 'DescribeJobs').retryAfterMs).toBeUndefined();
  });

  it('leaves out the server when none is given', () => {
    const failure = classifyAwsError(DRS_ERROR_TABLE[0]?.make(), 'DescribeJobs');
    expect(failure.server).toBeUndefined();
    expect(failure.message).toMatch(/^DescribeJobs failed: throttled/);
  });
});

describe('classifyAwsError: EC2, network and anything else', () => {
  it.each([
    ['UnauthorizedOperation', 'access-denied', false],
    ['RequestLimitExceeded', 'throttled', true],
    ['InvalidInstanceID.NotFound', 'eventual-consistency', true],
    ['InternalError', 'transient', true],
    ['Unavailable', 'transient', true],
    ['InvalidInstanceID.Malformed', 'unknown', false],
  ])('EC2 %s -> %s', (name, kind, retryable) => {
    const failure = classifyAwsError(ec2Error(name), 'DescribeInstances', 'i-0123abcd');
    expect(failure).toMatchObject({
      kind,
      retryable,
      name,
      operation: 'DescribeInstances',
      server: 'i-0123abcd',
    });
  });

  it('names ec2:<Operation> for EC2 access denied', () => {
    expect(classifyAwsError(ec2Error('UnauthorizedOperation'), 'DescribeInstanceStatus').iamAction).toBe(
      'ec2:DescribeInstanceStatus',
    );
    expect(iamActionFor('DescribeInstances')).toBe('ec2:DescribeInstances');
    expect(iamActionFor('StopFailback')).toBe('drs:StopFailback');
  });

  it('treats 5xx, TimeoutError and ECONNRESET as transient', () => {
    const fiveHundred = new EC2ServiceException({
      name: 'SomethingOdd',
      $fault: 'server',
      message: 'bad gateway',
      $metadata: { httpStatusCode: 502 },
    });
    expect(classifyAwsError(fiveHundred, 'DescribeInstances')).toMatchObject({
      kind: 'transient',
      retryable: true,
    });
    expect(classifyAwsError(fiveHundred, 'DescribeInstances').message).toContain('HTTP 502');
    const timeout = Object.assign(new Error('socket timed out'), { name: 'TimeoutError' });
    expect(classifyAwsError(timeout, 'DescribeJobs')).toMatchObject({ kind: 'transient', retryable: true });
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    expect(classifyAwsError(reset, 'DescribeJobs')).toMatchObject({ kind: 'transient', retryable: true });
  });

  it('classifies a local InvalidRequestError as validation', () => {
    const err = new InvalidRequestError({
      operation: 'StartRecovery',
      field: 'sourceServerIDs',
      value: 'x',
      pattern: '^s-$',
      problem: "sourceServerIDs value 'x' does not match ^s-$",
    });
    expect(classifyAwsError(err, 'StartRecovery')).toMatchObject({ kind: 'validation', retryable: false });
  });

  it.each([new Error('boom'), 'a string', 42, null, undefined, { name: 7 }])('unknown for %o', (err) => {
    const failure = classifyAwsError(err, 'DescribeJobs');
    expect(failure.kind).toBe('unknown');
    expect(failure.retryable).toBe(false);
    expect(failure.message).toMatch(/^DescribeJobs failed: unexpected error/);
    expect(isRetryable(err)).toBe(false);
  });
});
