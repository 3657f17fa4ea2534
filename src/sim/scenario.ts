// The scenario file of the simulated AWS: which servers exist, how their launches go, and
// which faults to inject. Validated with zod; problems point at file:line like plan files.
import { readFileSync } from 'node:fs';
import { DataReplicationState, FailbackState, OriginEnvironment } from '@aws-sdk/client-drs';
import { z } from 'zod';
import {
  ConfigError,
  formatPath,
  loadConfigFile,
  type Problem,
  parseConfigData,
  parseConfigText,
} from '../config/index.js';
import { FAULT_ERROR_NAMES } from './errors.js';
import { ID_PATTERNS } from './ids.js';
import { parseDuration } from './time.js';
import { DEFAULT_START_AT } from './virtual-clock.js';

/** Operations the simulated world answers; faults name one of them (or `*`). */
export const SIM_OPERATIONS = [
  'DescribeSourceServers',
  'DescribeRecoveryInstances',
  'DescribeRecoverySnapshots',
  'DescribeJobs',
  'DescribeJobLogItems',
  'StartFailbackLaunch',
  'StopFailback',
  'StartRecovery',
  'TerminateRecoveryInstances',
  'StopReplication',
  'DisconnectSourceServer',
  'DisconnectRecoveryInstance',
  'ReverseReplication',
  'DescribeInstances',
  'DescribeInstanceStatus',
  'Publish',
  'GetServiceQuota',
] as const;
export type SimOperation = (typeof SIM_OPERATIONS)[number];

/** The longest duration a scenario may give: a year of virtual time is already beyond any run. */
export const MAX_SCENARIO_DURATION_MS = 366 * 86_400_000;

const duration = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `"${text}" is not a duration; use e.g. 30s, 20m, 1h, 1d or 1h30m`,
    });
    return z.NEVER;
  }
  if (!Number.isSafeInteger(ms) || ms > MAX_SCENARIO_DURATION_MS) {
    ctx.addIssue({
      code: 'custom',
      message: `"${text}" is longer than a scenario allows (at most 366d)`,
    });
    return z.NEVER;
  }
  return ms;
});
const id = (pattern: RegExp, what: string) =>
  z.string().regex(pattern, { message: `not a valid ${what} (must match ${pattern.source})` });
const sourceServerID = id(ID_PATTERNS.sourceServerID, 'sourceServerID');
const regionName = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { message: 'not an AWS region name' });
const instanceID = id(ID_PATTERNS.ec2InstanceID, 'instance id');

const launch = z.strictObject({
  duration: duration.optional(),
  result: z.enum(['launched', 'failed']).optional(),
});
const health = z.strictObject({
  after: duration.optional(),
  result: z.enum(['ok', 'impaired']).optional(),
});
const recovery = z.strictObject({
  duration: duration.optional(),
  result: z.enum(['launched', 'failed']).optional(),
});
const recoveryPoints = z.strictObject({
  every: duration.optional(),
  newestAge: duration.optional(),
  retention: duration.optional(),
});
const replication = z.strictObject({
  state: z.enum(DataReplicationState).optional(),
  lag: duration.optional(),
});
const reverseReplication = z.strictObject({
  /** none: ReverseReplication has not been called; reversed: it was, before the scenario starts. */
  state: z.enum(['none', 'reversed']).optional(),
  /** From ReverseReplication to CONTINUOUS. */
  catchUp: duration.optional(),
  /** Lag once continuous. */
  lag: duration.optional(),
  /** state reversed: the id of the reversed source server in the origin region. */
  sourceServerID: sourceServerID.optional(),
});
/** ON_PREMISES: the Failback Client and the replication it runs back home. */
const failbackClient = z.strictObject({
  /** The client paired this long before the scenario's start (absent: ready all along). */
  pairedBefore: duration.optional(),
  /** From pairing to CONTINUOUS (INITIATING, INITIAL_SYNC, BACKLOG). */
  initialSync: duration.optional(),
  /** Lag while the application writes and the replication is CONTINUOUS. */
  lag: duration.optional(),
});
/** The application's writes on a recovery instance, in bytes per second. */
const writeRate = z
  .number()
  .min(0)
  .max(10 * 1024 ** 3);

