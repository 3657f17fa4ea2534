// Per-transition notifications of the Step Functions engine: every `state` event a step writes is
// published to the plan's topic with the CLI's own message builder (src/notify), numbered by the
// run's transition counter (src/sfn/event-log.ts) as the CLI's announcer numbers them, and its
// `aws.request`/`aws.response` and `notification` events join the run's log. No token, no secret:
// the message is the transition's. A retried step does not publish again (its notifications were
// recorded under the step's write key); a step that died between the Publish and that record
// publishes again on retry: FIFO topics drop the repeat by its deduplication id, standard topics
// may deliver it twice (at least once, as SNS itself).
import type { SnsSender } from '../aws/clients.js';
import { instrumentClient } from '../aws/instrument.js';
import type { Clock } from '../clock.js';
import type { RunEvent } from '../events.js';
import type { Logger } from '../log.js';
import { createNotifier } from '../notify/notifier.js';
import type { TimedEvent } from './event-log.js';
import type { RunTableDeps } from './run-table.js';
import { readRun } from './runs.js';
import type { StepNotice } from './step-events.js';

/** Where a run's notifications go: its plan's name and topic (absent: none, as in the CLI). */
export interface NotifyTarget {
  plan: string;
  topicArn?: string;
}

export interface StepNotifyDeps {
  targetOf: (runId: string) => Promise<NotifyTarget | undefined>;
  /** The SNS client of a topic's region. */
  snsFor: (region: string) => SnsSender;
  clock: Clock;
  log: Logger;
  /** Give up on SNS after this long (default 10 s; the step Lambda runs 30 s at most). */
  drainMs?: number;
  /** Publish attempts per notification (default: the notifier's 4). */
  maxAttempts?: number;
}

/** The region of a topic ARN (`arn:aws:sns:<region>:<account>:<name>`). */
export const topicRegion = (topicArn: string): string => topicArn.split(':')[3] ?? '';

/** The run's plan and topic from its record, read once per container and run (a plan never changes). */
export function notifyTargetsFromRuns(
  deps: RunTableDeps,
): (runId: string) => Promise<NotifyTarget | undefined> {
  const targets = new Map<string, Promise<NotifyTarget | undefined>>();
  return (runId) => {
    let target = targets.get(runId);
    if (!target) {
      target = readRun(deps, runId).then((run) => {
        if (!run) return undefined;
        const topicArn = run.planDocument?.notifications?.topicArn;
        return { plan: run.plan, ...(topicArn ? { topicArn } : {}) };
      });
      targets.set(runId, target);
      // A failed read is not remembered: the next step reads again.
      target.catch(() => targets.delete(runId));
    }
    return target;
  };
}

/**
 * Publishes one notification per `state` event of a step, in order, and returns the events that
 * tell of it (SNS requests and responses, `notification`), for the run's log. Never throws for
 * SNS: a failed notification is a `notification` event with its `error`, as in the CLI.
 */
export async function notifyTransitions(
  deps: StepNotifyDeps,
  runId: string,
  notices: readonly StepNotice[],
  stamped: readonly RunEvent[],
  firstTransition: number,
): Promise<TimedEvent[]> {
  const states = stamped.filter((e) => e.type === 'state');
  if (notices.length === 0) return [];
  if (states.length !== notices.length) {
    // Never expected (one notice per state event): said loudly, never a failed step.
    deps.log.error({ runId, states: states.length, notices: notices.length }, 'transitions not notified');
    return [];
  }
  const target = await deps.targetOf(runId);
  const topicArn = target?.topicArn;
  if (!target || !topicArn) return [];
  const region = topicRegion(topicArn);
  const log = deps.log.child({ runId });
  const told: TimedEvent[] = [];
  const emit = (body: TimedEvent['body']) => {
    told.push({ body, at: deps.clock.now() });
  };
  const notifier = createNotifier({
    sns: instrumentClient(deps.snsFor(region), { service: 'sns', region, emit }),
    topicArn,
    clock: deps.clock,
    emit,
    log,
    ...(deps.maxAttempts !== undefined ? { maxAttempts: deps.maxAttempts } : {}),
  });
  notices.forEach((notice, i) => {
    const at = states[i]?.at ?? new Date(deps.clock.now()).toISOString();
    log.info(
      {
        machine: notice.machine,
        wave: notice.wave,
        from: notice.from,
        to: notice.to,
        outcome: notice.outcome,
      },
      'state',
    );
    // The announcer's shape, key for key: the message's JSON part reads the same in both engines.
    notifier.notify({
      runId,
      plan: target.plan,
      machine: notice.machine,
      wave: notice.wave,
      from: notice.from,
      to: notice.to,
      outcome: notice.outcome,
      reason: notice.reason,
      ...(notice.summary !== undefined ? { summary: notice.summary } : {}),
      at,
      seq: firstTransition + i,
    });
  });
  await notifier.drain({ deadlineMs: deps.drainMs ?? 10_000 });
  return told;
}
