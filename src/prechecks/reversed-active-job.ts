// no-active-job (origin region): no DRS job there still holds a reversed source server (one
// launch job per source server at a time). Run once per origin region, after its DescribeJobs.
import { activeJobsByServer, jobsData, jobsText } from './active-jobs.js';
import { NO_ACTIVE_JOB, type NoActiveJobData } from './no-active-job.js';
import { readFailedOutcome } from './read-failure.js';
import { reversedByRegion } from './resolve.js';
import type { CheckOutcome, Precheck } from './types.js';

export const reversedActiveJob: Precheck<typeof NO_ACTIVE_JOB, NoActiveJobData> = {
  name: NO_ACTIVE_JOB,
  evaluate(reads, { region }) {
    if (region === undefined) return [];
    const read = reads.originRegions.get(region)?.jobs;
    if (!read) return [];
    if (!read.ok) {
      const failed = readFailedOutcome('*', read.error, 'DescribeJobs', { region });
      return [
        {
          ...failed,
          data: { region, sourceServerId: null, reversedSourceServerId: null, jobs: [], ...failed.data },
        },
      ];
    }
    const servers = reversedByRegion(reads).get(region) ?? [];
    const drIdOf = new Map(servers.map((s) => [s.reversedId, s.sourceServerID]));
    const busy = activeJobsByServer(read.value, new Set(servers.map((s) => s.reversedId)));
    const out: CheckOutcome<NoActiveJobData>[] = [...busy].map(([reversedId, holding]) => ({
      server: drIdOf.get(reversedId) ?? reversedId,
      status: 'fail',
      detail: `reversed source server ${reversedId} is held by active job(s) in ${region}: ${jobsText(holding)}`,
      data: {
        region,
        sourceServerId: drIdOf.get(reversedId) ?? null,
        reversedSourceServerId: reversedId,
        jobs: jobsData(holding),
      },
    }));
    if (busy.size === 0) {
      out.push({
        server: '*',
        status: 'pass',
        detail: `no active DRS job in ${region} holds the reversed source servers`,
        data: { region, sourceServerId: null, reversedSourceServerId: null, jobs: [] },
      });
    }
    return out;
  },
};