const target = z.strictObject({
  /** ON_PREMISES: the instance the failback boots (required). AWS: the original instance (optional). */
  ec2InstanceID: instanceID.optional(),
  subnetId: z.string().optional(),
  vpcId: z.string().optional(),
  securityGroupIds: z.array(z.string()).optional(),
  privateIp: z.string().optional(),
});

const server = z
  .strictObject({
    sourceServerID: sourceServerID.optional(),
    /** Several identical servers with generated ids. */
    count: z.number().int().min(1).max(10_000).optional(),
    origin: z.enum(OriginEnvironment).optional(),
    originRegion: regionName.optional(),
    reverseReplication: reverseReplication.optional(),
    hostname: z.string().optional(),
    failbackState: z.enum(FailbackState).optional(),
    /** The failback state turns FAILBACK_READY_FOR_LAUNCH this long after the start. */
    readyAfter: duration.optional(),
    recoveryInstanceID: instanceID.optional(),
    ec2InstanceID: instanceID.optional(),
    subnetId: z.string().optional(),
    privateIp: z.string().optional(),
    target: target.optional(),
    launch: launch.optional(),
    health: health.optional(),
    recovery: recovery.optional(),
    recoveryPoints: recoveryPoints.optional(),
    replication: replication.optional(),
    writeRate: writeRate.optional(),
    failbackClient: failbackClient.optional(),
  })
  .superRefine((s, ctx) => {
    const aws = s.origin === OriginEnvironment.AWS;
    const issue = (path: (string | number)[], message: string) =>
      ctx.addIssue({ code: 'custom', path, message });
    if (aws && s.originRegion === undefined) issue(['originRegion'], 'required with origin: AWS');
    if (!aws) {
      for (const key of ['originRegion', 'reverseReplication'] as const) {
        if (s[key] !== undefined) issue([key], 'only with origin: AWS');
      }
      if (s.target && s.target.ec2InstanceID === undefined) {
        issue(['target', 'ec2InstanceID'], 'required (the instance the failback boots)');
      }
    } else {
      // The failback client's states do not apply: an EC2-origin instance stays FAILBACK_NOT_STARTED.
      if (s.failbackState !== undefined && s.failbackState !== FailbackState.FAILBACK_NOT_STARTED) {
        issue(['failbackState'], 'AWS origin has no failback client: only FAILBACK_NOT_STARTED');
      }
      if (s.readyAfter !== undefined) issue(['readyAfter'], 'AWS origin has no failback client');
      if (s.failbackClient !== undefined) issue(['failbackClient'], 'AWS origin has no failback client');
    }
    if (s.failbackClient?.pairedBefore !== undefined) {
      for (const key of ['failbackState', 'readyAfter'] as const) {
        if (s[key] !== undefined)
          issue([key], 'not with failbackClient.pairedBefore (it sets the failback state)');
      }
    }
    const rr = s.reverseReplication;
    if (rr?.sourceServerID !== undefined && rr.state !== 'reversed') {
      issue(['reverseReplication', 'sourceServerID'], 'only with state: reversed');
    }
    if ((s.count ?? 1) > 1 && rr?.sourceServerID !== undefined) {
      issue(['reverseReplication', 'sourceServerID'], 'not allowed with count > 1');
    }
    if ((s.count ?? 1) > 1) {
      for (const key of [
        'sourceServerID',
        'recoveryInstanceID',
        'ec2InstanceID',
        'target',
        'privateIp',
      ] as const) {
        if (s[key] !== undefined)
          ctx.addIssue({ code: 'custom', path: [key], message: 'not allowed with count > 1' });
      }
    }
  });

const window = { from: duration.optional(), until: duration.optional() };
const servers = z.array(sourceServerID).min(1);
/** failback: the failback launch (StartFailbackLaunch, or for AWS origin the launch in the origin region). */
const during = z.enum(['failback', 'origin', 'recovery', 'any']).optional();

