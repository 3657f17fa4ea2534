import {
  DescribeJobsCommand,
  type DescribeJobsCommandInput,
  type DescribeJobsRequestFilters,
  DescribeRecoveryInstancesCommand,
  type DescribeRecoveryInstancesCommandInput,
  InitiatedBy,
  type Job,
  JobStatus,
  JobType,
  LaunchStatus,
  StartFailbackLaunchCommand,
  StartRecoveryCommand,
} from '@aws-sdk/client-drs';
import type {
  AwsFailure,
  ResolvedServer,
  StartFailbackInput,
  StartFailbackOutput,
} from '../../machines/types.js';
import { chunk, unique } from '../aws/batch.js';
import type { DrsSender } from '../aws/clients.js';
import { classifyAwsError } from '../aws/errors.js';
import { assertValidIds, ID_PATTERNS, InvalidRequestError } from '../aws/ids.js';
import { collectItems, DRS_TOKENS } from '../aws/paginate.js';
import { DEFAULT_JOB_LIMITS } from '../aws/quotas.js';
import { batchesThatFit, type InFlight } from './job-pacing.js';
import { clientsFor } from './regional.js';
import { groupBy, inRegion, serverLabel, unexpectedResponse, validationFailure } from './shared.js';
import type { ActorDeps } from './types.js';

const OPERATION = 'StartFailbackLaunch';
const RECOVERY = 'StartRecovery';
/**
 * StartFailbackLaunch takes 1..200 recovery instance ids (the ids are validated in such batches);
 * jobs are sized by the wave's job limits (`job.maxServers`, 100 by default: DRS's quota).
 */
export const START_FAILBACK_BATCH = 200;
const DAY_MS = 24 * 60 * 60 * 1000;
/** DescribeRecoveryInstances filters take 0..200 ids; DescribeJobs filters.jobIDs 0..1000. */
const RECOVERY_INSTANCE_FILTER_BATCH = 200;
const JOB_ID_FILTER_BATCH = 1000;

export const RUN_TAG = 'drs-failback:run';

export function runTags(runId: string, wave: string): Record<string, string> {
  return { [RUN_TAG]: runId, 'drs-failback:wave': wave };
}

/** Thrown by the adoption reads so the failure names the read that failed. */
export class ReadFailure extends Error {
  constructor(
    readonly operation: string,
    readonly error: unknown,
  ) {
    super(operation);
  }
}

/** DescribeJobs, all pages; answers that carry no job list count as none. */
export async function listJobs(drs: DrsSender, filters: DescribeJobsRequestFilters): Promise<Job[]> {
  return collectItems(
    (input: DescribeJobsCommandInput) => drs.send(new DescribeJobsCommand(input)),
    { filters },
    DRS_TOKENS,
    (page) => page.items,
    { mapError: (error) => new ReadFailure('DescribeJobs', error) },
  );
}

/** The jobs with these ids that DRS still knows. */
export async function jobsById(drs: DrsSender, jobIDs: readonly string[]): Promise<Job[]> {
  const jobs: Job[] = [];
  for (const batch of chunk(unique(jobIDs), JOB_ID_FILTER_BATCH)) {
    jobs.push(...(await listJobs(drs, { jobIDs: batch })));
  }
  return jobs;
}

/** Whether a job was started by this run: tagged with it, or created since the run began. */
export function startedByThisRun(job: Job, runId: string, since: number | undefined): boolean {
  if (job.tags?.[RUN_TAG] === runId) return true;
  if (since === undefined || !job.creationDateTime) return false;
  const created = Date.parse(job.creationDateTime);
  return !Number.isNaN(created) && created >= since;
}

/**
 * Failback jobs this run already started for these recovery instances, by recovery instance.
 * Reads `failback.failbackJobID` of each instance (DescribeRecoveryInstances), checks the job
 * (DescribeJobs by id), and also lists FAILBACK jobs created since the run began whose
 * participating servers include the instances (a start whose job id never reached the instance).
 */
