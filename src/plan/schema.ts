// The plan file, version 1, as a zod schema whose output is the validated `Plan`.
// Field rules live here; rules across fields (duplicates, interval vs max) in consistency.ts.
import { z } from 'zod';
import type { ApprovalMode, Probe, RestoreMode, ServerPlan, ServerVerifyPlan } from '../../machines/types.js';
import { describeValue, matching } from '../config/index.js';
import { hasControlCharacter } from '../text/safe.js';
import { checkPlanConsistency } from './consistency.js';
import { parseDuration } from './duration.js';
import { PLAN_DEFAULTS, type Plan } from './types.js';

export const APPROVAL_MODES = ['per-wave', 'once', 'none'] as const satisfies readonly ApprovalMode[];
export const RESTORE_MODES = ['if-unhealthy', 'never'] as const satisfies readonly RestoreMode[];
export const QUIESCE_MODES = ['confirm', 'none'] as const;

/** Why `backout.restore: always` is refused, for the validation message. */
export const RESTORE_ALWAYS_REMOVED =
  '"always" was removed: it relaunched recovery instances that were still serving from an older recovery snapshot, losing every write made on them since failover; use if-unhealthy (only lost instances, each relaunch behind its own approval) or never';

export const DURATION_HINT = 'use e.g. 30s, 15m, 4h, 1d';

/** A duration string, read as milliseconds; zero is refused because every timing here must elapse. */
const duration = z
  .string({
    error: (issue) =>
      issue.input === undefined
        ? `missing; expected a duration (${DURATION_HINT})`
        : `${describeValue(issue.input)} is not a duration; ${DURATION_HINT}`,
  })
  .transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `${JSON.stringify(text)} is not a duration; ${DURATION_HINT}`,
      });
      return z.NEVER;
    }
    if (ms === 0) {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(text)} must be longer than 0` });
      return z.NEVER;
    }
    return ms;
  });

const nonEmpty = z.string().trim().min(1);

const planName = z
  .string()
  .min(1, { abort: true })
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, {
    error: (issue) =>
      `${describeValue(issue.input)} does not match a letter or digit followed by letters, digits, '.', '_' or '-'`,
  });

const region = matching(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'an AWS region like us-east-1');

const topicArn = matching(
  /^arn:aws[a-z-]*:sns:[a-z]{2}(-gov)?-[a-z]+-\d:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/,
  'arn:aws:sns:<region>:<12-digit account>:<topic name>',
);

const sourceServerID = matching(/^s-[0-9a-zA-Z]{17}$/, 's- followed by 17 letters or digits');
const ec2InstanceId = matching(/^i-[0-9a-fA-F]{8,}$/, 'i- followed by at least 8 hex digits');
const subnetId = matching(/^subnet-[0-9a-f]{8,17}$/, 'subnet- followed by 8 to 17 lowercase hex digits');
const securityGroupId = matching(/^sg-[0-9a-f]{8,17}$/, 'sg- followed by 8 to 17 lowercase hex digits');

const httpUrl = z.string().refine(
  (text) => {
    if (hasControlCharacter(text) || !URL.canParse(text)) return false;
    const { protocol } = new URL(text);
    return protocol === 'http:' || protocol === 'https:';
  },
  { error: (issue) => `${describeValue(issue.input)} is not an http:// or https:// URL` },
);

/** `host:port`; IPv6 hosts in brackets (`[fd00::1]:443`), given to the probe without them. */
const tcpTarget = z.string().transform((text, ctx) => {
  const match = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})$/.exec(text);
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (host === undefined || hasControlCharacter(host) || !(port >= 1 && port <= 65_535)) {
    ctx.addIssue({
      code: 'custom',
      message: `${JSON.stringify(text)} is not host:port with a port from 1 to 65535`,
    });
    return z.NEVER;
  }
  return { host, port };
});

const probe = z
  .strictObject({
    http: httpUrl.optional(),
    expectStatus: z.int().min(100).max(599).optional(),
    tcp: tcpTarget.optional(),
  })
  .superRefine(
    (value, ctx) => {
      if (typeof value !== 'object' || value === null) return;
      const has = (key: string) => key in value && (value as Record<string, unknown>)[key] !== undefined;
      if (has('http') && has('tcp')) {
        ctx.addIssue({ code: 'custom', message: 'a probe is either http or tcp, not both', path: ['tcp'] });
      } else if (!has('http') && !has('tcp')) {
        ctx.addIssue({ code: 'custom', message: 'a probe needs http: <URL> or tcp: <host:port>' });
      } else if (has('tcp') && has('expectStatus')) {
        ctx.addIssue({
          code: 'custom',
          message: 'expectStatus applies to http probes only',
          path: ['expectStatus'],
        });
      }
    },
    // Report the shape problem even when a field inside is also wrong: all problems at once.
    { when: () => true },
  )
  .transform((value, ctx): Probe => {
    if (value.http !== undefined)
      return { kind: 'http', url: value.http, expectStatus: value.expectStatus ?? 200 };
    if (value.tcp !== undefined) return { kind: 'tcp', ...value.tcp };
    // Unreachable: the refinement above already refused the probe, so the transform does not run.
    ctx.addIssue({ code: 'custom', message: 'a probe needs http: <URL> or tcp: <host:port>' });
    return z.NEVER;
  });

