import { PublishCommand, type PublishCommandInput } from '@aws-sdk/client-sns';
import type { SnsSender } from '../aws/clients.js';
import type { Clock } from '../clock.js';
import type { EmitEvent } from '../events.js';
import type { Logger } from '../log.js';
import { buildNotification, type Transition } from './message.js';

/** What the run hands over; the notifier's own topic is the one published to. */
export type TransitionNotice = Omit<Transition, 'topicArn'> & { topicArn?: string };

export interface NotifierOptions {
  /** Without a client or a topic, notifying is a no-op. */
  sns?: SnsSender;
  topicArn?: string;
  clock: Clock;
  emit: EmitEvent;
  log: Logger;
  /** Publish attempts per notification, the first included. Default 4. */
  maxAttempts?: number;
  /** Wait before the first retry; doubles on each further retry. Default 1000 ms. */
  baseDelayMs?: number;
}

export interface DrainOptions {
  /** Give up after this much clock time; what is still queued or in flight is recorded as failed. */
  deadlineMs?: number;
}

export interface NotifierStats {
  sent: number;
  failed: number;
  /** Publish calls made, retries included. */
  attempts: number;
}

export interface Notifier {
  /** Queues the notification and returns at once; never throws. */
  notify(transition: TransitionNotice): void;
  /** Resolves once every queued notification was sent or given up on. */
  drain(options?: DrainOptions): Promise<void>;
  stats(): NotifierStats;
}

/** Errors that the same request would hit again: retrying only delays the report. */
const PERMANENT_ERRORS: ReadonlySet<string> = new Set([
  'ValidationException',
  'InvalidParameterException',
  'InvalidParameterValueException',
  'AccessDenied',
  'AccessDeniedException',
  'AuthorizationErrorException',
  'NotFound',
  'NotFoundException',
  'ResourceNotFoundException',
]);

interface Pending {
  subject: string;
  input: PublishCommandInput;
}

interface ErrorFacts {
  name: string;
  message: string;
  retryAfterMs?: number;
}

function errorFacts(error: unknown): ErrorFacts {
  if (typeof error !== 'object' || error === null) return { name: 'Error', message: String(error) };
  const { name, message, retryAfterSeconds } = error as {
    name?: unknown;
    message?: unknown;
    retryAfterSeconds?: unknown;
  };
  const facts: ErrorFacts = {
    name: typeof name === 'string' ? name : 'Error',
    message: typeof message === 'string' ? message : String(error),
  };
  // ThrottlingException carries it as a string, InternalServerException as a number.
  const seconds = Number(retryAfterSeconds);
  if (
    retryAfterSeconds !== undefined &&
    retryAfterSeconds !== '' &&
    Number.isFinite(seconds) &&
    seconds >= 0
  ) {
    facts.retryAfterMs = seconds * 1000;
  }
  return facts;
}

function publishInput(topicArn: string, transition: TransitionNotice): Pending {
  const notification = buildNotification({ ...transition, topicArn });
  const input: PublishCommandInput = {
    TopicArn: topicArn,
    Subject: notification.subject,
    Message: notification.message,
    MessageAttributes: notification.attributes,
  };
  if (notification.groupId !== undefined) input.MessageGroupId = notification.groupId;
  if (notification.dedupId !== undefined) input.MessageDeduplicationId = notification.dedupId;
  return { subject: notification.subject, input };
}

/**
 * What follows a failed publish: a retry after a backoff (at least what SNS asked for), or
 * giving up on errors a retry would hit again and after the last attempt.
 */
function afterFailedAttempt(
  error: unknown,
  attemptIndex: number,
  maxAttempts: number,
  baseDelayMs: number,
): { error: string; retryInMs: number | null } {
  const facts = errorFacts(error);
  const description = `${facts.name}: ${facts.message}`;
  const attemptsMade = attemptIndex + 1;
  if (PERMANENT_ERRORS.has(facts.name) || attemptsMade >= maxAttempts) {
    const error = attemptsMade > 1 ? `${description} (after ${attemptsMade} attempts)` : description;
    return { error, retryInMs: null };
  }
  return {
    error: description,
    retryInMs: Math.max(baseDelayMs * 2 ** attemptIndex, facts.retryAfterMs ?? 0),
  };
}

/** The publish as a promise, also when `send` throws instead of rejecting. */
function publish(sender: SnsSender, input: PublishCommandInput): Promise<{ MessageId?: string } | undefined> {
  try {
    return sender.send(new PublishCommand(input));
  } catch (error) {
    return Promise.reject(error);
  }
}