export async function findStartedFailbackJobs(
  drs: DrsSender,
  recoveryInstanceIDs: readonly string[],
  runId: string,
  runStartedAt: number | undefined,
): Promise<Map<string, string>> {
  const wanted = new Set(recoveryInstanceIDs);
  const claimed = new Map<string, string>();
  const failbackJobOf = new Map<string, string>();
  for (const batch of chunk([...wanted], RECOVERY_INSTANCE_FILTER_BATCH)) {
    const instances = await collectItems(
      (input: DescribeRecoveryInstancesCommandInput) => drs.send(new DescribeRecoveryInstancesCommand(input)),
      { filters: { recoveryInstanceIDs: batch } },
      DRS_TOKENS,
      (page) => page.items,
      { mapError: (error) => new ReadFailure('DescribeRecoveryInstances', error) },
    );
    for (const instance of instances) {
      const id = instance.recoveryInstanceID;
      const jobId = instance.failback?.failbackJobID;
      if (id && jobId && wanted.has(id)) failbackJobOf.set(id, jobId);
    }
  }
  const known = failbackJobOf.size > 0 ? await jobsById(drs, [...failbackJobOf.values()]) : [];
  const ours = new Map(
    known.filter((j) => j.jobID && startedByThisRun(j, runId, runStartedAt)).map((j) => [j.jobID, j]),
  );
  for (const [instance, jobId] of failbackJobOf) if (ours.has(jobId)) claimed.set(instance, jobId);

  if (runStartedAt !== undefined && claimed.size < wanted.size) {
    const recent = await listJobs(drs, { fromDate: new Date(runStartedAt).toISOString() });
    for (const job of recent) {
      if (!job.jobID || job.initiatedBy !== InitiatedBy.FAILBACK) continue;
      if (!startedByThisRun(job, runId, runStartedAt)) continue;
      for (const server of job.participatingServers ?? []) {
        const id = server.recoveryInstanceID;
        if (id && wanted.has(id) && !claimed.has(id)) claimed.set(id, job.jobID);
      }
    }
  }
  return claimed;
}

/**
 * Errors after which DRS did not start anything: it refused the request (a conflict with the
 * instances' state, a quota, a validation or permission error, throttling) or never saw it.
 */
const REJECTED_KINDS: ReadonlySet<AwsFailure['kind']> = new Set([
  'throttled',
  'conflict',
  'quota',
  'validation',
  'access-denied',
  'not-found',
  'uninitialized',
]);
const rejected = (failure: AwsFailure): boolean => REJECTED_KINDS.has(failure.kind);

/** A read of what runs after a start whose outcome is unknown; undefined when the read failed. */
async function readAfterStart<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof ReadFailure) return undefined;
    throw err;
  }
}

/** The start's failure, saying that a re-read showed nothing started. */
function noneStarted(failure: AwsFailure): AwsFailure {
  return { ...failure, message: `${failure.message} (a re-read shows nothing started)` };
}

/**
 * What the wave's jobs hold now (PENDING or STARTED), read by id in each region (DescribeJobs),
 * and whether a server of theirs already FAILED: then no further job is started.
 */
async function readWaveJobs(
  deps: ActorDeps,
  jobRegions: ReadonlyMap<string, string | undefined>,
): Promise<InFlight & { launchFailed: boolean }> {
  const out = { servers: 0, jobs: 0, launchFailed: false };
  const byRegion = groupBy([...jobRegions], ([, region]) => region ?? '');
  for (const [region, entries] of byRegion) {
    const drs = region === '' ? deps.drs : clientsFor(deps, region).drs;
    for (const job of await jobsById(
      drs,
      entries.map(([id]) => id),
    )) {
      const servers = job.participatingServers ?? [];
      if (servers.some((s) => s.launchStatus === LaunchStatus.FAILED)) out.launchFailed = true;
      if (job.status === JobStatus.COMPLETED) continue;
      out.servers += servers.length;
      out.jobs += 1;
    }
  }
  return out;
}

/** An EC2-origin server ready for StartRecovery in its origin region. */
interface OriginLaunch {
  sourceServerID: string;
  originRegion: string;
  reversedSourceServerID: string;
}

