import { type Job, JobStatus, LaunchStatus } from '@aws-sdk/client-drs';
import type { JobVerdict, ServerLaunchStatus } from '../../machines/types.js';

export interface JobsClassification {
  verdict: JobVerdict;
  detail: string;
  servers: ServerLaunchStatus[];
}

type OneJob = { verdict: JobVerdict; detail: string };

const KNOWN_LAUNCH_STATUSES: ReadonlySet<string> = new Set(Object.values(LaunchStatus));
const LAUNCH_FAILED: ReadonlySet<string> = new Set([LaunchStatus.FAILED, LaunchStatus.TERMINATED]);

function serverLabel(server: ServerLaunchStatus): string {
  return server.sourceServerID || server.recoveryInstanceID || '(unnamed server)';
}

function classifyJob(jobId: string, status: string | undefined, servers: ServerLaunchStatus[]): OneJob {
  // A failed server fails the wave even while the job still runs: the machine can back out sooner.
  const failed = servers.filter((s) => LAUNCH_FAILED.has(s.launchStatus));
  if (failed.length > 0) {
    return {
      verdict: 'failed',
      detail: `job ${jobId}: ${failed.map((s) => `${serverLabel(s)} ${s.launchStatus}`).join(', ')}`,
    };
  }
  switch (status) {
    case JobStatus.PENDING:
    case JobStatus.STARTED: {
      const unknown = servers.filter((s) => !KNOWN_LAUNCH_STATUSES.has(s.launchStatus));
      const note = unknown.length
        ? `; unknown launch status ${unknown.map((s) => `'${s.launchStatus}' for ${serverLabel(s)}`).join(', ')}`
        : '';
      return { verdict: 'pending', detail: `job ${jobId} is ${status}${note}` };
    }
    case JobStatus.COMPLETED: {
      // COMPLETED only means the job stopped working: success is every server LAUNCHED.
      if (servers.length === 0) {
        return { verdict: 'failed', detail: `job ${jobId} COMPLETED with no participating servers` };
      }
      const notLaunched = servers.filter((s) => s.launchStatus !== LaunchStatus.LAUNCHED);
      if (notLaunched.length > 0) {
        return {
          verdict: 'failed',
          detail: `job ${jobId} COMPLETED but ${notLaunched
            .map((s) => {
              const known = KNOWN_LAUNCH_STATUSES.has(s.launchStatus) ? '' : ' (unknown launch status)';
              return `${serverLabel(s)} is ${s.launchStatus}${known}`;
            })
            .join(', ')}`,
        };
      }
      return { verdict: 'launched', detail: `job ${jobId} COMPLETED, ${servers.length} server(s) LAUNCHED` };
    }
    default:
      // Unknown status: reported and waited on, never fatal (a newer service may know more states).
      return {
        verdict: 'pending',
        detail: `job ${jobId} has ${
          status === undefined ? 'no status' : `unknown status '${status}'`
        }; still waiting`,
      };
  }
}

/**
 * Decides what DescribeJobs says about a wave's launch jobs. A requested job missing from the
 * answer is pending (DescribeJobs is eventually consistent right after the start).
 */
export function classifyJobs(jobs: readonly Job[], expectedJobIds: readonly string[]): JobsClassification {
  const byId = new Map<string, Job>();
  for (const job of jobs) {
    if (job.jobID) byId.set(job.jobID, job);
  }
  if (expectedJobIds.length === 0) {
    return { verdict: 'failed', detail: 'no launch job to follow', servers: [] };
  }
  const servers: ServerLaunchStatus[] = [];
  const results: OneJob[] = [];
  for (const jobId of expectedJobIds) {
    const job = byId.get(jobId);
    if (!job) {
      results.push({ verdict: 'pending', detail: `job ${jobId} not visible in DescribeJobs yet` });
      continue;
    }
    const jobServers: ServerLaunchStatus[] = (job.participatingServers ?? []).map((p) => {
      const server: ServerLaunchStatus = {
        sourceServerID: p.sourceServerID ?? '',
        launchStatus: p.launchStatus ?? 'UNKNOWN',
        jobId,
      };
      if (p.recoveryInstanceID) server.recoveryInstanceID = p.recoveryInstanceID;
      return server;
    });
    servers.push(...jobServers);
    results.push(classifyJob(jobId, job.status as string | undefined, jobServers));
  }
  const pick = (verdict: JobVerdict) => results.filter((r) => r.verdict === verdict);
  const failed = pick('failed');
  if (failed.length > 0) {
    return { verdict: 'failed', detail: failed.map((r) => r.detail).join('; '), servers };
  }
  const pending = pick('pending');
  if (pending.length > 0) {
    return { verdict: 'pending', detail: pending.map((r) => r.detail).join('; '), servers };
  }
  return { verdict: 'launched', detail: results.map((r) => r.detail).join('; '), servers };
}
