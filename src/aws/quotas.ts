// DRS's job quotas and their live values from AWS Service Quotas (`GetServiceQuota`, service code
// `drs`). The quota codes are not on an AWS documentation page we could find: they are taken from
// public projects that list them from the Service Quotas API (ASSUMED, see docs/operations.md).
// A code Service Quotas does not know (NoSuchResourceException) leaves that quota at its default;
// any other failure (AccessDenied first of all) leaves every quota unread, and the plan's values
// apply. Reads only.
import { GetServiceQuotaCommand } from '@aws-sdk/client-service-quotas';
import type { AwsFailure, JobLimits } from '../../machines/types.js';
import type { ServiceQuotasSender } from './clients.js';
import { classifyAwsError } from './errors.js';

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

/** The live quotas of one region: a value per quota (absent: Service Quotas does not know the code). */
export type QuotaRead =
  | { ok: true; region: string; values: Partial<Record<JobQuotaName, number>> }
  | { ok: false; region: string; failure: AwsFailure };

/** GetServiceQuota for each DRS job quota, in order; stops at the first failure that is not "no such code". */
export async function readJobQuotas(sq: ServiceQuotasSender, region: string): Promise<QuotaRead> {
  const values: Partial<Record<JobQuotaName, number>> = {};
  for (const name of JOB_QUOTA_NAMES) {
    const { code } = DRS_JOB_QUOTAS[name];
    try {
      const out = await sq.send(
        new GetServiceQuotaCommand({ ServiceCode: DRS_SERVICE_CODE, QuotaCode: code }),
      );
      const value = out.Quota?.Value;
      if (typeof value === 'number' && Number.isFinite(value) && value >= 1) values[name] = Math.floor(value);
    } catch (error) {
      const failure = classifyAwsError(error, 'GetServiceQuota', code);
      if (failure.kind === 'not-found') continue;
      return { ok: false, region, failure };
    }
  }
  return { ok: true, region, values };
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
