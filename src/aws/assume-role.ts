// Credentials of a role the plan names (`aws.role`, `aws.origins.<region>.role`), assumed with STS
// and renewed five minutes before they expire (what the SDK's fromTemporaryCredentials does; that
// package is not a dependency). Used by the CLI and by the Step Functions engine's actor Lambda.
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import type { PlanRole } from '../plan/types.js';
import type { StsSender } from './clients.js';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

export type CredentialProvider = () => Promise<AwsCredentials>;

export const ROLE_SESSION_NAME = 'drs-failback';

/**
 * A provider of `role`'s credentials, assumed through `sts` (which holds the source credentials).
 * `missing` makes the error thrown when STS answers without credentials.
 */
export function assumedRoleProvider(
  role: PlanRole,
  sts: StsSender,
  now: () => number = Date.now,
  missing: (message: string) => Error = (message) => new Error(message),
): CredentialProvider {
  let cached: AwsCredentials | undefined;
  return async () => {
    if (cached && (cached.expiration === undefined || cached.expiration.getTime() - now() > 5 * 60_000))
      return cached;
    const out = await sts.send(
      new AssumeRoleCommand({
        RoleArn: role.arn,
        RoleSessionName: ROLE_SESSION_NAME,
        ...(role.externalId !== undefined ? { ExternalId: role.externalId } : {}),
      }),
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey)
      throw missing(`AssumeRole ${role.arn} returned no credentials`);
    cached = {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
      ...(c.Expiration ? { expiration: c.Expiration } : {}),
    };
    return cached;
  };
}