const networkExpectation = z.strictObject({
  subnetId: subnetId.optional(),
  securityGroupIds: z.array(securityGroupId).min(1).optional(),
  privateIp: z.ipv4().optional(),
});

const serverVerify = z
  .strictObject({
    ec2InstanceId: ec2InstanceId.optional(),
    expect: networkExpectation.optional(),
    probes: z.array(probe).optional(),
  })
  .transform(
    ({ probes, ...rest }): ServerVerifyPlan => ({
      ...rest,
      probes: probes ?? [],
    }),
  );

const server = z.strictObject({
  sourceServerID,
  verify: serverVerify.optional(),
}) satisfies z.ZodType<ServerPlan>;

/**
 * DRS: a wave's name becomes the value of the `drs-failback:wave` tag on StartFailbackLaunch and
 * StartRecovery (TagValue: at most 256 characters, DOCUMENTED in the DRS API model), and is
 * printed on the operator's terminal: no control characters.
 */
export const MAX_TAG_VALUE_LENGTH = 256;
const waveName = nonEmpty
  .refine((text) => !hasControlCharacter(text), {
    error: (issue) =>
      `${JSON.stringify(issue.input)} holds a control character (escape, line break, NUL, ...); wave names are printed on terminals and sent to AWS`,
  })
  .refine((text) => text.length <= MAX_TAG_VALUE_LENGTH, {
    error: (issue) =>
      `${String(issue.input).length} characters is too long: a wave name becomes a DRS tag value, at most ${MAX_TAG_VALUE_LENGTH} characters`,
  });

/** A name of an `aws.accounts` entry: a key other keys (waves[].account) refer to. */
const accountName = matching(
  /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
  "a letter or digit followed by letters, digits, '.', '_' or '-' (at most 64)",
);

const wave = z.strictObject({
  name: waveName,
  /** Which `aws.accounts` entry holds this wave's recovery instances (absent: the plan's account). */
  account: nonEmpty.optional(),
  /** The DR region of this wave's recovery instances (absent: the plan's `region`). */
  region: region.optional(),
  /** The waves this one starts after (absent: the one listed before; `[]`: none). */
  after: z.array(nonEmpty).optional(),
  servers: z.array(server).min(1),
});

const accountId = matching(/^\d{12}$/, 'a 12-digit AWS account id');
const roleArn = matching(
  /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/,
  'arn:aws:iam::<12-digit account>:role/<name>',
);
const role = z.strictObject({ arn: roleArn, externalId: z.string().min(2).max(1224).optional() });
/** A DR account other than the plan's own: its id and the role the run assumes there. */
const drAccount = z.strictObject({ accountId, role: role.optional() });
const awsSection = z.strictObject({
  allowedAccounts: z.array(accountId).min(1).optional(),
  role: role.optional(),
  accounts: z.record(accountName, drAccount).optional(),
  origins: z
    .record(region, z.strictObject({ account: accountId.optional(), role: role.optional() }))
    .optional(),
});

const optionalTimeout = z.strictObject({ timeout: duration.optional() }).optional();

/** A whole number from `min` to `max`; the message says why the bound is what it is. */
const countBetween = (min: number, max: number, why: string) =>
  z.unknown().transform((value, ctx) => {
    if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
    ctx.addIssue({
      code: 'custom',
      message: `${describeValue(value)} is not a whole number from ${min} to ${max}; ${why}`,
    });
    return z.NEVER;
  });

/**
 * `job.maxServers`: StartFailbackLaunch and StartRecovery take 1..200 servers per request
 * (DOCUMENTED in the DRS API reference); DRS's current guide allows 100 per job (the default).
 * `job.maxInFlight`: DRS's quota of servers in all active jobs is 500 by the current guide.
 */
export const JOB_LIMIT_BOUNDS = { maxServers: 200, maxInFlight: 500 } as const;

const jobSection = z
  .strictObject({
    timeout: duration.optional(),
    maxServers: countBetween(
      1,
      JOB_LIMIT_BOUNDS.maxServers,
      "a DRS job takes at most 200 servers (the API limit; 100 by DRS's current quota)",
    ).optional(),
    maxInFlight: countBetween(
      1,
      JOB_LIMIT_BOUNDS.maxInFlight,
      'DRS allows at most 500 servers in all active jobs of an account and region',
    ).optional(),
  })
  .optional();

