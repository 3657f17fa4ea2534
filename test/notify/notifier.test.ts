import {
  AuthorizationErrorException,
  InternalErrorException,
  PublishCommand,
  SNSClient,
  ThrottledException,
} from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunEventBody } from '../../src/events.js';
import { createNotifier, type NotifierOptions, type TransitionNotice } from '../../src/notify/notifier.js';
import { createFakeClock, type FakeClock, flush } from './fake-clock.js';

const TOPIC = 'arn:aws:sns:us-east-1:111122223333:failback';
const snsMock = mockClient(SNSClient);

const notice = (to: string, seq: number): TransitionNotice => ({
  runId: 'run-1',
  plan: 'payments',
  machine: 'wave',
  wave: 'databases',
  from: null,
  to,
  at: '2024-05-01T12:00:00.000Z',
  seq,
});

const internalError = () => new InternalErrorException({ message: 'boom', $metadata: {} });

let clock: FakeClock;
let events: RunEventBody[];

function notifier(overrides: Partial<NotifierOptions> = {}) {
  return createNotifier({
    sns: new SNSClient({ region: 'us-east-1' }),
    topicArn: TOPIC,
    clock,
    emit: (event) => events.push(event),
    log: pino({ level: 'silent' }),
    ...overrides,
  });
}

const publishedStates = () =>
  snsMock
    .commandCalls(PublishCommand)
    .map((call) => call.args[0].input.MessageAttributes?.state?.StringValue);

beforeEach(() => {
  snsMock.reset();
  clock = createFakeClock();
  events = [];
});
afterEach(() => {
  snsMock.reset();
});

