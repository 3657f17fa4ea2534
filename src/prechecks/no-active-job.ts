// no-active-job (DR region): no DRS job of the last day that is not COMPLETED holds a server of
// the wave.
import { activeJobsByServer, jobsData, jobsText } from './active-jobs.js';
import { readFailedOutcome } from './read-failure.js';
import { waveServerIds } from './resolve.js';
import type { CheckOutcome, Precheck, ReadFailedData } from './types.js';

export const NO_ACTIVE_JOB = 'no-active-job';

/** The data of every `no-active-job` check (DR region here, origin regions in reversed-active-job.ts). */
export type NoActiveJobData = {
  /** Where the jobs were read; null for the DR region. */
  region: string | null;
  /** The wave's server a job holds; null for the pass of the whole wave. */
  sourceServerId: string | null;
  /** EC2 origin: the reversed source server a job holds in the origin region. */
  reversedSourceServerId: string | null;
  /** The active jobs holding it (none for a pass). */
  jobs: { jobId: string; status: string | null }[];
} & Partial<ReadFailedData>;

export const noActiveJob: Precheck<typeof NO_ACTIVE_JOB, NoActiveJobData> = {
  name: NO_ACTIVE_JOB,
  evaluate(reads) {
    const read = reads.jobs;
    if (!read) return [];
    const none = { region: null, sourceServerId: null, reversedSourceServerId: null, jobs: [] };
    if (!read.ok) {
      const failed = readFailedOutcome('*', read.error, 'DescribeJobs');
      return [{ ...failed, data: { ...none, ...failed.data } }];
    }
    const busy = activeJobsByServer(read.value, new Set(waveServerIds(reads)));
    const out: CheckOutcome<NoActiveJobData>[] = [...busy].map(([id, holding]) => ({
      server: id,
      status: 'fail',
      detail: `${id} is held by active job(s) ${jobsText(holding)}`,
      data: { ...none, sourceServerId: id, jobs: jobsData(holding) },
    }));
    if (busy.size === 0) {
      out.push({ server: '*', status: 'pass', detail: 'no active DRS job holds these servers', data: none });
    }
    return out;
  },
};