const fault = z.preprocess(
  (raw) => (raw !== null && typeof raw === 'object' && !('kind' in raw) ? { kind: 'error', ...raw } : raw),
  z.discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('error'),
      operation: z.enum([...SIM_OPERATIONS, '*']),
      error: z.enum(FAULT_ERROR_NAMES),
      count: z.number().int().min(1).optional(),
      rate: z.number().min(0).max(1).optional(),
      retryAfterSeconds: z.number().int().min(0).optional(),
      message: z.string().optional(),
      /** Only calls to this region (absent: every region). */
      region: regionName.optional(),
      ...window,
    }),
    z.strictObject({ kind: z.literal('launch-failure'), servers, during }),
    z.strictObject({ kind: z.literal('job-never-finishes'), servers: servers.optional(), during }),
    z.strictObject({ kind: z.literal('failback-state-stuck'), servers }),
    z.strictObject({ kind: z.literal('failback-error'), servers, at: duration.optional() }),
    z.strictObject({ kind: z.literal('impaired-after-launch'), servers }),
    z.strictObject({ kind: z.literal('instance-not-found-for'), duration }),
    z.strictObject({ kind: z.literal('recovery-instance-lost'), server: sourceServerID, at: duration }),
    z.strictObject({ kind: z.literal('sns-outage'), ...window }),
    z.strictObject({ kind: z.literal('replication-stalled'), servers, at: duration.optional() }),
    z.strictObject({ kind: z.literal('replication-lag'), servers, lag: duration }),
    /** The application keeps the cutover marker on a volume DRS does not replicate (ASSUMED). */
    z.strictObject({ kind: z.literal('unreplicated-write'), servers }),
    /** ON_PREMISES: the Failback Client has not talked to DRS since this long before the start. */
    z.strictObject({ kind: z.literal('failback-client-silent'), servers, since: duration.optional() }),
  ]),
);

const probe = z
  .strictObject({
    http: z.string().optional(),
    tcp: z
      .string()
      .regex(/^[^:\s]+:\d+$/, { message: 'must be host:port' })
      .optional(),
    result: z.enum(['ok', 'fail', 'fail-until']),
    until: duration.optional(),
  })
  .superRefine((p, ctx) => {
    if ((p.http === undefined) === (p.tcp === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give exactly one of http or tcp' });
    }
    if ((p.result === 'fail-until') !== (p.until !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['until'],
        message: 'until goes with result: fail-until, and only with it',
      });
    }
  });

const topic = z.union([
  z.string(),
  z.strictObject({ arn: z.string(), contentBasedDeduplication: z.boolean().optional() }),
]);

/** One server entry of `servers:` (shared with the estate scenario's worlds). */
export const scenarioServerSchema = server;

export const scenarioSchema = z.strictObject({
  seed: z.union([z.number().int(), z.string()]).optional(),
  startAt: z.iso.datetime({ offset: true }).optional(),
  /** The disaster: source servers stopped replicating then; the recovery instances serve since. */
  disasterAt: z.iso.datetime({ offset: true }).optional(),
  region: regionName.optional(),
  accountId: z
    .string()
    .regex(/^\d{12}$/, { message: 'must be 12 digits' })
    .optional(),
  principal: z
    .string()
    .regex(/^arn:aws[a-z-]*:(iam|sts)::\d{12}:\S+$/, { message: 'must be an IAM or STS principal ARN' })
    .optional(),
  defaults: z
    .strictObject({
      jobStartDelay: duration.optional(),
      launch: launch.optional(),
      health: health.optional(),
      recovery: recovery.optional(),
      recoveryPoints: recoveryPoints.optional(),
      reverseReplication: z
        .strictObject({ catchUp: duration.optional(), lag: duration.optional() })
        .optional(),
      probe: z.enum(['ok', 'fail']).optional(),
      writeRate: writeRate.optional(),
      failbackClient: failbackClient.optional(),
      pageSize: z.number().int().min(1).max(1000).optional(),
      /**
       * Whether a DR source server shows `reversedDirectionSourceServerArn` after
       * ReverseReplication (UNVERIFIED in AWS's documentation); false hides it, so only the
       * documented ways to find the reversed source server work.
       */
      reversedPointer: z.boolean().optional(),
    })
    .optional(),
  limits: z
    .strictObject({
      concurrentJobs: z.number().int().min(1).optional(),
      serversInAllJobs: z.number().int().min(1).optional(),
      serversPerJob: z.number().int().min(1).optional(),
    })
    .optional(),
  topics: z.array(topic).optional(),
  servers: z.array(server).min(1),
  probes: z.array(probe).optional(),
  faults: z.array(fault).optional(),
});

