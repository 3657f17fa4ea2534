import {
  DescribeJobsCommand,
  DrsClient,
  StartFailbackLaunchCommand,
  ThrottlingException,
} from '@aws-sdk/client-drs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, describe, expect, it } from 'vitest';
import type { DrsSender, SnsSender } from '../../src/aws/clients.js';
import {
  instrumentAwsClients,
  instrumentClient,
  operationName,
  redactSecrets,
} from '../../src/aws/instrument.js';
import type { RunEventBody } from '../../src/events.js';

const drsMock = mockClient(DrsClient);
const snsMock = mockClient(SNSClient);

afterEach(() => {
  drsMock.reset();
  snsMock.reset();
});

function setup() {
  const events: RunEventBody[] = [];
  const drs: DrsSender = instrumentClient(new DrsClient({ region: 'us-east-1' }), {
    service: 'drs',
    region: 'us-east-1',
    emit: (event) => events.push(event),
  });
  return { drs, events };
}

describe('instrumentClient', () => {
  it('emits the request as sent and the response with its request id', async () => {
    drsMock.on(StartFailbackLaunchCommand).resolves({
      job: { jobID: 'drsjob-1' },
      $metadata: { requestId: 'req-1', httpStatusCode: 200 },
    });
    const { drs, events } = setup();
    const input = { recoveryInstanceIDs: ['i-0123456789abcdef0'], tags: { run: 'run-1' } };
    const output = await drs.send(new StartFailbackLaunchCommand(input));
    expect(output.job?.jobID).toBe('drsjob-1');
    expect(drsMock).toHaveReceivedCommandWith(StartFailbackLaunchCommand, input);
    expect(events).toEqual([
      { type: 'aws.request', service: 'drs', region: 'us-east-1', operation: 'StartFailbackLaunch', input },
      {
        type: 'aws.response',
        service: 'drs',
        operation: 'StartFailbackLaunch',
        ok: true,
        requestId: 'req-1',
      },
    ]);
  });

  it('reports a null request id when the output carries none', async () => {
    drsMock.on(DescribeJobsCommand).resolves({ items: [] });
    const { drs, events } = setup();
    await drs.send(new DescribeJobsCommand({ filters: { jobIDs: ['drsjob-1'] } }));
    expect(events[1]).toEqual({
      type: 'aws.response',
      service: 'drs',
      operation: 'DescribeJobs',
      ok: true,
      requestId: null,
    });
  });

  it('reports the error name and request id, and rethrows the same error', async () => {
    const error = new ThrottlingException({
      message: 'Rate exceeded',
      retryAfterSeconds: '3',
      $metadata: { requestId: 'req-err', httpStatusCode: 429 },
    });
    drsMock.on(StartFailbackLaunchCommand).rejects(error);
    const { drs, events } = setup();
    const sent = drs.send(new StartFailbackLaunchCommand({ recoveryInstanceIDs: ['i-0123456789abcdef0'] }));
    await expect(sent).rejects.toBe(error);
    expect(events[1]).toEqual({
      type: 'aws.response',
      service: 'drs',
      operation: 'StartFailbackLaunch',
      ok: false,
      requestId: 'req-err',
      error: { name: 'ThrottlingException', message: 'Rate exceeded' },
    });
  });

  it('reports errors without metadata and non-Error rejections', async () => {
    const events: RunEventBody[] = [];
    const sender = {
      send: async (_command: unknown): Promise<unknown> => {
        throw 'socket hang up';
      },
    };
    const wrapped = instrumentClient(sender, {
      service: 'ec2',
      region: 'eu-west-1',
      emit: (e) => events.push(e),
    });
    await expect(wrapped.send(new DescribeJobsCommand({}))).rejects.toBe('socket hang up');
    expect(events[1]).toMatchObject({
      ok: false,
      requestId: null,
      error: { name: 'Error', message: 'socket hang up' },
    });
  });

  it('works for SNS and masks credential-like keys in the input', async () => {
    snsMock.on(PublishCommand).resolves({ MessageId: 'm-1', $metadata: { requestId: 'sns-req' } });
    const events: RunEventBody[] = [];
    const sns: SnsSender = instrumentClient(new SNSClient({ region: 'us-east-1' }), {
      service: 'sns',
      region: 'us-east-1',
      emit: (e) => events.push(e),
    });
    const input = {
      TopicArn: 'arn:aws:sns:us-east-1:111122223333:failback',
      Message: 'hello',
      MessageAttributes: { password: { DataType: 'String', StringValue: 'hunter2' } },
    };
    const output = await sns.send(new PublishCommand(input));
    expect(output.MessageId).toBe('m-1');
    // What AWS receives is untouched; only the event is masked.
    expect(snsMock).toHaveReceivedCommandWith(PublishCommand, input);
    expect(events[0]).toMatchObject({
      operation: 'Publish',
      input: { Message: 'hello', MessageAttributes: { password: '[redacted]' } },
    });
    expect(events[1]).toMatchObject({ operation: 'Publish', ok: true, requestId: 'sns-req' });
  });

  it('can wrap an already wrapped sender', async () => {
    drsMock.on(DescribeJobsCommand).resolves({ items: [] });
    const outer: RunEventBody[] = [];
    const { drs } = setup();
    const twice: DrsSender = instrumentClient(drs, {
      service: 'drs',
      region: 'us-east-1',
      emit: (e) => outer.push(e),
    });
    await twice.send(new DescribeJobsCommand({}));
    expect(outer.map((e) => e.type)).toEqual(['aws.request', 'aws.response']);
  });
});