/** Refuses EC2-origin servers without a valid origin region or reversed source server id. */
function validateOriginLaunches(servers: readonly ResolvedServer[]): OriginLaunch[] {
  const launches: OriginLaunch[] = [];
  for (const server of servers) {
    const { sourceServerID, originRegion, reversedSourceServerID } = server;
    if (originRegion === undefined || !ID_PATTERNS.region.test(originRegion)) {
      throw new InvalidRequestError({
        operation: RECOVERY,
        field: 'region',
        value: String(originRegion),
        pattern: ID_PATTERNS.region.source,
        problem: `${sourceServerID} has no valid origin region ('${String(originRegion)}'); run the precheck again`,
      });
    }
    assertValidIds(
      'sourceServerID',
      [reversedSourceServerID ?? ''],
      { min: 1, max: 1, field: 'sourceServers[].sourceServerID' },
      RECOVERY,
    );
    launches.push({ sourceServerID, originRegion, reversedSourceServerID: reversedSourceServerID ?? '' });
  }
  return launches;
}

/**
 * EC2 origin: launch jobs this run already started in the origin region for these reversed
 * source servers, by reversed source server id. A job counts when it is tagged with this run, or
 * when it is a START_RECOVERY launch created since the run began (DescribeJobs `fromDate`).
 */
export async function findStartedOriginJobs(
  drs: DrsSender,
  reversedSourceServerIDs: readonly string[],
  runId: string,
  runStartedAt: number | undefined,
  now: number,
): Promise<Map<string, string>> {
  const wanted = new Set(reversedSourceServerIDs);
  const claimed = new Map<string, string>();
  // Without a run start only this run's tag identifies its jobs; a day bounds the listing.
  const since = runStartedAt ?? now - DAY_MS;
  for (const job of await listJobs(drs, { fromDate: new Date(since).toISOString() })) {
    if (!job.jobID) continue;
    if (job.type !== undefined && job.type !== JobType.LAUNCH) continue;
    const tagged = job.tags?.[RUN_TAG] === runId;
    const recentRecovery =
      runStartedAt !== undefined &&
      job.initiatedBy === InitiatedBy.START_RECOVERY &&
      startedByThisRun(job, runId, runStartedAt);
    if (!tagged && !recentRecovery) continue;
    for (const server of job.participatingServers ?? []) {
      const id = server.sourceServerID;
      if (id && wanted.has(id) && !claimed.has(id)) claimed.set(id, job.jobID);
    }
  }
  return claimed;
}

/**
 * The point of no return, per server by its origin. ON_PREMISES: StartFailbackLaunch of the
 * recovery instances (DR region). EC2 origin: StartRecovery of each reversed source server in its
 * origin region (latest data, no recovery point), per region. Jobs follow the wave's job limits
 * (`input.limits`): what does not fit now is `queued`, and the machine sends the start again later.
 * Never retried here (a resent start could launch twice); after a failed call no further call is
 * sent and the machine decides. Idempotent across a restore: everything already started is read
 * first (jobs of this run are adopted) and only what has no job is started.
 */