export type ScenarioFile = z.input<typeof scenarioSchema>;
type Parsed = z.output<typeof scenarioSchema>;
export type ScenarioFault = NonNullable<Parsed['faults']>[number];
export type ScenarioProbe = NonNullable<Parsed['probes']>[number];

/** A server with every default applied; durations in milliseconds. */
export interface ScenarioServer {
  /** Absent when the id is generated from the seed. */
  sourceServerID?: string;
  count: number;
  origin: OriginEnvironment;
  originRegion?: string;
  hostname?: string;
  failbackState: FailbackState;
  readyAfterMs?: number;
  recoveryInstanceID?: string;
  ec2InstanceID?: string;
  subnetId?: string;
  privateIp?: string;
  target?: {
    ec2InstanceID?: string;
    subnetId?: string;
    vpcId?: string;
    securityGroupIds?: string[];
    privateIp?: string;
  };
  launch: { durationMs: number; result: 'launched' | 'failed' };
  health: { afterMs: number; result: 'ok' | 'impaired' };
  recovery: { durationMs: number; result: 'launched' | 'failed' };
  recoveryPoints: { everyMs: number; newestAgeMs: number; retentionMs: number };
  replication: { state: DataReplicationState; lagMs: number };
  /** Bytes per second the application writes on the recovery instance while it serves. */
  writeRate: number;
  /** ON_PREMISES: the Failback Client; `pairedBeforeMs` absent: ready all along (or per failbackState). */
  failbackClient: { pairedBeforeMs?: number; initialSyncMs: number; lagMs: number };
  /** AWS origin only: replication from the DR region back to `originRegion`. */
  reverseReplication?: ScenarioReverseReplication;
}

export interface ScenarioReverseReplication {
  state: 'none' | 'reversed';
  catchUpMs: number;
  lagMs: number;
  sourceServerID?: string;
}

/** A validated scenario, plain JSON (it is saved with the world). */
export interface Scenario {
  seed: number | string;
  startAt: string;
  /** ISO-8601; null: the disaster is long past (recovery instances two days old, snapshots current). */
  disasterAt: string | null;
  region: string;
  accountId: string;
  /** The principal GetCallerIdentity answers (absent: an assumed role in `accountId`). */
  principal?: string;
  jobStartDelayMs: number;
  probeDefault: 'ok' | 'fail';
  pageSize: number;
  /** False: source servers never show the undocumented `reversedDirectionSourceServerArn`. */
  reversedPointer?: boolean;
  /**
   * DRS's job quotas in this world: enforced on StartFailbackLaunch and StartRecovery
   * (ServiceQuotaExceededException) and answered by GetServiceQuota. `serversPerJob` is absent in
   * worlds saved by older versions (then 100).
   */
  limits: { concurrentJobs: number; serversInAllJobs: number; serversPerJob?: number };
  topics: { arn: string; contentBasedDeduplication: boolean }[] | null;
  servers: ScenarioServer[];
  probes: ScenarioProbe[];
  faults: ScenarioFault[];
}

export const SCENARIO_DEFAULTS = {
  seed: 1,
  startAt: DEFAULT_START_AT,
  region: 'us-east-1',
  accountId: '111122223333',
  jobStartDelayMs: 30_000,
  launch: { durationMs: 20 * 60_000, result: 'launched' },
  health: { afterMs: 3 * 60_000, result: 'ok' },
  recovery: { durationMs: 20 * 60_000, result: 'launched' },
  recoveryPoints: { everyMs: 10 * 60_000, newestAgeMs: 4 * 60_000, retentionMs: 24 * 3_600_000 },
  replication: { state: DataReplicationState.CONTINUOUS, lagMs: 0 },
  reverseReplication: { catchUpMs: 20 * 60_000, lagMs: 30_000 },
  pageSize: 100,
  writeRate: 0,
  failbackClient: { initialSyncMs: 2 * 3_600_000, lagMs: 5_000 },
  limits: { concurrentJobs: 20, serversInAllJobs: 500, serversPerJob: 100 },
} as const;

