// DRS's job quotas read from AWS Service Quotas (`GetServiceQuota`). A code Service Quotas does
// not know (NoSuchResourceException) leaves that quota at its default; any other failure
// (AccessDenied first of all) leaves every quota unread, and the plan's values apply. Reads only.
import { GetServiceQuotaCommand } from '@aws-sdk/client-service-quotas';
import type { ServiceQuotasSender } from '../aws/clients.js';
import { classifyAwsError } from '../aws/errors.js';
import {
  DRS_JOB_QUOTAS,
  DRS_SERVICE_CODE,
  JOB_QUOTA_NAMES,
  type JobQuotaName,
  type QuotaRead,
} from '../aws/quotas.js';

/** GetServiceQuota for each DRS job quota, in order; stops at the first failure that is not "no such code". */
export async function readJobQuotas(sq: ServiceQuotasSender, region: string | null): Promise<QuotaRead> {
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
