// Service Quotas as a failback reads it: GetServiceQuota of DRS's job quotas, answered with the
// world's limits, the same ones the simulated DRS enforces on its starts (jobs.ts). The quota codes
// are ASSUMED (src/aws/quotas.ts); any other code or service is NoSuchResourceException, as AWS
// answers for a quota it does not know. DRS's job quotas are not adjustable by the current guide.
import type { GetServiceQuotaCommandInput, ServiceQuota } from '@aws-sdk/client-service-quotas';
import { DRS_JOB_QUOTAS, DRS_SERVICE_CODE, JOB_QUOTA_NAMES, type JobQuotaName } from '../aws/quotas.js';
import { serviceQuotasError } from './errors.js';
import type { World } from './world.js';

/** The world's value of each DRS job quota. */
export function jobQuotaValues(world: World): Record<JobQuotaName, number> {
  const { concurrentJobs, serversInAllJobs, serversPerJob } = world.scenario.limits;
  return {
    serversPerJob: serversPerJob ?? DRS_JOB_QUOTAS.serversPerJob.default,
    serversInAllJobs,
    concurrentJobs,
  };
}

export function getServiceQuota(world: World, input: GetServiceQuotaCommandInput): { Quota: ServiceQuota } {
  const name = JOB_QUOTA_NAMES.find((n) => DRS_JOB_QUOTAS[n].code === input.QuotaCode);
  if (input.ServiceCode !== DRS_SERVICE_CODE || name === undefined) {
    throw serviceQuotasError(
      'NoSuchResourceException',
      `The request failed because the specified service quota ${String(input.QuotaCode)} of ${String(input.ServiceCode)} does not exist.`,
      world.requestId,
    );
  }
  const quota = DRS_JOB_QUOTAS[name];
  return {
    Quota: {
      ServiceCode: DRS_SERVICE_CODE,
      ServiceName: 'AWS Elastic Disaster Recovery',
      QuotaArn: `arn:aws:servicequotas:${world.region}:${world.scenario.accountId}:${DRS_SERVICE_CODE}/${quota.code}`,
      QuotaCode: quota.code,
      QuotaName: quota.name,
      Value: jobQuotaValues(world)[name],
      Unit: 'None',
      Adjustable: false,
      GlobalQuota: false,
    },
  };
}