/** Parsed scenario data (durations in ms) with every default applied. */
export function normalize(parsed: Parsed): Scenario {
  const d = parsed.defaults ?? {};
  const D = SCENARIO_DEFAULTS;
  // Source servers stop replicating at the disaster: their newest recovery point is that old.
  const startMs = Date.parse(parsed.startAt ?? D.startAt);
  const disasterAge =
    parsed.disasterAt === undefined ? undefined : Math.max(0, startMs - Date.parse(parsed.disasterAt));
  return {
    seed: parsed.seed ?? D.seed,
    startAt: new Date(parsed.startAt ?? D.startAt).toISOString(),
    disasterAt: parsed.disasterAt === undefined ? null : new Date(parsed.disasterAt).toISOString(),
    region: parsed.region ?? D.region,
    accountId: parsed.accountId ?? D.accountId,
    ...(parsed.principal !== undefined ? { principal: parsed.principal } : {}),
    jobStartDelayMs: d.jobStartDelay ?? D.jobStartDelayMs,
    probeDefault: d.probe ?? 'ok',
    pageSize: d.pageSize ?? D.pageSize,
    ...(d.reversedPointer !== undefined ? { reversedPointer: d.reversedPointer } : {}),
    limits: {
      concurrentJobs: parsed.limits?.concurrentJobs ?? D.limits.concurrentJobs,
      serversInAllJobs: parsed.limits?.serversInAllJobs ?? D.limits.serversInAllJobs,
      serversPerJob: parsed.limits?.serversPerJob ?? D.limits.serversPerJob,
    },
    topics:
      parsed.topics?.map((t) =>
        typeof t === 'string'
          ? { arn: t, contentBasedDeduplication: false }
          : { arn: t.arn, contentBasedDeduplication: t.contentBasedDeduplication ?? false },
      ) ?? null,
    servers: parsed.servers.map((s) => ({
      ...(s.sourceServerID === undefined ? {} : { sourceServerID: s.sourceServerID }),
      count: s.count ?? 1,
      origin: s.origin ?? OriginEnvironment.ON_PREMISES,
      ...(s.originRegion === undefined ? {} : { originRegion: s.originRegion }),
      ...(s.origin === OriginEnvironment.AWS
        ? {
            reverseReplication: {
              state: s.reverseReplication?.state ?? 'none',
              catchUpMs:
                s.reverseReplication?.catchUp ??
                d.reverseReplication?.catchUp ??
                D.reverseReplication.catchUpMs,
              lagMs: s.reverseReplication?.lag ?? d.reverseReplication?.lag ?? D.reverseReplication.lagMs,
              ...(s.reverseReplication?.sourceServerID === undefined
                ? {}
                : { sourceServerID: s.reverseReplication.sourceServerID }),
            },
          }
        : {}),
      ...(s.hostname === undefined ? {} : { hostname: s.hostname }),
      failbackState:
        s.failbackState ??
        (s.origin === OriginEnvironment.AWS
          ? FailbackState.FAILBACK_NOT_STARTED
          : FailbackState.FAILBACK_READY_FOR_LAUNCH),
      ...(s.readyAfter === undefined ? {} : { readyAfterMs: s.readyAfter }),
      ...(s.recoveryInstanceID === undefined ? {} : { recoveryInstanceID: s.recoveryInstanceID }),
      ...(s.ec2InstanceID === undefined ? {} : { ec2InstanceID: s.ec2InstanceID }),
      ...(s.subnetId === undefined ? {} : { subnetId: s.subnetId }),
      ...(s.privateIp === undefined ? {} : { privateIp: s.privateIp }),
      ...(s.target === undefined ? {} : { target: s.target }),
      launch: {
        durationMs: s.launch?.duration ?? d.launch?.duration ?? D.launch.durationMs,
        result: s.launch?.result ?? d.launch?.result ?? D.launch.result,
      },
      health: {
        afterMs: s.health?.after ?? d.health?.after ?? D.health.afterMs,
        result: s.health?.result ?? d.health?.result ?? D.health.result,
      },
      recovery: {
        durationMs: s.recovery?.duration ?? d.recovery?.duration ?? D.recovery.durationMs,
        result: s.recovery?.result ?? d.recovery?.result ?? D.recovery.result,
      },
      recoveryPoints: {
        everyMs: s.recoveryPoints?.every ?? d.recoveryPoints?.every ?? D.recoveryPoints.everyMs,
        newestAgeMs:
          s.recoveryPoints?.newestAge ??
          d.recoveryPoints?.newestAge ??
          disasterAge ??
          D.recoveryPoints.newestAgeMs,
        retentionMs:
          s.recoveryPoints?.retention ?? d.recoveryPoints?.retention ?? D.recoveryPoints.retentionMs,
      },
      replication: {
        state: s.replication?.state ?? D.replication.state,
        lagMs: s.replication?.lag ?? D.replication.lagMs,
      },
      writeRate: s.writeRate ?? d.writeRate ?? D.writeRate,
      failbackClient: {
        ...(s.failbackClient?.pairedBefore === undefined
          ? d.failbackClient?.pairedBefore === undefined ||
            s.failbackState !== undefined ||
            s.readyAfter !== undefined
            ? {}
            : { pairedBeforeMs: d.failbackClient.pairedBefore }
          : { pairedBeforeMs: s.failbackClient.pairedBefore }),
        initialSyncMs:
          s.failbackClient?.initialSync ?? d.failbackClient?.initialSync ?? D.failbackClient.initialSyncMs,
        lagMs: s.failbackClient?.lag ?? d.failbackClient?.lag ?? D.failbackClient.lagMs,
      },
    })),
    probes: parsed.probes ?? [],
    faults: parsed.faults ?? [],
  };
}

