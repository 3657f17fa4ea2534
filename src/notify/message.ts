import { createHash } from 'node:crypto';
import type { MessageAttributeValue } from '@aws-sdk/client-sns';
import { outcomeOfState, waveLifecycle } from '../../machines/lifecycle.js';
import { Outcome } from '../../machines/types.js';
import { formatSubject } from './subject.js';

/** One state change of the plan machine or of a wave machine, as it is announced. */
export interface Transition {
  runId: string;
  plan: string;
  machine: 'plan' | 'wave';
  wave?: string;
  from: string | null;
  to: string;
  outcome?: Outcome;
  reason?: string;
  /** A short summary of what the transition carries (e.g. the RPO at the crossing); bounded in size. */
  summary?: string;
  /** ISO-8601. */
  at: string;
  /** Transition counter in the run: makes the FIFO deduplication id of a re-sent notification stable. */
  seq: number;
  topicArn: string;
}

export type Severity = 'info' | 'warning' | 'critical';

export interface Notification {
  subject: string;
  message: string;
  attributes: Record<string, MessageAttributeValue>;
  /** FIFO topics only. */
  groupId?: string;
  /** FIFO topics only. */
  dedupId?: string;
}

/** SNS limit for the message body and its attributes together. */
export const MAX_MESSAGE_BYTES = 262_144;
/** Plan, wave and state names beyond this are cut in the body; they come from user files. */
const MAX_NAME_LENGTH = 1024;
const TRUNCATED_MARK = ' [truncated]';

/** The outcome the transition ends in, if it reaches a final state (read from the state meta). */
export function outcomeOf(
  transition: Pick<Transition, 'to' | 'outcome'> & Partial<Pick<Transition, 'machine'>>,
): Outcome | undefined {
  return transition.outcome ?? outcomeOfState(transition.to, transition.machine);
}

/**
 * How loud a transition is: `critical` when backout itself failed (a person must act),
 * `warning` when the run is backing out or stopped without failing back, `info` otherwise.
 */
export function severityOf(
  transition: Pick<Transition, 'to' | 'outcome'> & Partial<Pick<Transition, 'machine'>>,
): Severity {
  const outcome = outcomeOf(transition);
  if (outcome === Outcome.backoutFailed || outcome === Outcome.needsAttention) return 'critical';
  if (
    outcome === Outcome.backedOut ||
    outcome === Outcome.aborted ||
    outcome === Outcome.precheckFailed ||
    (transition.machine !== 'plan' && waveLifecycle.isBackout(transition.to))
  ) {
    return 'warning';
  }
  return 'info';
}

export function isFifoTopic(topicArn: string): boolean {
  return topicArn.endsWith('.fifo');
}

/**
 * Same transition, same id: SNS drops a re-sent notification within its 5-minute window.
 * A lifecycle state is entered at most once per wave (and per run for the plan), so the
 * target state identifies the transition; the sequence number does not, because a run
 * resumed after a crash may number a replayed transition differently.
 */
export function deduplicationId(transition: Pick<Transition, 'runId' | 'machine' | 'wave' | 'to'>): string {
  const { runId, machine, wave, to } = transition;
  return createHash('sha256')
    .update(`${runId}|${machine}|${wave ?? ''}|${to}`)
    .digest('hex');
}

function nextStepHint(outcome: Outcome, runId: string): string {
  switch (outcome) {
    case Outcome.completed:
      return `Failback completed: the primary side serves. Evidence: drs-failback report ${runId}`;
    case Outcome.backedOut:
      return `Backed out: the DR side serves (the report states any data lost). Fix the cause, then run the plan again. Details: drs-failback report ${runId}`;
    case Outcome.backoutFailed:
      return `Backout failed: a person must act now. The report says what and where: drs-failback report ${runId}`;
    case Outcome.needsAttention:
      return `Needs attention: some primaries were already converted when the wave failed, so both copies may be live; a person decides which serves. The report names them: drs-failback report ${runId}`;
    case Outcome.aborted:
      return `Aborted: the DR side serves. See drs-failback status ${runId}, then run the plan again when ready.`;
    case Outcome.precheckFailed:
      return 'Precheck failed: nothing was changed. Fix the failing checks (drs-failback check <plan>), then run again.';
  }
}

