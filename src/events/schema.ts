// The event stream of the public contract (`--json`, the run's event log, embedders): the only
// definition of its events. The TypeScript types are inferred from these schemas and
// docs/event-schema.json is generated from them (`npm run docs:events`), so the three cannot
// disagree. A change to an event is a change here, with EVENT_FORMAT_VERSION bumped when a
// reader of the previous version would misread the new stream (a new optional field is not).
import { z } from 'zod';
import { type CheckStatus, Outcome, type WaveOutcome } from '../../machines/types.js';
import type { ApprovalKind } from '../../machines/wave/approvals.js';

/**
 * Version of the stream's format. 1: the stream before it was versioned (no `seq`).
 * 2: every event carries `seq`.
 */
export const EVENT_FORMAT_VERSION = 2;

export const AWS_SERVICES = ['drs', 'ec2', 'sns', 'sts', 'service-quotas'] as const;
export type AwsService = (typeof AWS_SERVICES)[number];

const CHECK_STATUSES = ['pass', 'warn', 'fail'] as const satisfies readonly CheckStatus[];
const WAVE_OUTCOMES = [
  ...Object.values(Outcome),
  'not-started',
  'already-failed-back',
] as const satisfies readonly WaveOutcome[];

const runStarted = z.object({
  type: z.literal('run.started'),
  plan: z.string().describe('plan name'),
  waves: z.number().int().nonnegative(),
  servers: z.number().int().nonnegative(),
  simulated: z.boolean(),
  format: z.number().int().positive().optional().describe('the event format version of this stream'),
  region: z.string().optional().describe('the DR region the run acts in'),
  account: z.string().optional().describe('the AWS account the run acts in (DR region)'),
  principal: z.string().optional().describe('the AWS principal (ARN) the run acts as (DR region)'),
  identities: z
    .array(z.object({ region: z.string(), account: z.string(), principal: z.string() }))
    .optional()
    .describe('every region the run touches, with the account and principal there'),
  fromWave: z
    .string()
    .optional()
    .describe(
      'the wave this run started at (--from-wave): the waves before it had failed back in an earlier run (their `already-failed-back` checks follow)',
    ),
});

const state = z.object({
  type: z.literal('state'),
  machine: z.enum(['plan', 'wave']),
  wave: z.string().optional().describe('the wave, on wave events'),
  from: z.string().nullable().describe('dotted state path; null for the first state'),
  to: z.string().describe('dotted state path'),
  reason: z.string().optional().describe('why the wave failed, on wave events once it has failed'),
});

const check = z.object({
  type: z.literal('check'),
  wave: z.string(),
  server: z.string(),
  name: z.string(),
  status: z.enum(CHECK_STATUSES),
  detail: z.string().describe('for people: wording may change, read `data`'),
  data: z
    .record(z.string(), z.json().optional())
    .describe('structured facts of the check (numbers, ids, timestamps)'),
});

const approvalRequested = z.object({
  type: z.literal('approval.requested'),
  wave: z.string(),
  pointOfNoReturn: z.string().describe('what approving does'),
  kind: z
    .enum([
      'pointOfNoReturn',
      'quiesce',
      'relaunch',
      'reprotect',
      'cleanup',
    ] as const satisfies readonly ApprovalKind[])
    .optional()
    .describe(
      'which approval: the point of no return, the cutover quiesce, a data-losing relaunch, an opt-in step',
    ),
});

const APPROVAL_CHANNELS = ['terminal', 'web', 'api'] as const;
const answer = {
  wave: z.string(),
  approver: z
    .string()
    .describe('who answered: the OS user at the terminal, the name typed on the web page, the AWS principal'),
  via: z.enum(APPROVAL_CHANNELS).describe('where the answer came from'),
  by: z.string().describe('older alias of `approver` (with ` (--yes)` when --yes answered)'),
};
const approvalGiven = z.object({ type: z.literal('approval.given'), ...answer });
const approvalRefused = z.object({ type: z.literal('approval.refused'), ...answer });

