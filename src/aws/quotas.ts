// DRS's job quotas: their Service Quotas codes (service code `drs`), DRS's current guide's figures,
// and how the plan's figures are lowered to the live values (read by src/actors/quotas.ts). The
// quota codes are not on an AWS documentation page we could find: they are taken from public
// projects that list them from the Service Quotas API (ASSUMED, see docs/operations.md). Pure:
// no SDK import, so the command line can ask `usesServiceQuotas` before loading any client.
import type { AwsFailure, JobLimits } from '../../machines/types.js';

export const DRS_SERVICE_CODE = 'drs';

/** The job quotas of DRS per account and region, with DRS's current guide's figures as defaults. */
export const DRS_JOB_QUOTAS = {
  serversPerJob: { code: 'L-B827C881', name: 'Max source servers in a single Job', default: 100 },
  serversInAllJobs: { code: 'L-05AFA8C6', name: 'Max source servers in all Jobs', default: 500 },
  concurrentJobs: { code: 'L-D88FAC3A', name: 'Concurrent jobs in progress', default: 20 },
} as const;
export type JobQuotaName = keyof typeof DRS_JOB_QUOTAS;
export const JOB_QUOTA_NAMES = Object.keys(DRS_JOB_QUOTAS) as JobQuotaName[];

/** What the job limits are when nothing else says: DRS's current guide. */
export const DEFAULT_JOB_LIMITS: JobLimits = {
  maxServers: DRS_JOB_QUOTAS.serversPerJob.default,
  maxInFlight: DRS_JOB_QUOTAS.serversInAllJobs.default,
  maxJobs: DRS_JOB_QUOTAS.concurrentJobs.default,
};

/**
 * The live quotas of one region (null: the DR region): a value per quota (absent: Service Quotas
 * does not know the code), or why they could not be read.
 */
export type QuotaRead =
  | { ok: true; region: string | null; values: Partial<Record<JobQuotaName, number>> }
  | { ok: false; region: string | null; failure: AwsFailure };

/** A read that could not be made: no Service Quotas client was given (an embedder, a Lambda). */
export function quotasNotReadable(region: string | null): QuotaRead {
  return {
    ok: false,
    region,
    failure: {
      kind: 'unknown',
      name: 'NoServiceQuotasClient',
      operation: 'GetServiceQuota',
      message: 'GetServiceQuota was not sent: no Service Quotas client was given',
      retryable: false,
    },
  };
}

/** The lowest value of each quota over the regions read. */
export function lowestQuotas(reads: readonly QuotaRead[]): Partial<Record<JobQuotaName, number>> {
  const lowest: Partial<Record<JobQuotaName, number>> = {};
  for (const read of reads) {
    if (!read.ok) continue;
    for (const name of JOB_QUOTA_NAMES) {
      const value = read.values[name];
      const known = lowest[name];
      if (value !== undefined) lowest[name] = known === undefined ? value : Math.min(known, value);
    }
  }
  return lowest;
}

/** The plan's limits, lowered to the live quotas where those are lower. */
export function effectiveLimits(
  plan: { maxServers: number; maxInFlight: number },
  live: Partial<Record<JobQuotaName, number>>,
): JobLimits {
  const lower = (a: number, b: number | undefined) => (b === undefined ? a : Math.min(a, b));
  const maxInFlight = lower(plan.maxInFlight, live.serversInAllJobs);
  return {
    maxServers: Math.min(lower(plan.maxServers, live.serversPerJob), maxInFlight),
    maxInFlight,
    maxJobs: live.concurrentJobs ?? DEFAULT_JOB_LIMITS.maxJobs,
  };
}

/**
 * Whether a plan reads the live quotas (and so needs `servicequotas:GetServiceQuota`): when a wave
 * needs more than one job at the plan's or DRS's per-job figure. Smaller waves start as one job
 * whatever the quotas say, so they are not read.
 */
export function usesServiceQuotas(plan: {
  job: { maxServers?: number };
  waves: readonly { servers: readonly unknown[] }[];
}): boolean {
  const perJob = Math.min(
    plan.job.maxServers ?? DEFAULT_JOB_LIMITS.maxServers,
    DEFAULT_JOB_LIMITS.maxServers,
  );
  return plan.waves.some((w) => w.servers.length > perJob);
}
