import {
  DescribeJobsCommand,
  type DescribeJobsRequestFilters,
  DescribeRecoveryInstancesCommand,
  InitiatedBy,
  type Job,
  StartFailbackLaunchCommand,
} from '@aws-sdk/client-drs';
import type { AwsFailure, StartFailbackInput, StartFailbackOutput } from '../../machines/types.js';
import { chunk, unique } from '../aws/batch.js';
import type { DrsSender } from '../aws/clients.js';
import { classifyAwsError } from '../aws/errors.js';
import { assertValidIds } from '../aws/ids.js';
import { serverLabel, unexpectedResponse, validationFailure } from './shared.js';
import type { ActorDeps } from './types.js';

const OPERATION = 'StartFailbackLaunch';
/** StartFailbackLaunch takes 1..200 recovery instance ids. */
export const START_FAILBACK_BATCH = 200;
/** DescribeRecoveryInstances filters take 0..200 ids; DescribeJobs filters.jobIDs 0..1000. */
const RECOVERY_INSTANCE_FILTER_BATCH = 200;
const JOB_ID_FILTER_BATCH = 1000;
const MAX_PAGES = 1000;

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

async function pages<T>(
  operation: string,
  fetch: (nextToken: string | undefined) => Promise<{ items?: T[]; nextToken?: string } | undefined>,
): Promise<T[]> {
  const items: T[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    let out: { items?: T[]; nextToken?: string } | undefined;
    try {
      out = await fetch(token);
    } catch (error) {
      throw new ReadFailure(operation, error);
    }
    items.push(...(out?.items ?? []));
    token = out?.nextToken;
    if (!token || seen.has(token)) break;
    seen.add(token);
  }
  return items;
}

/** DescribeJobs, all pages; answers that carry no job list count as none. */
export async function listJobs(drs: DrsSender, filters: DescribeJobsRequestFilters): Promise<Job[]> {
  return pages('DescribeJobs', (nextToken) => drs.send(new DescribeJobsCommand({ filters, nextToken })));
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
    const instances = await pages('DescribeRecoveryInstances', (nextToken) =>
      drs.send(new DescribeRecoveryInstancesCommand({ filters: { recoveryInstanceIDs: batch }, nextToken })),
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
 * The point of no return: StartFailbackLaunch per batch of 200. Never retried here (a resent start
 * could launch twice); after a failed batch no further batch is sent and the machine decides.
 * Idempotent across a restore: jobs this run already started for these recovery instances are
 * adopted (read from AWS first), and only the instances without one are started.
 */
export async function startFailback(
  deps: ActorDeps,
  input: StartFailbackInput,
): Promise<StartFailbackOutput> {
  const log = deps.log.child({ runId: input.runId, wave: input.wave, activity: 'startFailback' });
  const ids = unique(input.recoveryInstanceIDs);
  const invalid =
    validationFailure(() =>
      assertValidIds('recoveryInstanceID', ids, { min: 1, max: Infinity }, OPERATION),
    ) ??
    chunk(ids, START_FAILBACK_BATCH)
      .map((batch) =>
        validationFailure(() => assertValidIds('recoveryInstanceID', batch, { min: 1, max: 200 }, OPERATION)),
      )
      .find((f) => f !== undefined);
  if (invalid) {
    log.error({ failure: invalid }, 'refused to start failback: invalid recovery instance ids');
    return { now: deps.clock.now(), jobIds: [], failure: invalid };
  }

  let adopted: Map<string, string>;
  try {
    adopted = await findStartedFailbackJobs(deps.drs, ids, input.runId, input.runStartedAt);
  } catch (err) {
    if (!(err instanceof ReadFailure)) throw err;
    // Nothing was started: without knowing what already runs, starting could launch twice.
    const failure = classifyAwsError(err.error, err.operation, serverLabel(ids));
    log.warn({ failure }, 'could not read what already runs; failback not started');
    return { now: deps.clock.now(), jobIds: [], failure };
  }
  const adoptedJobIds = unique([...adopted.values()]);
  if (adoptedJobIds.length > 0) {
    log.info(
      { jobIds: adoptedJobIds, recoveryInstances: adopted.size },
      'failback already started by this run; adopting its job(s)',
    );
  }

  const jobIds: string[] = [...adoptedJobIds];
  let failure: AwsFailure | undefined;
  for (const batch of chunk(
    ids.filter((id) => !adopted.has(id)),
    START_FAILBACK_BATCH,
  )) {
    const server = serverLabel(batch);
    try {
      const out = await deps.drs.send(
        new StartFailbackLaunchCommand({
          recoveryInstanceIDs: batch,
          tags: runTags(input.runId, input.wave),
        }),
      );
      const jobId = out.job?.jobID;
      if (!jobId) {
        failure = unexpectedResponse(OPERATION, server, 'DRS accepted the request but returned no job');
        break;
      }
      jobIds.push(jobId);
      log.info({ jobId, recoveryInstances: batch.length }, 'failback launch started');
    } catch (err) {
      failure = classifyAwsError(err, OPERATION, server);
      break;
    }
  }
  if (failure) {
    log.error({ failure, startedJobIds: jobIds }, 'failback launch failed; no further batches sent');
    return { now: deps.clock.now(), jobIds, failure };
  }
  return { now: deps.clock.now(), jobIds };
}
