// Where a command gets its AWS from: real SDK clients for one region, or the simulated world.
// The AWS SDK and the simulation are imported here, lazily, so `--help` and `validate` stay fast.
import type { ProbeRunner } from '../actors/types.js';
import type { AwsClients } from '../aws/clients.js';
import { type Clock, systemClock } from '../clock.js';
import type { Plan } from '../plan/types.js';
import { AwsSetupError } from './errors.js';

export interface AwsContext {
  clients: AwsClients;
  clock: Clock;
  /** Probe answers from the scenario under simulation; absent: real network probes. */
  probes?: ProbeRunner;
  simulated: boolean;
  region: string;
  /** Under simulation the run id derives from the scenario's seed, so dry runs are reproducible. */
  runId?: string;
  /** Settles `work`: in real time, or by moving the simulation's virtual clock. */
  drive<T>(work: Promise<T>): Promise<T>;
}

export interface AwsContextOptions {
  simulate?: string;
  region?: string;
  profile?: string;
  /** Simulation only: virtual seconds per real second; absent: as fast as possible. */
  speed?: number;
  /** Read for credential hints; defaults to process.env. */
  env?: Readonly<Record<string, string | undefined>>;
}

export async function createAwsContext(plan: Plan, options: AwsContextOptions): Promise<AwsContext> {
  if (options.simulate !== undefined) return createSimulatedContext(plan, options.simulate, options.speed);
  if (options.speed !== undefined) throw new AwsSetupError('--speed only applies with --simulate <scenario>');
  return createRealContext(plan, options);
}

async function createSimulatedContext(plan: Plan, scenarioPath: string, speed?: number): Promise<AwsContext> {
  const { createSimulatedAws } = await import('../sim/index.js');
  const sim = createSimulatedAws(scenarioPath);
  return {
    clients: sim.clients,
    clock: sim.clock,
    probes: sim.probes,
    simulated: true,
    region: plan.region,
    runId: sim.runId(),
    drive: (work) => sim.clock.run(work, speed === undefined ? {} : { speed }),
  };
}

async function createRealContext(plan: Plan, options: AwsContextOptions): Promise<AwsContext> {
  const region = options.region ?? plan.region;
  if (options.profile !== undefined) {
    // The DRS client of this SDK line has no `profile` setting; the credential chain reads AWS_PROFILE.
    process.env.AWS_PROFILE = options.profile;
  }
  const [{ DrsClient }, { EC2Client }, { SNSClient }] = await Promise.all([
    import('@aws-sdk/client-drs'),
    import('@aws-sdk/client-ec2'),
    import('@aws-sdk/client-sns'),
  ]);
  // AWS_ENDPOINT_URL and the rest of the usual configuration are honoured by the SDK itself.
  // No SDK-level retries for DRS: a StartFailbackLaunch resent blindly after a timeout could
  // launch twice. The machine retries polls itself and re-reads AWS before any mutating call.
  const drs = new DrsClient({ region, maxAttempts: 1 });
  const ec2 = new EC2Client({ region });
  // The notifier has its own retry with backoff, in the background.
  const sns = plan.notifications ? new SNSClient({ region, maxAttempts: 1 }) : undefined;
  await assertCredentials(() => drs.config.credentials(), region, options);
  return {
    clients: sns ? { drs, ec2, sns } : { drs, ec2 },
    clock: systemClock,
    simulated: false,
    region,
    drive: (work) => work,
  };
}

/** Resolves credentials once, up front, so a missing setup is one sentence before anything runs. */
async function assertCredentials(
  resolve: () => Promise<unknown>,
  region: string,
  options: AwsContextOptions,
): Promise<void> {
  try {
    await resolve();
  } catch (error) {
    const why = error instanceof Error ? error.message.split('\n')[0] : String(error);
    const profile = options.profile ?? options.env?.AWS_PROFILE;
    throw new AwsSetupError(
      `no usable AWS credentials for ${region}${profile ? ` (profile ${profile})` : ''}: ${why}. ` +
        'Set AWS_PROFILE or pass --profile (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), ' +
        'or try it first with --simulate <scenario>.',
    );
  }
}