/** The plan file as written: optional sections stay optional until `toPlan` fills in defaults. */
export const planFileSchema = z
  .strictObject({
    version: z.literal(1),
    name: planName,
    region,
    aws: awsSection.optional(),
    notifications: z.strictObject({ topicArn }).optional(),
    objectives: z.strictObject({ rpo: duration, rto: duration }),
    approval: z.enum(APPROVAL_MODES).optional(),
    approvers: z.array(nonEmpty).min(1).optional(),
    approvalTimeout: duration.optional(),
    polling: z.strictObject({ interval: duration.optional(), max: duration.optional() }).optional(),
    verify: optionalTimeout,
    job: jobSection,
    cutover: z
      .strictObject({
        quiesce: z.enum(QUIESCE_MODES).optional(),
        maxLag: duration.optional(),
        timeout: duration.optional(),
        marker: z.strictObject({ write: httpUrl, read: httpUrl }).optional(),
      })
      .optional(),
    backout: z
      .strictObject({
        restore: z
          .enum(RESTORE_MODES, {
            error: (issue) =>
              issue.input === 'always'
                ? RESTORE_ALWAYS_REMOVED
                : `${describeValue(issue.input)} is not one of: ${RESTORE_MODES.join(', ')}`,
          })
          .optional(),
        allowDataLoss: z.boolean().optional(),
      })
      .optional(),
    afterFailback: z
      .strictObject({
        reprotect: z.boolean().optional(),
        // true (older plans) is `terminate`.
        cleanup: z.union([z.boolean(), z.enum(['terminate', 'disconnect'])]).optional(),
      })
      .optional(),
    /** How many waves may run at once (waves[].after says which may). */
    concurrency: z.int().min(1).max(100).optional(),
    waves: z.array(wave).min(1),
  })
  // Cross-field rules run even when a field failed, so one `validate` shows every problem.
  .superRefine((file, ctx) => checkPlanConsistency(file, ctx), { when: () => true });

export type PlanFile = z.output<typeof planFileSchema>;

/** Fills in PLAN_DEFAULTS; the file has been validated. */
export function toPlan(file: PlanFile): Plan {
  return {
    version: file.version,
    name: file.name,
    region: file.region,
    ...(file.aws ? { aws: file.aws } : {}),
    ...(file.notifications ? { notifications: { topicArn: file.notifications.topicArn } } : {}),
    objectives: { rpoMs: file.objectives.rpo, rtoMs: file.objectives.rto },
    approval: file.approval ?? PLAN_DEFAULTS.approval,
    ...(file.approvers ? { approvers: file.approvers } : {}),
    ...(file.approvalTimeout !== undefined ? { approvalTimeoutMs: file.approvalTimeout } : {}),
    polling: {
      intervalMs: file.polling?.interval ?? PLAN_DEFAULTS.polling.intervalMs,
      maxMs: file.polling?.max ?? PLAN_DEFAULTS.polling.maxMs,
    },
    verify: { timeoutMs: file.verify?.timeout ?? PLAN_DEFAULTS.verify.timeoutMs },
    job: {
      timeoutMs: file.job?.timeout ?? PLAN_DEFAULTS.job.timeoutMs,
      maxServers: file.job?.maxServers ?? PLAN_DEFAULTS.job.maxServers,
      maxInFlight: file.job?.maxInFlight ?? PLAN_DEFAULTS.job.maxInFlight,
    },
    cutover: {
      quiesce: file.cutover?.quiesce ?? PLAN_DEFAULTS.cutover.quiesce,
      maxLagMs: file.cutover?.maxLag ?? PLAN_DEFAULTS.cutover.maxLagMs,
      timeoutMs: file.cutover?.timeout ?? PLAN_DEFAULTS.cutover.timeoutMs,
      ...(file.cutover?.marker ? { marker: file.cutover.marker } : {}),
    },
    backout: {
      restore: file.backout?.restore ?? PLAN_DEFAULTS.backout.restore,
      allowDataLoss: file.backout?.allowDataLoss ?? PLAN_DEFAULTS.backout.allowDataLoss,
    },
    afterFailback: {
      reprotect: file.afterFailback?.reprotect ?? PLAN_DEFAULTS.afterFailback.reprotect,
      cleanup:
        file.afterFailback?.cleanup === true
          ? 'terminate'
          : (file.afterFailback?.cleanup ?? PLAN_DEFAULTS.afterFailback.cleanup),
    },
    ...(file.concurrency !== undefined ? { concurrency: file.concurrency } : {}),
    waves: file.waves,
  };
}

/** Validates a plan file's data and returns the `Plan`, defaults filled in. */
export const planSchema = planFileSchema.transform(toPlan);