export async function startFailback(
  deps: ActorDeps,
  input: StartFailbackInput,
  signal?: AbortSignal,
): Promise<StartFailbackOutput> {
  const log = deps.log.child({ runId: input.runId, wave: input.wave, activity: 'startFailback' });
  // A start of this process may still be on its way (the ABORT came while it was sent): its
  // answer first, or the read could miss the job it creates.
  if (input.adoptOnly) await startsSettled(deps, input);
  const ids = unique(input.recoveryInstanceIDs);
  const ec2Origin = input.ec2Origin ?? [];
  // A wave of EC2-origin servers only has no ON_PREMISES part; a wave of nothing is refused.
  const onPremises = ids.length > 0 || ec2Origin.length === 0;
  const validated = validateStart(ids, ec2Origin, onPremises);
  const invalid = validated.invalid;
  let launches = validated.launches;
  if (invalid) {
    log.error({ failure: invalid }, 'refused to start failback: invalid input');
    return { now: deps.clock.now(), jobIds: [], failure: invalid };
  }
  // Each reversed source server once, even when listed twice.
  launches = [...new Map(launches.map((l) => [l.reversedSourceServerID, l])).values()];
  const byRegion = groupBy(launches, (l) => l.originRegion);

  // Read everything already started before sending anything: a failed read leaves nothing started.
  const started = await readAlreadyStarted(deps, input, ids, onPremises, byRegion);
  if ('failure' in started) {
    // Resolving an in-doubt start: unread is not "nothing started".
    if (input.adoptOnly)
      return {
        now: deps.clock.now(),
        jobIds: input.jobIds ?? [],
        failure: started.failure,
        mayHaveStarted: true,
      };
    return { now: deps.clock.now(), jobIds: [], failure: started.failure, notSent: true };
  }
  const { adopted, adoptedInOrigin } = started;

  const { jobIds, jobRegions } = adoptJobs(adopted, adoptedInOrigin, log);
  if (input.adoptOnly) return adoptedOnly(deps, input, jobIds, jobRegions);
  const plan = await planStart(deps, input, jobIds, jobRegions, {
    onPremises: ids.filter((id) => !adopted.has(id)),
    byRegion: new Map(
      [...byRegion].map(([region, servers]) => {
        const claimed = adoptedInOrigin.get(region);
        return [region, servers.filter((s) => !claimed?.has(s.reversedSourceServerID))];
      }),
    ),
  });
  const progress = { unsent: plan.unsent, queued: plan.queued, sent: 0 };
  const done = (failure?: AwsFailure, mayHaveStarted = false): StartFailbackOutput => {
    const out: StartFailbackOutput = { now: deps.clock.now(), jobIds };
    if (Object.keys(jobRegions).length > 0) out.jobRegions = jobRegions;
    if (mayHaveStarted) out.mayHaveStarted = true;
    if (progress.queued > 0 && !failure) {
      out.queued = progress.queued;
      out.inFlight = plan.inFlight.servers + progress.sent;
      log.info({ queued: out.queued, inFlight: out.inFlight, jobIds }, 'servers wait for DRS job capacity');
    }
    if (failure) {
      out.failure = failure;
      log.error({ failure, startedJobIds: jobIds }, 'failback launch failed; no further batches sent');
    }
    return out;
  };
  if (plan.failure) return done(plan.failure);

  for (const batch of plan.onPremises) {
    const server = serverLabel(batch);
    if (stoppedBeforeSend(signal, log)) return done();
    try {
      const out = await tracked(
        deps,
        input,
        deps.drs.send(
          new StartFailbackLaunchCommand({
            recoveryInstanceIDs: batch,
            tags: runTags(input.runId, input.wave),
          }),
        ),
      );
      const jobId = out.job?.jobID;
      if (!jobId)
        return done(unexpectedResponse(OPERATION, server, 'DRS accepted the request but returned no job'));
      jobIds.push(jobId);
      progress.unsent -= batch.length;
      progress.sent += batch.length;
      log.info({ jobId, recoveryInstances: batch.length }, 'failback launch started');
    } catch (err) {
      const failure = classifyAwsError(err, OPERATION, server);
      if (waitsForQuota(failure, jobIds, progress)) return done();
      if (rejected(failure)) return done(failure);
      // DRS may have acted on it: read what runs now, and adopt a job this start created.
      const afterStart = await readAfterStart(() =>
        findStartedFailbackJobs(deps.drs, batch, input.runId, input.runStartedAt),
      );
      if (afterStart === undefined) return done(failure, true);
      const found = unique([...afterStart.values()]).filter((id) => !jobIds.includes(id));
      if (found.length === 0) return done(noneStarted(failure));
      jobIds.push(...found);
      progress.unsent -= batch.length;
      progress.sent += batch.length;
      log.warn(
        { failure, jobIds: found },
        'the start failed but a re-read shows it started; following its job',
      );
    }
  }

  const stop = await startInOriginRegions(deps, input, plan.byRegion, jobIds, jobRegions, progress, signal);
  return done(stop?.failure, stop?.mayHaveStarted);
}

