// Who the tool acts as, read before anything else: STS GetCallerIdentity in every region the plan
// names (the DR region, each `aws.origins` region), through the instrumented clients, so it shows
// in the event stream as `aws.request` (service `sts`). The plan's `aws.allowedAccounts` and each
// origin's `account` are enforced here, before any other call.
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { planTargets } from '../plan/targets.js';
import type { Plan } from '../plan/types.js';
import type { DrTarget, StsSender } from './clients.js';

export interface CallerIdentity {
  region: string;
  account: string;
  /** The principal's ARN, e.g. arn:aws:sts::111122223333:assumed-role/failback/drs-failback. */
  principal: string;
  /** The plan's `aws.accounts` name, for the identity read in a wave target's account. */
  accountName?: string;
}

/** The plan pins accounts and the caller is in another one: nothing was sent but GetCallerIdentity. */
export class AccountMismatchError extends Error {
  override name = 'AccountMismatchError';
}

/** The AWS endpoint could not be reached at all (DNS, refused, timeout): nothing was changed. */
export class EndpointUnreachableError extends Error {
  override name = 'EndpointUnreachableError';
}

/** The credentials were refused or could not be resolved (expired SSO session, MFA in a script). */
export class CredentialsError extends Error {
  override name = 'CredentialsError';
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

const CREDENTIAL_ERRORS = new Set([
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'UnrecognizedClientException',
  'AccessDenied',
  'CredentialsProviderError',
  'TokenProviderError',
]);

function networkCode(error: unknown): string | null {
  let node: unknown = error;
  for (let depth = 0; depth < 4 && typeof node === 'object' && node !== null; depth++) {
    const code = (node as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
    node = (node as { cause?: unknown }).cause;
  }
  return null;
}

/** The regions whose identity a command reads: the DR region first, then each named origin. */
export function identityRegions(plan: Plan, region: string): string[] {
  const origins = Object.keys(plan.aws?.origins ?? {}).filter((r) => r !== region);
  return [region, ...origins];
}

export interface ReadIdentitiesOptions {
  plan: Plan;
  /**
   * The STS client of each wave target in another account (`aws.accounts`), instrumented: its
   * identity is read after the regions' and must be the entry's `accountId`.
   */
  stsOfAccount?: (target: DrTarget) => StsSender;
  /** The DR region (the plan's, or --region). */
  region: string;
  /** The STS client of each region, instrumented. */
  stsFor: (region: string) => StsSender;
  /** Names the endpoint in the unreachable sentence. */
  endpointOf?: (region: string) => string;
}

/** Reads the caller's identity in every region and checks it against the plan's accounts. */
export async function readIdentities(options: ReadIdentitiesOptions): Promise<CallerIdentity[]> {
  const { plan, region } = options;
  const identities: CallerIdentity[] = [];
  for (const r of identityRegions(plan, region)) {
    identities.push(await readIdentity(options, r));
  }
  checkAccounts(plan, identities);
  if (options.stsOfAccount) {
    for (const target of planTargets(plan, region)) {
      if (target.accountId === undefined) continue;
      const identity = await readIdentity(
        { ...options, stsFor: () => stsOf(options, target) },
        target.region,
      );
      if (identity.account !== target.accountId) {
        throw new AccountMismatchError(
          `account ${target.account} in ${target.region} answers as account ${identity.account} (as ${identity.principal}), but the plan says ${target.accountId}: check aws.accounts.${target.account}.role; nothing was changed.`,
        );
      }
      identities.push({
        ...identity,
        ...(target.account !== undefined ? { accountName: target.account } : {}),
      });
    }
  }
  return identities;
}

function stsOf(options: ReadIdentitiesOptions, target: DrTarget): StsSender {
  const sts = options.stsOfAccount?.(target);
  if (!sts) throw new Error(`no STS client for account ${target.account}`);
  return sts;
}

async function readIdentity(options: ReadIdentitiesOptions, region: string): Promise<CallerIdentity> {
  try {
    const out = await options.stsFor(region).send(new GetCallerIdentityCommand({}));
    return { region, account: out.Account ?? 'unknown', principal: out.Arn ?? 'unknown' };
  } catch (error) {
    const code = networkCode(error);
    if (code !== null) {
      const endpoint = options.endpointOf?.(region) ?? `sts.${region}.amazonaws.com`;
      throw new EndpointUnreachableError(
        `cannot reach the AWS endpoint ${endpoint} (${code}): check the network, proxy or AWS_ENDPOINT_URL; nothing was changed.`,
      );
    }
    if (error instanceof CredentialsError) throw error;
    const name = error instanceof Error ? error.name : '';
    if (CREDENTIAL_ERRORS.has(name) || /credential|token|sso|mfa/i.test(name)) {
      throw new CredentialsError(
        `the AWS credentials for ${region} were refused (${error instanceof Error ? `${error.name}: ${error.message.split('\n')[0]}` : String(error)}): ` +
          'refresh them (`aws sso login` for an SSO profile) or pass another --profile; nothing was changed.',
      );
    }
    throw error;
  }
}

/** `aws.allowedAccounts` for the DR region and each origin's `account`: exit 2 on a mismatch. */
export function checkAccounts(plan: Plan, identities: readonly CallerIdentity[]): void {
  const allowed = plan.aws?.allowedAccounts;
  for (const identity of identities) {
    const expected = plan.aws?.origins?.[identity.region]?.account;
    const ok =
      expected !== undefined
        ? identity.account === expected
        : allowed === undefined || allowed.includes(identity.account);
    if (ok) continue;
    const wanted = expected !== undefined ? [expected] : (allowed ?? []);
    throw new AccountMismatchError(
      `${identity.region} is account ${identity.account} (as ${identity.principal}), but the plan allows only ` +
        `${wanted.join(', ')}: use the credentials of the right account (--profile, or the plan's aws.role); nothing was changed.`,
    );
  }
}

/** "account 111122223333 as arn:aws:iam::111122223333:user/alice" */
export function identityLine(identity: CallerIdentity): string {
  return `account ${identity.account} as ${identity.principal}`;
}