/** Counts and reports each notification's end as a `notification` event and a log line. */
function notificationRecorder(stats: NotifierStats, emit: EmitEvent, log: Logger) {
  // The emitter belongs to the run; a fault in it must not wedge the queue.
  const report = (event: Parameters<EmitEvent>[0]): void => {
    try {
      emit(event);
    } catch (error) {
      log.error({ err: error }, 'notification event could not be emitted');
    }
  };
  return {
    recordSent(pending: Pending, messageId: string | undefined): void {
      stats.sent += 1;
      log.debug({ subject: pending.subject, messageId }, 'notification sent');
      report({
        type: 'notification',
        topicArn: pending.input.TopicArn ?? '',
        subject: pending.subject,
        messageId,
      });
    },
    recordFailed(pending: Pending, error: string): void {
      stats.failed += 1;
      log.warn({ subject: pending.subject, error }, 'notification not sent');
      report({
        type: 'notification',
        topicArn: pending.input.TopicArn ?? '',
        subject: pending.subject,
        error,
      });
    },
  };
}

/**
 * Publishes state-change notifications in order, one at a time, in the background, so a
 * slow or dead SNS never holds up the failback. Failures are retried with backoff on the
 * injected clock, then reported as `notification` events with an `error`.
 */
export function createNotifier(options: NotifierOptions): Notifier {
  const { sns, topicArn, clock, emit, log, maxAttempts = 4, baseDelayMs = 1000 } = options;
  const stats: NotifierStats = { sent: 0, failed: 0, attempts: 0 };
  const queue: Pending[] = [];
  /** The notification being published or waiting for its retry. */
  let current: Pending | undefined;
  let retryTimer: unknown;
  /** Bumped when a drain deadline abandons the current work: late answers of old sends are ignored. */
  let generation = 0;
  let idleWaiters: (() => void)[] = [];

  const idle = (): boolean => current === undefined && queue.length === 0;

  const settleIdle = (): void => {
    if (!idle()) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  };

  const { recordSent, recordFailed } = notificationRecorder(stats, emit, log);

  const finishCurrent = (): void => {
    current = undefined;
    pumpNext();
  };

  const attempt = (pending: Pending, attemptIndex: number, sender: SnsSender): void => {
    const myGeneration = generation;
    stats.attempts += 1;
    publish(sender, pending.input).then(
      (output) => {
        if (myGeneration !== generation) return;
        recordSent(pending, output?.MessageId);
        finishCurrent();
      },
      (error: unknown) => {
        if (myGeneration !== generation) return;
        const next = afterFailedAttempt(error, attemptIndex, maxAttempts, baseDelayMs);
        if (next.retryInMs === null) {
          recordFailed(pending, next.error);
          finishCurrent();
          return;
        }
        const delayMs = next.retryInMs;
        log.debug({ subject: pending.subject, error: next.error, delayMs }, 'notification retry scheduled');
        retryTimer = clock.setTimeout(() => {
          retryTimer = undefined;
          if (myGeneration !== generation) return;
          attempt(pending, attemptIndex + 1, sender);
        }, delayMs);
      },
    );
  };

  function pumpNext(): void {
    if (current !== undefined || sns === undefined) return;
    const next = queue.shift();
    if (next === undefined) {
      settleIdle();
      return;
    }
    current = next;
    attempt(next, 0, sns);
  }

  /** Drain deadline: record everything still pending as failed and forget the sends in flight. */
  const abandon = (reason: string): void => {
    generation += 1;
    if (retryTimer !== undefined) {
      clock.clearTimeout(retryTimer);
      retryTimer = undefined;
    }
    const left = current === undefined ? queue.splice(0) : [current, ...queue.splice(0)];
    current = undefined;
    for (const pending of left) recordFailed(pending, reason);
    settleIdle();
  };

  return {
    notify(transition) {
      if (sns === undefined || topicArn === undefined || topicArn === '') return;
      try {
        queue.push(publishInput(topicArn, transition));
      } catch (error) {
        log.error({ err: error, to: transition.to }, 'notification could not be built');
        return;
      }
      // Start on a microtask: the caller (often an xstate action) must not run SNS code inline.
      queueMicrotask(pumpNext);
    },

    drain(drainOptions = {}) {
      if (idle()) return Promise.resolve();
      const { deadlineMs } = drainOptions;
      return new Promise<void>((resolve) => {
        let deadlineTimer: unknown;
        idleWaiters.push(() => {
          if (deadlineTimer !== undefined) clock.clearTimeout(deadlineTimer);
          resolve();
        });
        if (deadlineMs !== undefined) {
          deadlineTimer = clock.setTimeout(() => {
            deadlineTimer = undefined;
            abandon(`not sent: gave up after waiting ${deadlineMs} ms for SNS`);
          }, deadlineMs);
        }
      });
    },

    stats: () => ({ ...stats }),
  };
}