const inFlightKey = (input: StartFailbackInput) => `${input.runId}/${input.wave}`;

/** A start request, known as in flight until DRS answers it. */
function tracked<T>(deps: ActorDeps, input: StartFailbackInput, request: Promise<T>): Promise<T> {
  const registry = deps.startsInFlight;
  if (!registry) return request;
  const key = inFlightKey(input);
  const pending = registry.get(key) ?? new Set<Promise<unknown>>();
  registry.set(key, pending);
  pending.add(request);
  const forget = () => {
    pending.delete(request);
    if (pending.size === 0) registry.delete(key);
  };
  request.then(forget, forget);
  return request;
}

/** Waits until the wave's start requests of this process were answered (whatever the answer). */
async function startsSettled(deps: ActorDeps, input: StartFailbackInput): Promise<void> {
  const pending = deps.startsInFlight?.get(inFlightKey(input));
  if (pending) await Promise.allSettled([...pending]);
}

/**
 * The wave left the start (an ABORT, a backout) while this activity read: its answer goes
 * nowhere, and a start sent now would be one nobody asked for. A restored run re-invokes the
 * activity, so without this look a backout after a kill sent the start again.
 */
function stoppedBeforeSend(signal: AbortSignal | undefined, log: ActorDeps['log']): boolean {
  if (signal?.aborted !== true) return false;
  log.info('the wave left its start before this call; nothing more is sent');
  return true;
}

/**
 * `adoptOnly`: what this run already started, read and adopted; nothing sent. The jobs the wave
 * knew come back with the adopted ones.
 */
function adoptedOnly(
  deps: ActorDeps,
  input: StartFailbackInput,
  adoptedJobIds: readonly string[],
  adoptedRegions: Readonly<Record<string, string>>,
): StartFailbackOutput {
  const jobIds = unique([...(input.jobIds ?? []), ...adoptedJobIds]);
  const jobRegions = { ...input.jobRegions, ...adoptedRegions };
  const out: StartFailbackOutput = { now: deps.clock.now(), jobIds };
  if (Object.keys(jobRegions).length > 0) out.jobRegions = jobRegions;
  return out;
}

/** The jobs this run already started for the wave (a restored run, a start after a quota wait). */
function adoptJobs(
  adopted: ReadonlyMap<string, string>,
  adoptedInOrigin: ReadonlyMap<string, ReadonlyMap<string, string>>,
  log: ActorDeps['log'],
): { jobIds: string[]; jobRegions: Record<string, string> } {
  const jobIds: string[] = [];
  const jobRegions: Record<string, string> = {};
  const adoptedJobIds = unique([...adopted.values()]);
  if (adoptedJobIds.length > 0) {
    jobIds.push(...adoptedJobIds);
    log.info(
      { jobIds: adoptedJobIds, recoveryInstances: adopted.size },
      'failback already started by this run; adopting its job(s)',
    );
  }
  for (const [region, claimed] of adoptedInOrigin) {
    const regionJobIds = unique([...claimed.values()]).filter((id) => !jobIds.includes(id));
    if (regionJobIds.length === 0) continue;
    jobIds.push(...regionJobIds);
    for (const jobId of regionJobIds) jobRegions[jobId] = region;
    log.info(
      { jobIds: regionJobIds, region, servers: claimed.size },
      'launch in the origin region already started by this run; adopting its job(s)',
    );
  }
  return { jobIds, jobRegions };
}

/**
 * A start DRS refused for its quotas once the wave already has a job: the wave is past its point
 * of no return, so what is unsent waits for capacity instead of failing the wave.
 */
function waitsForQuota(
  failure: AwsFailure,
  jobIds: readonly string[],
  progress: { unsent: number; queued: number },
): boolean {
  if (failure.kind !== 'quota' || jobIds.length === 0) return false;
  progress.queued += progress.unsent;
  progress.unsent = 0;
  return true;
}

/** The batches a start sends now, by flow; what waits for capacity; what the wave's jobs hold. */
interface StartPlan {
  onPremises: string[][];
  byRegion: Map<string, OriginLaunch[][]>;
  /** Servers in the batches above, and servers left for a later start. */
  unsent: number;
  queued: number;
  inFlight: InFlight;
  failure?: AwsFailure;
}

