import { describe, expect, it } from 'vitest';
import { chunk, unique } from '../../src/aws/batch.js';
import {
  assertValidIds,
  InvalidRequestError,
  isEc2InstanceId,
  isJobId,
  isRecoveryInstanceId,
  isSnapshotId,
  isSourceServerId,
  parseSourceServerArn,
} from '../../src/aws/ids.js';

describe('id validators', () => {
  it.each([
    [isSourceServerId, 's-1234567890abcdefG', true],
    [isSourceServerId, 's-1234567890abcdef', false],
    [isSourceServerId, 's-1234567890abcdefGH', false],
    [isSourceServerId, 'i-1234567890abcdef0', false],
    [isRecoveryInstanceId, 'i-0123abcd', true],
    [isRecoveryInstanceId, 'i-0123456789ABCDEF0', true],
    [isRecoveryInstanceId, 'i-0123abc', false],
    [isRecoveryInstanceId, 'i-0123abcg', false],
    [isEc2InstanceId, 'i-0123456789abcdef0', true],
    [isEc2InstanceId, 's-0123456789abcdef0', false],
    [isJobId, 'drsjob-1234567890abcdefG', true],
    [isJobId, 'drsjob-123', false],
    [isJobId, 'job-1234567890abcdefG', false],
    [isSnapshotId, 'pit-1234567890abcdefG', true],
    [isSnapshotId, 'pit-1234567890abcdef', false],
  ])('%o(%s) is %s', (validate, value, expected) => {
    expect(validate(value)).toBe(expected);
  });

  it('parses a source server ARN into partition, region, account and id', () => {
    expect(
      parseSourceServerArn('arn:aws:drs:eu-west-1:111122223333:source-server/s-1234567890abcdefG'),
    ).toEqual({
      partition: 'aws',
      region: 'eu-west-1',
      account: '111122223333',
      sourceServerID: 's-1234567890abcdefG',
    });
    expect(
      parseSourceServerArn('arn:aws-us-gov:drs:us-gov-west-1:111122223333:source-server/s-1234567890abcdefG'),
    ).toMatchObject({ partition: 'aws-us-gov', region: 'us-gov-west-1' });
  });

  it.each([
    'arn:aws:drs:eu-west-1:111122223333:recovery-instance/i-0123abcd',
    'arn:aws:drs:eu-west-1:1111:source-server/s-1234567890abcdefG',
    'arn:aws:ec2:eu-west-1:111122223333:source-server/s-1234567890abcdefG',
    's-1234567890abcdefG',
  ])('rejects %s as a source server ARN', (arn) => {
    expect(parseSourceServerArn(arn)).toBeUndefined();
  });
});

describe('assertValidIds', () => {
  it('accepts valid ids within the count', () => {
    expect(() =>
      assertValidIds('recoveryInstanceID', ['i-0123abcd'], { min: 1, max: 200 }, 'StartFailbackLaunch'),
    ).not.toThrow();
  });

  it('names operation, field, value and pattern of a malformed id', () => {
    let error: unknown;
    try {
      assertValidIds(
        'recoveryInstanceID',
        ['i-0123abcd', 's-bad'],
        { min: 1, max: 200 },
        'StartFailbackLaunch',
      );
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InvalidRequestError);
    const invalid = error as InvalidRequestError;
    expect(invalid).toMatchObject({
      name: 'InvalidRequestError',
      operation: 'StartFailbackLaunch',
      field: 'recoveryInstanceIDs',
      value: 's-bad',
      pattern: '^i-[0-9a-fA-F]{8,}$',
    });
    expect(invalid.message).toContain('StartFailbackLaunch');
    expect(invalid.message).toContain("'s-bad'");
    expect(invalid.message).toContain('^i-[0-9a-fA-F]{8,}$');
  });

  it.each([
    [[], 1, 200],
    [Array.from({ length: 201 }, () => 'i-0123abcd'), 1, 200],
  ])('rejects a count outside the range', (ids, min, max) => {
    expect(() => assertValidIds('recoveryInstanceID', ids, { min, max }, 'StartFailbackLaunch')).toThrow(
      /recoveryInstanceIDs takes 1\.\.200 ids/,
    );
  });

  it('uses the field given by the caller', () => {
    expect(() =>
      assertValidIds('jobID', ['nope'], { min: 1, max: 1, field: 'jobID' }, 'DescribeJobLogItems'),
    ).toThrow(/DescribeJobLogItems: jobID value 'nope'/);
  });
});

describe('chunk and unique', () => {
  it('splits 450 ids into 200, 200 and 50', () => {
    const ids = Array.from({ length: 450 }, (_, i) => i);
    expect(chunk(ids, 200).map((c) => c.length)).toEqual([200, 200, 50]);
    expect(chunk(ids, 200).flat()).toEqual(ids);
  });
  it('returns no chunk for an empty list and rejects a bad size', () => {
    expect(chunk([], 3)).toEqual([]);
    expect(() => chunk([1], 0)).toThrow(RangeError);
  });
  it('keeps first-seen order when removing duplicates', () => {
    expect(unique(['b', 'a', 'b', 'c', 'a'])).toEqual(['b', 'a', 'c']);
  });
});
