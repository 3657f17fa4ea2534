// quota: how the wave's servers are launched as DRS jobs, and whether they can all start at once.
// The plan's `job.maxServers`/`job.maxInFlight`, lowered to DRS's live quotas where those were read
// (Service Quotas); a quota that could not be read leaves the plan's value. Warns, never fails: a
// wave that cannot start at once starts what it may and waits for the rest
// (`startingFailback.waitingForQuota`). Said only when there is something to say: the plan reads
// the quotas, or the wave cannot start at once.
import { type Job, JobStatus } from '@aws-sdk/client-drs';
import type { JobLimits } from '../../machines/types.js';
import { DEFAULT_JOB_LIMITS, effectiveLimits, type JobQuotaName, lowestQuotas } from '../aws/quotas.js';
import { resolvedServers } from './resolve.js';
import type { CheckOutcome, Precheck, WaveReads } from './types.js';

export const QUOTA = 'quota';

export type QuotaData = {
  /** What the start honours: jobs of `maxServers`, `maxInFlight` servers and `maxJobs` jobs at once. */
  limits: { maxServers: number; maxInFlight: number; maxJobs: number };
  /** The plan's figures. */
  plan: { maxServers: number; maxInFlight: number };
  /** The live quotas read (lowest over the regions), or null when none was read. */
  live: {
    serversPerJob: number | null;
    serversInAllJobs: number | null;
    concurrentJobs: number | null;
  } | null;
  /** Regions whose quotas could not be read (null: the DR region), with the error's name. */
  unread: { region: string | null; name: string; iamAction: string | null }[];
  servers: number;
  /** Jobs the wave is launched as, at `limits.maxServers` per job. */
  jobs: number;
  /** Servers and jobs other active DRS jobs hold where the wave launches (the DR region, origin regions). */
  busyServers: number;
  activeJobs: number;
  /** How many of the wave's servers may start at once; fewer than `servers`: the rest wait. */
  startsAtOnce: number;
};

/** Active jobs (not COMPLETED) of every region the wave launches in, as read by the precheck. */
function activeJobsWhereLaunched(reads: WaveReads): Job[] {
  const servers = resolvedServers(reads);
  const regions = new Set(servers.filter((s) => s.origin === 'AWS').map((s) => s.originRegion ?? ''));
  const lists: (readonly Job[])[] = [];
  if (servers.length === 0 || servers.some((s) => s.origin !== 'AWS')) {
    if (reads.jobs?.ok) lists.push(reads.jobs.value);
  }
  for (const region of regions) {
    const read = reads.originRegions.get(region)?.jobs;
    if (read?.ok) lists.push(read.value);
  }
  return lists.flat().filter((j) => j.status !== JobStatus.COMPLETED);
}

/** The job limits a wave's start honours, from the plan's figures and the quotas read. */
export function jobLimitsOf(reads: WaveReads): JobLimits {
  const plan = reads.input.jobs ?? DEFAULT_JOB_LIMITS;
  return effectiveLimits(plan, lowestQuotas(reads.quotas ?? []));
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
const where = (region: string | null) => (region === null ? 'the DR region' : region);

export const quota: Precheck<typeof QUOTA, QuotaData> = {
  name: QUOTA,
  evaluate(reads) {
    const plan = reads.input.jobs ?? { ...DEFAULT_JOB_LIMITS, readQuotas: false };
    const limits = jobLimitsOf(reads);
    const live = lowestQuotas(reads.quotas ?? []);
    const anyRead = (reads.quotas ?? []).some((r) => r.ok);
    const unread = (reads.quotas ?? []).flatMap((r) =>
      r.ok ? [] : [{ region: r.region, name: r.failure.name, iamAction: r.failure.iamAction ?? null }],
    );
    const servers = reads.input.servers.length;
    const jobs = Math.ceil(servers / limits.maxServers);
    const active = activeJobsWhereLaunched(reads);
    const busyServers = active.reduce((n, j) => n + (j.participatingServers?.length ?? 0), 0);
    const freeServers = Math.max(0, limits.maxInFlight - busyServers);
    const freeJobs = Math.max(0, limits.maxJobs - active.length);
    const startsAtOnce = Math.min(servers, freeServers, freeJobs * limits.maxServers);

    const problems: string[] = [];
    for (const u of unread) {
      problems.push(
        `DRS's job quotas could not be read in ${where(u.region)} (${u.name}${u.iamAction ? `; grant ${u.iamAction}` : ''}): the plan's values apply`,
      );
    }
    const lowered: [string, number, JobQuotaName][] = [
      ['job.maxServers', plan.maxServers, 'serversPerJob'],
      ['job.maxInFlight', plan.maxInFlight, 'serversInAllJobs'],
    ];
    for (const [key, value, name] of lowered) {
      const quotaValue = live[name];
      if (quotaValue !== undefined && value > quotaValue) {
        problems.push(`${key} ${value} is above DRS's quota of ${quotaValue}: ${quotaValue} applies`);
      }
    }
    if (startsAtOnce < servers) {
      const held =
        active.length > 0
          ? `; other active jobs hold ${plural(busyServers, 'server')} in ${plural(active.length, 'job')}`
          : '';
      problems.push(
        `${plural(servers, 'server')} in ${plural(jobs, 'job')}, but only ${startsAtOnce} can start at once (at most ${limits.maxInFlight} in flight and ${limits.maxJobs} jobs${held}): the rest wait for earlier jobs to finish, past the point of no return`,
      );
    }
    if (!plan.readQuotas && problems.length === 0) return [];

    const data: QuotaData = {
      limits,
      plan: { maxServers: plan.maxServers, maxInFlight: plan.maxInFlight },
      live: anyRead
        ? {
            serversPerJob: live.serversPerJob ?? null,
            serversInAllJobs: live.serversInAllJobs ?? null,
            concurrentJobs: live.concurrentJobs ?? null,
          }
        : null,
      unread,
      servers,
      jobs,
      busyServers,
      activeJobs: active.length,
      startsAtOnce,
    };
    const summary = `jobs of at most ${limits.maxServers} servers, ${limits.maxInFlight} in flight, ${limits.maxJobs} jobs at once${anyRead ? " (DRS's live quotas read)" : ''}`;
    const outcome: CheckOutcome<QuotaData> =
      problems.length > 0
        ? { server: '*', status: 'warn', detail: `${problems.join('; ')}; ${summary}`, data }
        : {
            server: '*',
            status: 'pass',
            detail: `${plural(servers, 'server')} start at once as ${plural(jobs, 'job')}: ${summary}`,
            data,
          };
    return [outcome];
  },
};