/**
 * Sizes the start by the wave's job limits. With jobs already started (a start after a quota wait,
 * or adopted), reads what they hold first; a launch that already FAILED starts nothing more (the
 * machine follows the jobs and backs out).
 */
async function planStart(
  deps: ActorDeps,
  input: StartFailbackInput,
  jobIds: readonly string[],
  jobRegions: Readonly<Record<string, string>>,
  remaining: { onPremises: string[]; byRegion: Map<string, OriginLaunch[]> },
): Promise<StartPlan> {
  const limits = input.limits ?? DEFAULT_JOB_LIMITS;
  const known = new Map<string, string | undefined>();
  for (const id of [...(input.jobIds ?? []), ...jobIds]) {
    known.set(id, jobRegions[id] ?? input.jobRegions?.[id]);
  }
  const plan: StartPlan = {
    onPremises: [],
    byRegion: new Map(),
    unsent: 0,
    queued: 0,
    inFlight: { servers: 0, jobs: 0 },
  };
  if (known.size > 0) {
    try {
      const held = await readWaveJobs(deps, known);
      plan.inFlight = { servers: held.servers, jobs: held.jobs };
      if (held.launchFailed) {
        deps.log.warn(
          { runId: input.runId, wave: input.wave },
          'a launch of this wave failed; no further jobs',
        );
        return plan;
      }
    } catch (err) {
      if (!(err instanceof ReadFailure)) throw err;
      const failure = classifyAwsError(err.error, err.operation);
      // Past the point of no return: a read that may pass again waits like the quota does.
      if (failure.retryable)
        plan.queued = remaining.onPremises.length + [...remaining.byRegion.values()].flat().length;
      else plan.failure = failure;
      return plan;
    }
  }
  const budget = { ...plan.inFlight };
  const take = <T>(list: readonly T[]): T[][] => {
    const fit = batchesThatFit(list, limits, budget);
    for (const batch of fit.batches) {
      budget.servers += batch.length;
      budget.jobs += 1;
      plan.unsent += batch.length;
    }
    plan.queued += fit.waiting;
    return fit.batches;
  };
  plan.onPremises = take(remaining.onPremises);
  for (const [region, servers] of remaining.byRegion) plan.byRegion.set(region, take(servers));
  return plan;
}

/**
 * What this run already started (a resumed or retried start adopts it), on premises and in each
 * origin region. A read that fails is returned as the failure: nothing may be sent then.
 */
async function readAlreadyStarted(
  deps: ActorDeps,
  input: StartFailbackInput,
  ids: readonly string[],
  onPremises: boolean,
  byRegion: Map<string, OriginLaunch[]>,
): Promise<
  | { adopted: Map<string, string>; adoptedInOrigin: Map<string, Map<string, string>> }
  | { failure: AwsFailure }
> {
  const log = deps.log.child({ runId: input.runId, wave: input.wave, activity: 'startFailback' });
  let adopted = new Map<string, string>();
  const adoptedInOrigin = new Map<string, Map<string, string>>();
  try {
    if (onPremises)
      adopted = await findStartedFailbackJobs(deps.drs, [...ids], input.runId, input.runStartedAt);
  } catch (err) {
    if (!(err instanceof ReadFailure)) throw err;
    // Nothing was started: without knowing what already runs, starting could launch twice.
    const failure = classifyAwsError(err.error, err.operation, serverLabel([...ids]));
    log.warn({ failure }, 'could not read what already runs; failback not started');
    return { failure };
  }
  for (const [region, servers] of byRegion) {
    try {
      adoptedInOrigin.set(
        region,
        await findStartedOriginJobs(
          clientsFor(deps, region).drs,
          servers.map((s) => s.reversedSourceServerID),
          input.runId,
          input.runStartedAt,
          deps.clock.now(),
        ),
      );
    } catch (err) {
      if (!(err instanceof ReadFailure)) throw err;
      const failure = inRegion(
        classifyAwsError(err.error, err.operation, serverLabel(servers.map((s) => s.sourceServerID))),
        region,
      );
      log.warn(
        { failure, region },
        'could not read what already runs in the origin region; failback not started',
      );
      return { failure };
    }
  }
  return { adopted, adoptedInOrigin };
}