/** The regions whose DRS is initialised: the scenario's (DR) region and every server's origin region. */
export function knownRegions(scenario: Scenario): string[] {
  const regions = [scenario.region];
  for (const s of scenario.servers) {
    if (s.originRegion !== undefined && !regions.includes(s.originRegion)) regions.push(s.originRegion);
  }
  return regions;
}

/**
 * Where a scenario sits in its file: the path of its keys (`accounts.prod.regions.eu-west-1` in an
 * estate scenario) and the file's line lookup, so problems point at the right line.
 */
export interface ScenarioPlace {
  prefix: readonly PropertyKey[];
  lineOf?: (path: readonly PropertyKey[]) => number | undefined;
}

/** Problems across the scenario's fields (duplicate ids, faults naming unknown servers, ...). */
export function crossCheckProblems(
  scenario: Scenario,
  fileName: string,
  place: ScenarioPlace = { prefix: [] },
): Problem[] {
  const problems: Problem[] = [];
  const add = (path: readonly PropertyKey[], message: string) => {
    const full = [...place.prefix, ...path];
    const line = place.lineOf?.(full);
    problems.push({
      file: fileName,
      ...(line === undefined ? {} : { line }),
      path: formatPath(full),
      message,
    });
  };
  const known = new Set(scenario.servers.flatMap((s) => (s.sourceServerID ? [s.sourceServerID] : [])));
  const awsOrigin = new Set(
    scenario.servers.flatMap((s) =>
      s.sourceServerID && s.origin === OriginEnvironment.AWS ? [s.sourceServerID] : [],
    ),
  );
  const seen = new Set<string>();
  const claim = (id: string, path: readonly PropertyKey[]) => {
    if (seen.has(id)) add(path, `duplicate ${id}`);
    seen.add(id);
  };
  scenario.servers.forEach((s, i) => {
    if (s.sourceServerID) claim(s.sourceServerID, ['servers', i, 'sourceServerID']);
    const reversed = s.reverseReplication?.sourceServerID;
    if (reversed) claim(reversed, ['servers', i, 'reverseReplication', 'sourceServerID']);
  });
  const regions = knownRegions(scenario);
  if (scenario.disasterAt !== null && Date.parse(scenario.disasterAt) >= Date.parse(scenario.startAt)) {
    add(['disasterAt'], 'the disaster must come before startAt');
  }
  scenario.faults.forEach((f, i) => {
    const named = 'servers' in f && f.servers ? f.servers : 'server' in f ? [f.server] : [];
    for (const id of named) {
      if (!known.has(id)) {
        add(['faults', i], `server ${id} is not in servers:`);
      }
    }
    if (f.kind === 'failback-client-silent') {
      for (const id of named) {
        if (awsOrigin.has(id)) {
          add(['faults', i], `server ${id} is of origin AWS (no Failback Client)`);
        }
      }
    }
    const originOnly =
      (f.kind === 'launch-failure' || f.kind === 'job-never-finishes') && f.during === 'origin';
    if (originOnly) {
      for (const id of named) {
        if (known.has(id) && !awsOrigin.has(id)) {
          add(
            ['faults', i],
            `server ${id} is not of origin AWS (${f.kind}${'during' in f && f.during ? ` during ${f.during}` : ''} needs reverse replication)`,
          );
        }
      }
    }
    if ('from' in f && 'until' in f && f.from !== undefined && f.until !== undefined && f.from > f.until) {
      add(['faults', i, 'until'], 'the fault window ends before it begins (until is earlier than from)');
    }
    if (f.kind === 'error' && f.region !== undefined && !regions.includes(f.region)) {
      add(
        ['faults', i, 'region'],
        `${f.region} is neither the scenario's region nor a server's originRegion (${regions.join(', ')})`,
      );
    }
  });
  return problems;
}

