import type { DrsClient } from '@aws-sdk/client-drs';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { STSClient } from '@aws-sdk/client-sts';

// The one seam to AWS: anything with the SDK client's `send` will do (a real client, a client
// under aws-sdk-client-mock, the simulated world, an embedder's own wrapper).
export type DrsSender = Pick<DrsClient, 'send'>;
export type Ec2Sender = Pick<EC2Client, 'send'>;
export type SnsSender = Pick<SNSClient, 'send'>;
export type StsSender = Pick<STSClient, 'send'>;
export type ServiceQuotasSender = Pick<ServiceQuotasClient, 'send'>;

/** The clients of one region. */
export interface RegionalClients {
  drs: DrsSender;
  ec2: Ec2Sender;
  /** Who the region's clients act as (GetCallerIdentity); absent: not asked. */
  sts?: StsSender;
  /** DRS's job quotas (GetServiceQuota); absent: not read, the plan's values apply. */
  serviceQuotas?: ServiceQuotasSender;
}

/**
 * Where a wave acts: a DR account (absent: the one the clients act in) and a DR region. The
 * account's role, when given, is assumed by whoever builds the target's clients.
 */
export interface DrTarget {
  /** The name of the plan's `aws.accounts` entry. */
  account?: string;
  accountId?: string;
  region: string;
  role?: { arn: string; externalId?: string };
}

/** The clients of one wave target: its region's, and (EC2 origin) other regions' of the same account. */
export interface TargetClients extends RegionalClients {
  forRegion?: (region: string) => RegionalClients;
  /**
   * Clients of a wave that acts in another account or DR region (plan keys `aws.accounts`,
   * `waves[].account`, `waves[].region`). Absent: another region of the same account is answered
   * by `forRegion`, and another account cannot be reached (the run refuses to start).
   */
  forTarget?: (target: DrTarget) => TargetClients;
}

export interface AwsClients {
  /** Clients for the plan's region: the DR region, where the recovery instances run. */
  drs: DrsSender;
  ec2: Ec2Sender;
  /** Who the clients act as (GetCallerIdentity); absent: not asked (embedders, tests). */
  sts?: StsSender;
  /** DRS's job quotas (GetServiceQuota), when the plan reads them; absent: the plan's values apply. */
  serviceQuotas?: ServiceQuotasSender;
  /** Only needed when the plan names a notification topic. */
  sns?: SnsSender;
  /**
   * Clients for another region: servers that came from EC2 fail back by launching in their
   * origin region. Absent: every region is answered by the clients above (one-region setups).
   */
  forRegion?: (region: string) => RegionalClients;
  /**
   * Clients of a wave that acts in another account or DR region (plan keys `aws.accounts`,
   * `waves[].account`, `waves[].region`). Absent: another region of the same account is answered
   * by `forRegion`, and another account cannot be reached (the run refuses to start).
   */
  forTarget?: (target: DrTarget) => TargetClients;
}