/** Why the origin-region starts stopped, and whether DRS may have acted on the last one. */
type OriginStop = { failure: AwsFailure; mayHaveStarted?: boolean } | undefined;

/** The EC2-origin part of a start: StartRecovery in each origin region, batch by batch. */
async function startInOriginRegions(
  deps: ActorDeps,
  input: StartFailbackInput,
  byRegion: Map<string, OriginLaunch[][]>,
  jobIds: string[],
  jobRegions: Record<string, string>,
  progress: { unsent: number; queued: number; sent: number },
  signal: AbortSignal | undefined,
): Promise<OriginStop> {
  const log = deps.log.child({ runId: input.runId, wave: input.wave, activity: 'startFailback' });
  for (const [region, batches] of byRegion) {
    const { drs } = clientsFor(deps, region);
    for (const batch of batches) {
      const server = serverLabel(batch.map((s) => s.sourceServerID));
      if (stoppedBeforeSend(signal, log)) return undefined;
      try {
        const out = await tracked(
          deps,
          input,
          drs.send(
            new StartRecoveryCommand({
              // No recoverySnapshotID: DRS takes the latest data of the reversed replication.
              sourceServers: batch.map((s) => ({ sourceServerID: s.reversedSourceServerID })),
              isDrill: false,
              tags: runTags(input.runId, input.wave),
            }),
          ),
        );
        const jobId = out.job?.jobID;
        if (!jobId) {
          return {
            failure: inRegion(
              unexpectedResponse(RECOVERY, server, 'DRS accepted the request but returned no job'),
              region,
            ),
          };
        }
        jobIds.push(jobId);
        jobRegions[jobId] = region;
        progress.unsent -= batch.length;
        progress.sent += batch.length;
        log.info({ jobId, region, servers: batch.length }, 'launch in the origin region started');
      } catch (err) {
        const failure = inRegion(classifyAwsError(err, RECOVERY, server), region);
        if (waitsForQuota(failure, jobIds, progress)) return undefined;
        if (rejected(failure)) return { failure };
        const afterStart = await readAfterStart(() =>
          findStartedOriginJobs(
            drs,
            batch.map((s) => s.reversedSourceServerID),
            input.runId,
            input.runStartedAt,
            deps.clock.now(),
          ),
        );
        if (afterStart === undefined) return { failure, mayHaveStarted: true };
        const found = unique([...afterStart.values()]).filter((id) => !jobIds.includes(id));
        if (found.length === 0) return { failure: noneStarted(failure) };
        for (const jobId of found) {
          jobIds.push(jobId);
          jobRegions[jobId] = region;
        }
        progress.unsent -= batch.length;
        progress.sent += batch.length;
        log.warn(
          { failure, jobIds: found, region },
          'the start failed but a re-read shows it started; following its job',
        );
      }
    }
  }
  return undefined;
}

/** Refuses invalid ids before anything is sent; the EC2-origin launches once validated. */
function validateStart(
  ids: readonly string[],
  ec2Origin: readonly ResolvedServer[],
  onPremises: boolean,
): { invalid: AwsFailure | undefined; launches: OriginLaunch[] } {
  let launches: OriginLaunch[] = [];
  const invalid =
    (onPremises
      ? (validationFailure(() =>
          assertValidIds('recoveryInstanceID', ids, { min: 1, max: Infinity }, OPERATION),
        ) ??
        chunk(ids, START_FAILBACK_BATCH)
          .map((batch) =>
            validationFailure(() =>
              assertValidIds('recoveryInstanceID', batch, { min: 1, max: 200 }, OPERATION),
            ),
          )
          .find((f) => f !== undefined))
      : undefined) ??
    validationFailure(() => {
      launches = validateOriginLaunches(ec2Origin);
    });
  return { invalid, launches };
}