function crossCheck(scenario: Scenario, fileName: string): void {
  const problems = crossCheckProblems(scenario, fileName);
  if (problems.length > 0) throw new ConfigError(problems);
}

/** Validates scenario data that is already parsed (e.g. built in a test). */
export function toScenario(data: ScenarioFile, fileName = '<scenario>'): Scenario {
  const scenario = normalize(parseConfigData(data, fileName, scenarioSchema));
  crossCheck(scenario, fileName);
  return scenario;
}

/** Parses scenario YAML; throws `ConfigError` with `file:line path: message` problems. */
export function parseScenarioText(text: string, fileName: string): Scenario {
  const scenario = normalize(parseConfigText(text, fileName, scenarioSchema));
  crossCheck(scenario, fileName);
  return scenario;
}

export async function loadScenarioFile(path: string): Promise<Scenario> {
  const scenario = normalize(await loadConfigFile(path, scenarioSchema));
  crossCheck(scenario, path);
  return scenario;
}

/** Synchronous variant, for the composition root that builds clients without awaiting. */
export function loadScenarioFileSync(path: string): Scenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([
      { file: path, path: '', message: `cannot read file: ${(error as Error).message}` },
    ]);
  }
  return parseScenarioText(text, path);
}

/**
 * A scenario against the plan it simulates: every plan server must exist in the scenario (else the
 * rehearsal fails for a reason reality would not have), and faults must name plan servers (else
 * the fault never fires and the rehearsal proves nothing). Scenarios with generated ids (count)
 * are checked for faults only.
 */
export function checkScenarioForPlan(
  scenario: Scenario,
  plan: { name: string; waves: readonly { servers: readonly { sourceServerID: string }[] }[] },
  fileName: string,
): void {
  const planServers = new Set(plan.waves.flatMap((w) => w.servers.map((s) => s.sourceServerID)));
  const problems: { file: string; path: string; message: string }[] = [];
  const generated = scenario.servers.some((s) => s.sourceServerID === undefined);
  if (!generated) {
    const known = new Set(
      scenario.servers.flatMap((s) => [s.sourceServerID, s.reverseReplication?.sourceServerID]),
    );
    const missing = [...planServers].filter((id) => !known.has(id));
    if (missing.length > 0) {
      problems.push({
        file: fileName,
        path: 'servers',
        message: `plan ${plan.name} fails back ${missing.join(', ')}, not in this scenario's servers:`,
      });
    }
  }
  scenario.faults.forEach((f, i) => {
    const named = 'servers' in f && f.servers ? f.servers : 'server' in f ? [f.server] : [];
    const outside = named.filter((id) => !planServers.has(id));
    if (outside.length > 0) {
      problems.push({
        file: fileName,
        path: `faults[${i}]`,
        message: `names ${outside.join(', ')}, not in plan ${plan.name}: the fault would never fire`,
      });
    }
  });
  if (problems.length > 0) throw new ConfigError(problems);
}