function cut(text: string, length: number): string {
  const chars = Array.from(text);
  return chars.length <= length ? text : chars.slice(0, length).join('') + TRUNCATED_MARK;
}

function attributesOf(transition: Transition, severity: Severity): Record<string, MessageAttributeValue> {
  const attribute = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });
  const attributes: Record<string, MessageAttributeValue> = {
    runId: attribute(transition.runId),
    state: attribute(transition.to),
    severity: attribute(severity),
  };
  if (transition.wave !== undefined && transition.wave !== '') attributes.wave = attribute(transition.wave);
  return attributes;
}

function attributesBytes(attributes: Record<string, MessageAttributeValue>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(attributes)) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '');
    bytes += Buffer.byteLength(value.StringValue ?? '');
  }
  return bytes;
}

function renderBody(
  transition: Transition,
  outcome: Outcome | undefined,
  reason: string | undefined,
): string {
  const lines = [`Run: ${transition.runId}`, `Plan: ${transition.plan}`];
  if (transition.wave !== undefined) lines.push(`Wave: ${transition.wave}`);
  lines.push(`From -> To: ${transition.from ?? '(start)'} -> ${transition.to}`);
  if (outcome !== undefined) lines.push(`Outcome: ${outcome}`);
  if (reason !== undefined) lines.push(`Reason: ${reason}`);
  if (transition.summary !== undefined) lines.push(`Summary: ${transition.summary}`);
  lines.push(`When: ${transition.at}`);
  if (outcome !== undefined) lines.push(`Next: ${nextStepHint(outcome, transition.runId)}`);
  const structured = { ...transition, outcome, reason };
  return `${lines.join('\n')}\n\n--- transition ---\n${JSON.stringify(structured, null, 2)}\n`;
}

/** Subject, body, attributes and FIFO ids of the SNS message announcing a transition. */
export function buildNotification(input: Transition): Notification {
  const transition: Transition = {
    ...input,
    plan: cut(input.plan, MAX_NAME_LENGTH),
    wave: input.wave === undefined ? undefined : cut(input.wave, MAX_NAME_LENGTH),
    from: input.from === null ? null : cut(input.from, MAX_NAME_LENGTH),
    to: cut(input.to, MAX_NAME_LENGTH),
  };
  const outcome = outcomeOf(transition);
  const severity = severityOf(transition);
  const attributes = attributesOf(transition, severity);
  const budget = MAX_MESSAGE_BYTES - attributesBytes(attributes) - 1;

  let message = renderBody(transition, outcome, transition.reason);
  if (transition.reason !== undefined && Buffer.byteLength(message) > budget) {
    // The reason is the only free-form text: keep the longest prefix of it that fits.
    const chars = Array.from(transition.reason);
    let fits = 0;
    let tooLong = chars.length;
    while (tooLong - fits > 1) {
      const mid = Math.floor((fits + tooLong) / 2);
      const body = renderBody(transition, outcome, chars.slice(0, mid).join('') + TRUNCATED_MARK);
      if (Buffer.byteLength(body) <= budget) fits = mid;
      else tooLong = mid;
    }
    message = renderBody(transition, outcome, chars.slice(0, fits).join('') + TRUNCATED_MARK);
  }

  const notification: Notification = {
    subject: formatSubject({ plan: transition.plan, wave: transition.wave, state: transition.to, outcome }),
    message,
    attributes,
  };
  if (isFifoTopic(transition.topicArn)) {
    notification.groupId = transition.runId;
    notification.dedupId = deduplicationId(input);
  }
  return notification;
}
