// The caller's AWS identity at the start of a command: read through the instrumented STS clients
// (their events join the command's stream), then shown in the header.
import { type CallerIdentity, CredentialsError } from '../aws/identity.js';
import type { RunEventBody } from '../events.js';
import type { AwsContext } from './aws-context.js';
import { type CliIO, isInteractive, type Palette } from './io.js';

export interface IdentityRead {
  identities: CallerIdentity[];
  /**
   * The `aws.request`/`aws.response` bodies of the reads, in order, not yet stamped: the run
   * emits them right after its `run.started`, so its stream still begins with `run.started`.
   */
  events: RunEventBody[];
}

/**
 * GetCallerIdentity in every region the plan names, for a run about to start. Throws
 * AccountMismatchError (exit 2), CredentialsError (exit 2) or EndpointUnreachableError (exit 3)
 * before any other call.
 */
export async function readCallerIdentity(aws: AwsContext): Promise<IdentityRead> {
  const events: RunEventBody[] = [];
  const identities = await aws.identify((body) => {
    events.push(body);
  });
  return { identities, events };
}

/** The header lines: account and principal per region, and why this region. */
export function identityLines(identities: readonly CallerIdentity[], aws: AwsContext, p: Palette): string[] {
  const [dr, ...origins] = identities;
  if (!dr) return [];
  const simulated = aws.simulated ? ' (simulated)' : '';
  return [
    `  aws: ${p.bold(`account ${dr.account}`)} as ${dr.principal}${simulated}`,
    `  region: ${dr.region}, ${aws.regionWhy}`,
    ...origins.map((o) =>
      o.accountName !== undefined
        ? `  account ${o.accountName} in ${o.region}: ${p.bold(`account ${o.account}`)} as ${o.principal}`
        : `  origin ${o.region}: ${p.bold(`account ${o.account}`)} as ${o.principal}`,
    ),
  ];
}

/**
 * On a terminal, asks for the MFA code of a profile with `mfa_serial` (the SDK calls it while it
 * resolves the credentials); in a script there is no one to ask: undefined.
 */
export function mfaPrompt(io: CliIO): { askMfaCode?: (serial: string) => Promise<string> } {
  if (!isInteractive(io)) return {};
  return {
    askMfaCode: async (serial) => {
      const { password, isCancel } = await import('@clack/prompts');
      const code = await password({ message: `MFA code for ${serial}`, input: io.stdin, output: io.stdout });
      // Nothing typed, or Ctrl-C: nothing is sent to STS (an empty code would only be refused there).
      const typed = isCancel(code) ? '' : code.trim();
      if (typed === '') {
        throw new CredentialsError(
          `no MFA code was typed for ${serial}${isCancel(code) ? ' (cancelled)' : ''}: nothing was sent or changed; run the command again and type the code your device shows.`,
        );
      }
      return typed;
    },
  };
}