describe('createNotifier', () => {
  it('publishes and reports the message id', async () => {
    snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const n = notifier();
    n.notify(notice('monitoringJob', 1));
    await n.drain();
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
    const input = snsMock.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(input).toMatchObject({
      TopicArn: TOPIC,
      Subject: '[drs-failback] payments / databases: monitoringJob',
      MessageAttributes: { severity: { DataType: 'String', StringValue: 'info' } },
    });
    expect(input?.MessageGroupId).toBeUndefined();
    expect(events).toEqual([
      {
        type: 'notification',
        topicArn: TOPIC,
        subject: '[drs-failback] payments / databases: monitoringJob',
        messageId: 'm-1',
      },
    ]);
    expect(n.stats()).toEqual({ sent: 1, failed: 0, attempts: 1 });
  });

  it('sets FIFO group and deduplication ids on a .fifo topic', async () => {
    snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const n = notifier({ topicArn: `${TOPIC}.fifo` });
    n.notify(notice('monitoringJob', 1));
    await n.drain();
    const input = snsMock.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(input?.MessageGroupId).toBe('run-1');
    expect(input?.MessageDeduplicationId).toMatch(/^[0-9a-f]{64}$/);
  });

  it('retries after baseDelay * 2^n on the clock, publishing nothing before the delay elapses', async () => {
    snsMock
      .on(PublishCommand)
      .rejectsOnce(internalError())
      .rejectsOnce(internalError())
      .resolves({ MessageId: 'm-3' });
    const n = notifier({ baseDelayMs: 1000 });
    n.notify(notice('launching', 1));
    await clock.advance(0);
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);

    await clock.advance(999);
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
    await clock.advance(1);
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 2);

    await clock.advance(1999);
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 2);
    await clock.advance(1);
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 3);

    await n.drain();
    expect(events).toEqual([expect.objectContaining({ type: 'notification', messageId: 'm-3' })]);
    expect(n.stats()).toEqual({ sent: 1, failed: 0, attempts: 3 });
  });

  it('waits as long as a throttling error asks', async () => {
    snsMock
      .on(PublishCommand)
      .rejectsOnce(
        Object.assign(new ThrottledException({ message: 'slow down', $metadata: {} }), {
          retryAfterSeconds: '5',
        }),
      )
      .resolves({ MessageId: 'm-2' });
    const n = notifier({ baseDelayMs: 1000 });
    n.notify(notice('launching', 1));
    await clock.advance(4999);
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
    await clock.advance(1);
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 2);
    await n.drain();
    expect(n.stats().sent).toBe(1);
  });

  it('records a permanent failure after maxAttempts', async () => {
    snsMock.on(PublishCommand).rejects(internalError());
    const n = notifier({ maxAttempts: 3, baseDelayMs: 100 });
    n.notify(notice('launching', 1));
    const drained = n.drain();
    await clock.advance(100 + 200);
    await drained;
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 3);
    expect(events).toEqual([
      {
        type: 'notification',
        topicArn: TOPIC,
        subject: '[drs-failback] payments / databases: launching',
        error: 'InternalErrorException: boom (after 3 attempts)',
      },
    ]);
    expect(n.stats()).toEqual({ sent: 0, failed: 1, attempts: 3 });
    expect(clock.pending()).toBe(0);
  });

  it.each([
    ['AuthorizationErrorException', () => new AuthorizationErrorException({ message: 'no', $metadata: {} })],
    ['ValidationException', () => Object.assign(new Error('bad subject'), { name: 'ValidationException' })],
    ['NotFoundException', () => Object.assign(new Error('no topic'), { name: 'NotFoundException' })],
    ['AccessDenied', () => Object.assign(new Error('denied'), { name: 'AccessDenied' })],
  ])('does not retry %s', async (name, error) => {
    snsMock.on(PublishCommand).rejects(error());
    const n = notifier();
    n.notify(notice('launching', 1));
    await n.drain();
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(events).toEqual([
      expect.objectContaining({ error: expect.stringMatching(new RegExp(`^${name}: `)) }),
    ]);
    expect(clock.pending()).toBe(0);
  });

  it('returns from notify at once when SNS hangs, and drain gives up at its deadline', async () => {
    snsMock.on(PublishCommand).callsFake(() => new Promise(() => {}));
    const n = notifier();
    const before = clock.now();
    n.notify(notice('launching', 1));
    n.notify(notice('monitoringJob', 2));
    expect(clock.now()).toBe(before);
    await flush();
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);

    let drained = false;
    const drain = n.drain({ deadlineMs: 30_000 }).then(() => {
      drained = true;
    });
    await clock.advance(29_999);
    expect(drained).toBe(false);
    await clock.advance(1);
    await drain;
    expect(drained).toBe(true);
    expect(events.map((event) => event.type === 'notification' && event.error)).toEqual([
      'not sent: gave up after waiting 30000 ms for SNS',
      'not sent: gave up after waiting 30000 ms for SNS',
    ]);
    expect(n.stats()).toEqual({ sent: 0, failed: 2, attempts: 1 });
  });

  it('drain with a deadline also ends a pending retry wait and leaves no timers', async () => {
    snsMock.on(PublishCommand).rejects(internalError());
    const n = notifier({ baseDelayMs: 60_000 });
    n.notify(notice('launching', 1));
    const drain = n.drain({ deadlineMs: 5_000 });
    await clock.advance(5_000);
    await drain;
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(n.stats()).toEqual({ sent: 0, failed: 1, attempts: 1 });
    expect(clock.pending()).toBe(0);
    // A late notification after a given-up drain is still sent.
    snsMock.on(PublishCommand).resolves({ MessageId: 'late' });
    n.notify(notice('completed', 2));
    await n.drain();
    expect(n.stats().sent).toBe(1);
  });

  it('drain with a deadline resolves early and clears its timer when the queue empties', async () => {
    snsMock.on(PublishCommand).resolves({ MessageId: 'm' });
    const n = notifier();
    n.notify(notice('launching', 1));
    await n.drain({ deadlineMs: 10_000 });
    expect(clock.pending()).toBe(0);
    expect(n.stats().failed).toBe(0);
  });

  it('publishes one at a time, in order, even across retries', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    let calls = 0;
    snsMock.on(PublishCommand).callsFake(async () => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      calls += 1;
      await Promise.resolve();
      inFlight -= 1;
      if (calls === 2) throw internalError();
      return { MessageId: `m-${calls}` };
    });
    const n = notifier({ baseDelayMs: 10 });
    for (const [i, state] of [
      'precheck',
      'awaitingApproval',
      'launching',
      'monitoringJob',
      'verifying',
    ].entries()) {
      n.notify(notice(state, i + 1));
    }
    const drain = n.drain();
    await clock.advance(10);
    await drain;
    expect(maxInFlight).toBe(1);
    expect(publishedStates()).toEqual([
      'precheck',
      'awaitingApproval',
      'awaitingApproval',
      'launching',
      'monitoringJob',
      'verifying',
    ]);
    expect(events.map((event) => event.type === 'notification' && event.subject.split(': ')[1])).toEqual([
      'precheck',
      'awaitingApproval',
      'launching',
      'monitoringJob',
      'verifying',
    ]);
  });

  it('is a no-op without a client or a topic', async () => {
    for (const n of [notifier({ sns: undefined }), notifier({ topicArn: undefined })]) {
      n.notify(notice('launching', 1));
      await n.drain();
      expect(n.stats()).toEqual({ sent: 0, failed: 0, attempts: 0 });
    }
    expect(snsMock.calls()).toHaveLength(0);
    expect(events).toEqual([]);
  });

  it('never throws from notify, even when send throws synchronously', async () => {
    const n = notifier({
      sns: {
        send: () => {
          throw new Error('broken client');
        },
      },
    });
    expect(() => n.notify(notice('launching', 1))).not.toThrow();
    const drain = n.drain();
    await clock.advance(1000 + 2000 + 4000);
    await drain;
    expect(n.stats()).toEqual({ sent: 0, failed: 1, attempts: 4 });
  });
});