describe('operationName', () => {
  it('drops the Command suffix of the class name', () => {
    expect(operationName(new StartFailbackLaunchCommand({ recoveryInstanceIDs: [] }))).toBe(
      'StartFailbackLaunch',
    );
    expect(operationName({})).toBe('Object');
    expect(operationName(null)).toBe('Unknown');
  });
});

describe('redactSecrets', () => {
  it('masks credential keys at any depth, case-insensitively, without touching the original', () => {
    const original = {
      region: 'us-east-1',
      AccessKeyId: 'AKIA',
      nested: [{ SecretAccessKey: 's', SessionToken: 't', keep: 1 }],
      headers: { Authorization: 'Bearer x' },
      Credentials: { anything: true },
      Password: 'pw',
      when: new Date(0),
    };
    const masked = redactSecrets(original);
    expect(masked).toEqual({
      region: 'us-east-1',
      AccessKeyId: '[redacted]',
      nested: [{ SecretAccessKey: '[redacted]', SessionToken: '[redacted]', keep: 1 }],
      headers: { Authorization: '[redacted]' },
      Credentials: '[redacted]',
      Password: '[redacted]',
      when: new Date(0),
    });
    expect(original.AccessKeyId).toBe('AKIA');
  });

  it('passes primitives through and survives cycles', () => {
    expect(redactSecrets('x')).toBe('x');
    expect(redactSecrets(undefined)).toBeUndefined();
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(redactSecrets(cyclic)).toEqual({ a: 1, self: '[circular]' });
  });
});

describe('instrumentAwsClients', () => {
  it('labels each region and builds the clients of another region once', async () => {
    drsMock.on(DescribeJobsCommand).resolves({ items: [], $metadata: { requestId: 'r-1' } });
    const events: RunEventBody[] = [];
    let built = 0;
    const clients = instrumentAwsClients(
      {
        drs: new DrsClient({ region: 'us-east-1' }),
        ec2: new EC2Client({ region: 'us-east-1' }),
        forRegion: (r) => {
          built++;
          return { drs: new DrsClient({ region: r }), ec2: new EC2Client({ region: r }) };
        },
      },
      'us-east-1',
      (e) => events.push(e),
    );
    expect(clients.regional?.('us-east-1').drs).toBe(clients.drs);
    await clients.regional?.('us-west-2').drs.send(new DescribeJobsCommand({}));
    await clients.regional?.('us-west-2').drs.send(new DescribeJobsCommand({}));
    expect(built).toBe(1);
    expect(
      events.filter((e) => e.type === 'aws.request').map((e) => (e as { region: string }).region),
    ).toEqual(['us-west-2', 'us-west-2']);
  });

  it('without forRegion there is no regional factory (the DR clients answer everywhere)', () => {
    const clients = instrumentAwsClients(
      { drs: new DrsClient({ region: 'us-east-1' }), ec2: new EC2Client({ region: 'us-east-1' }) },
      'us-east-1',
      () => {},
    );
    expect(clients.regional).toBeUndefined();
    expect(clients.sns).toBeUndefined();
  });
});