const awsRequest = z.object({
  type: z.literal('aws.request'),
  service: z.enum(AWS_SERVICES),
  region: z.string(),
  account: z
    .string()
    .optional()
    .describe("the plan's aws.accounts name, on calls of a wave in another account (absent: the plan's own)"),
  operation: z.string().describe('the API name, e.g. StartFailbackLaunch'),
  input: z.unknown().describe('the input as sent'),
});

const awsResponse = z.object({
  type: z.literal('aws.response'),
  service: z.enum(AWS_SERVICES),
  operation: z.string(),
  ok: z.boolean(),
  requestId: z.string().nullable(),
  error: z.object({ name: z.string(), message: z.string() }).optional().describe('when not ok'),
});

const jobLog = z.object({
  type: z.literal('job.log'),
  wave: z.string(),
  jobId: z.string(),
  event: z.string(),
  server: z.string().optional(),
  logDateTime: z.string(),
});

const lagOf = z.object({ server: z.string(), lagMs: z.number().nonnegative() });

/** The replication home drained: the lag of each server at the crossing is the run's real RPO. */
const cutoverDrained = z.object({
  type: z.literal('cutover.drained'),
  wave: z.string(),
  maxLagMs: z.number().nonnegative().describe('cutover.maxLag'),
  worst: lagOf.describe('the server furthest behind at the crossing'),
  servers: z.array(lagOf).describe('per server: the lag at the crossing (the RPO achieved)'),
});

const notification = z.object({
  type: z.literal('notification'),
  topicArn: z.string(),
  subject: z.string(),
  messageId: z.string().optional(),
  error: z.string().optional(),
});

const runFinished = z.object({
  type: z.literal('run.finished'),
  outcome: z.enum(Outcome),
  waves: z.array(z.object({ name: z.string(), outcome: z.enum(WAVE_OUTCOMES) })),
  reason: z
    .string()
    .optional()
    .describe('when not completed: why the first wave that did not complete stopped'),
});

const BODIES = [
  runStarted,
  state,
  check,
  approvalRequested,
  approvalGiven,
  approvalRefused,
  awsRequest,
  awsResponse,
  jobLog,
  cutoverDrained,
  notification,
  runFinished,
] as const;

/** What the run stamps on every event it emits. */
const stamp = {
  at: z.iso.datetime().describe('ISO-8601; virtual time under --simulate'),
  runId: z.string(),
  seq: z
    .number()
    .int()
    .positive()
    .describe('1, 2, 3, ... in emission order within the run; a resumed run continues its log'),
};

/** An event as an emitter reports it, before the run stamps it. */
export const runEventBodySchema = z.discriminatedUnion('type', BODIES);

/** An event of the stream, as written to stdout and the run's event log. */
export const runEventSchema = z.discriminatedUnion('type', [
  runStarted.extend(stamp),
  state.extend(stamp),
  check.extend(stamp),
  approvalRequested.extend(stamp),
  approvalGiven.extend(stamp),
  approvalRefused.extend(stamp),
  awsRequest.extend(stamp),
  awsResponse.extend(stamp),
  jobLog.extend(stamp),
  cutoverDrained.extend(stamp),
  notification.extend(stamp),
  runFinished.extend(stamp),
]);

export type RunEventBody = z.infer<typeof runEventBodySchema>;
export type RunEvent = z.infer<typeof runEventSchema>;
export type RunEventType = RunEvent['type'];

/** Where actors and the composition root report events; the run stamps `at`, `runId` and `seq`. */
export type EmitEvent = (event: RunEventBody) => void;

/** The JSON Schema of the stream (docs/event-schema.json). */
export function eventJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(runEventSchema, { target: 'draft-2020-12' }),
    title: 'drs-failback event stream (--json, events.ndjson)',
    description: `One object a line. Event format version ${EVENT_FORMAT_VERSION}; generated from src/events/schema.ts.`,
    'x-event-format-version': EVENT_FORMAT_VERSION,
  };
}

/** docs/event-schema.json as it must read. */
export function renderEventJsonSchema(): string {
  return `${JSON.stringify(eventJsonSchema(), null, 2)}\n`;
}
