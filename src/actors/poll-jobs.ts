import type { PollJobsInput, PollJobsOutput } from '../../machines/types.js';
import { chunk, unique } from '../aws/batch.js';
import { classifyAwsError } from '../aws/errors.js';
import { assertValidIds } from '../aws/ids.js';
import { classifyJobs } from '../classify/jobs.js';
import { describeJobLogItems, describeJobs } from './describe-jobs.js';
import { clientsFor } from './regional.js';
import { groupBy, inRegion, validationFailure } from './shared.js';
import type { ActorDeps } from './types.js';

/** DescribeJobs takes at most 1000 job ids in `filters.jobIDs`. */
export const DESCRIBE_JOBS_BATCH = 1000;

/**
 * One poll of the wave's launch jobs: one DescribeJobs per region for all of its jobs (the DR
 * region unless `jobRegions` names another: EC2-origin launches), classified together, plus the
 * job log items not reported yet. A failed poll is 'pending' with the failure; the machine decides.
 */
export async function pollJobs(deps: ActorDeps, input: PollJobsInput): Promise<PollJobsOutput> {
  const log = deps.log.child({ runId: input.runId, wave: input.wave, activity: 'pollJobs' });
  const jobIds = unique(input.jobIds);
  const invalid = validationFailure(() =>
    assertValidIds('jobID', jobIds, { min: 1, max: Infinity }, 'DescribeJobs'),
  );
  if (invalid) {
    return {
      now: deps.clock.now(),
      verdict: 'pending',
      detail: invalid.message,
      servers: [],
      logCursor: { ...input.logCursor },
      failure: invalid,
    };
  }

  const regionOf = (jobId: string): string | undefined => input.jobRegions?.[jobId];
  let jobs: Awaited<ReturnType<typeof describeJobs>> = [];
  for (const [region, regionJobIds] of groupBy(jobIds, (id) => regionOf(id) ?? '')) {
    const { drs } = clientsFor(deps, region || undefined);
    try {
      for (const batch of chunk(regionJobIds, DESCRIBE_JOBS_BATCH)) {
        jobs = jobs.concat(await describeJobs(drs, { jobIDs: batch }));
      }
    } catch (err) {
      const failure = inRegion(classifyAwsError(err, 'DescribeJobs'), region || undefined);
      log.warn({ failure }, 'job poll failed');
      return {
        now: deps.clock.now(),
        verdict: 'pending',
        detail: failure.message,
        servers: [],
        logCursor: { ...input.logCursor },
        failure,
      };
    }
  }

  const classification = classifyJobs(jobs, jobIds);
  const servers = classification.servers.map((server) => {
    const region = regionOf(server.jobId);
    return region ? { ...server, region } : server;
  });
  const logCursor = { ...input.logCursor };
  const visible = new Set(jobs.flatMap((j) => (j.jobID ? [j.jobID] : [])));
  for (const jobId of jobIds.filter((id) => visible.has(id))) {
    try {
      const items = await describeJobLogItems(clientsFor(deps, regionOf(jobId)).drs, jobId);
      const from = logCursor[jobId] ?? 0;
      for (const item of items.slice(from)) {
        deps.emit({
          type: 'job.log',
          wave: input.wave,
          jobId,
          event: item.event ?? 'UNKNOWN',
          server: item.eventData?.sourceServerID,
          logDateTime: item.logDateTime ?? '',
        });
      }
      logCursor[jobId] = Math.max(from, items.length);
    } catch (err) {
      // Log items only narrate the job; the verdict above stands without them.
      log.warn({ jobId, failure: classifyAwsError(err, 'DescribeJobLogItems') }, 'job log unavailable');
    }
  }
  log.debug({ verdict: classification.verdict, jobs: jobIds.length }, 'jobs polled');
  return {
    now: deps.clock.now(),
    verdict: classification.verdict,
    detail: classification.detail,
    servers,
    logCursor,
  };
}
