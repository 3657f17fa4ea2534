import { type Job, JobStatus } from '@aws-sdk/client-drs';

/** Jobs not COMPLETED (unknown statuses count as active) that hold one of the servers, by server. */
export function activeJobsByServer(jobs: readonly Job[], servers: ReadonlySet<string>): Map<string, Job[]> {
  const busy = new Map<string, Job[]>();
  for (const job of jobs) {
    if (job.status === JobStatus.COMPLETED) continue;
    for (const participant of job.participatingServers ?? []) {
      const id = participant.sourceServerID;
      if (!id || !servers.has(id)) continue;
      const list = busy.get(id) ?? [];
      if (!list.includes(job)) list.push(job);
      busy.set(id, list);
    }
  }
  return busy;
}

/** The jobs as check data and as text: `drsjob-1 (STARTED), ...`. */
export const jobsData = (jobs: readonly Job[]): { jobId: string; status: string | null }[] =>
  jobs.map((j) => ({ jobId: j.jobID ?? '', status: (j.status as string | undefined) ?? null }));
export const jobsText = (jobs: readonly Job[]): string =>
  jobs.map((j) => `${j.jobID} (${j.status ?? 'no status'})`).join(', ');

/** DescribeJobs reads the jobs of the last day. */
export const JOBS_LOOKBACK_MS = 24 * 60 * 60 * 1000;
