// Where a command gets its AWS from: real SDK clients for one region, or the simulated world.
// The AWS SDK and the simulation are imported here, lazily, so `--help` and `validate` stay fast.

import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { ProbeRunner, WriteControl } from '../actors/types.js';
import { assumedRoleProvider as assumeRole, type CredentialProvider } from '../aws/assume-role.js';
import type { AwsClients, DrTarget, ServiceQuotasSender, StsSender, TargetClients } from '../aws/clients.js';
import { type CallerIdentity, CredentialsError, readIdentities } from '../aws/identity.js';
import { instrumentAwsClients, instrumentClient } from '../aws/instrument.js';
import { usesServiceQuotas } from '../aws/quotas.js';
import { type Clock, systemClock } from '../clock.js';
import type { EmitEvent } from '../events.js';
import { planTargets } from '../plan/targets.js';
import type { Plan, PlanRole } from '../plan/types.js';
import type { SimulatedAws, SimulatedEstate } from '../sim/index.js';
import type { SavedSimulation } from '../sim/journal.js';
import type { WorldState } from '../sim/state.js';
import { tempPathFor, writeAllSync } from '../store/atomic.js';
import { AwsSetupError } from './errors.js';

export interface AwsContext {
  clients: AwsClients;
  clock: Clock;
  /** Probe answers from the scenario under simulation; absent: real network probes. */
  probes?: ProbeRunner;
  /** Under simulation: the world stops the writes on the DR side at the cutover. */
  writes?: WriteControl;
  simulated: boolean;
  region: string;
  /** Why this region: `--region`, or the plan's DR region (and an AWS_REGION that differs). */
  regionWhy: string;
  /**
   * Reads who the clients act as in every region the plan names (GetCallerIdentity, through
   * clients instrumented with `emit`) and enforces the plan's accounts: call before anything else.
   */
  identify(emit: EmitEvent): Promise<CallerIdentity[]>;
  /** Under simulation the run id derives from the scenario's seed, so dry runs are reproducible. */
  runId?: string;
  /** Settles `work`: in real time, or by moving the simulation's virtual clock. */
  drive<T>(work: Promise<T>): Promise<T>;
  /**
   * Simulation only (a no-op against AWS): keeps the simulated world in `file`, written now and
   * after every call that changes it, so a resumed run continues in the same world.
   */
  keepWorldIn(file: string): void;
  /** Writes the simulated world now (after a step, at exit); a no-op against AWS. */
  saveWorld(): void;
  /**
   * Simulation only: the world `prepare` left in the state directory for this scenario, when the
   * command continues in it instead of a new world.
   */
  preparedWorld?: string;
}

export interface AwsContextOptions {
  /** Path of a scenario file: a new simulated world. */
  simulate?: string;
  /**
   * The text of a simulated world file an earlier process kept (resume: its journal, or a whole
   * world in the format before the journal): the run continues in that world.
   */
  simulatedWorld?: string;
  region?: string;
  profile?: string;
  /** Simulation only: virtual seconds per real second; absent: as fast as possible. */
  speed?: number;
  /** Read for credential hints; defaults to process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * Simulation only: the state directory. A world that `prepare` changed for this scenario is kept
   * there, and later commands with the same scenario (check, run, prepare) continue in it, as
   * they would in AWS, where a reversal stays done.
   */
  stateDir?: string;
  /** `prepare`: keep this scenario's world in the state directory, saved after every change. */
  keepScenarioWorld?: boolean;
  /**
   * Asks for the MFA code of a profile with `mfa_serial` (on a terminal); absent: a script, and a
   * profile that needs a code fails with one sentence.
   */
  askMfaCode?: (mfaSerial: string) => Promise<string>;
}

/** Which region and why, in the header's words. */
export function regionReason(plan: Plan, options: AwsContextOptions): { region: string; why: string } {
  const region = options.region ?? plan.region;
  const why =
    options.region !== undefined && options.region !== plan.region
      ? `--region (the plan says ${plan.region})`
      : options.region !== undefined
        ? '--region, same as the plan'
        : "the plan's DR region";
  const envRegion = options.env?.AWS_REGION ?? options.env?.AWS_DEFAULT_REGION;
  const envNote =
    envRegion !== undefined && envRegion !== '' && envRegion !== region
      ? `; AWS_REGION=${envRegion} is not used (pass --region to change it)`
      : '';
  return { region, why: `${why}${envNote}` };
}

/** The identity reader of a context: STS of each region, instrumented with the caller's emit. */
function identifier(
  plan: Plan,
  region: string,
  clients: AwsClients,
  endpointOf?: (region: string) => string,
): (emit: EmitEvent) => Promise<CallerIdentity[]> {
  return (emit) => {
    const instrumented = instrumentAwsClients(clients, region, emit);
    const stsFor = (r: string): StsSender => {
      const sts = r === region ? instrumented.sts : instrumented.regional?.(r).sts;
      if (!sts) throw new Error(`no STS client for ${r}`);
      return sts;
    };
    const stsOfAccount = (target: DrTarget): StsSender => {
      const sts = clients.forTarget?.(target).sts;
      if (!sts) throw new Error(`no STS client for account ${target.account}`);
      // Its aws.request names the account, as every call in a wave target's account does.
      const account = target.account;
      return instrumentClient(sts, {
        service: 'sts',
        region: target.region,
        emit:
          account === undefined
            ? emit
            : (body) => emit(body.type === 'aws.request' ? { ...body, account } : body),
      });
    };
    return readIdentities({
      plan,
      region,
      stsFor,
      ...(clients.forTarget ? { stsOfAccount } : {}),
      ...(endpointOf ? { endpointOf } : {}),
    });
  };
}

/**
 * `<stateDir>/simulations/<name>-<hash>.world.ndjson`: the world of one scenario file as `prepare`
 * left it. The hash covers the file's path and text, so an edited scenario starts a new world.
 */
export function scenarioWorldFile(stateDir: string, scenarioPath: string): string {
  const path = resolve(scenarioPath);
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    // A missing scenario is reported by the simulation itself, with its file name.
  }
  const hash = createHash('sha256').update(`${path}\n${text}`).digest('hex').slice(0, 16);
  const name = path.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '');
  return join(resolve(stateDir), 'simulations', `${name}-${hash}.world.ndjson`);
}

export async function createAwsContext(plan: Plan, options: AwsContextOptions): Promise<AwsContext> {
  if (options.simulatedWorld !== undefined || options.simulate !== undefined) {
    return createSimulatedContext(plan, options);
  }
  if (options.speed !== undefined) throw new AwsSetupError('--speed only applies with --simulate <scenario>');
  return createRealContext(plan, options);
}

async function createSimulatedContext(plan: Plan, options: AwsContextOptions): Promise<AwsContext> {
  const sim = await import('../sim/index.js');
  const scenarioFile =
    options.simulatedWorld === undefined && options.simulate !== undefined && options.stateDir !== undefined
      ? scenarioWorldFile(options.stateDir, options.simulate)
      : null;
  const prepared = scenarioFile !== null && existsSync(scenarioFile) ? scenarioFile : null;
  const saved =
    options.simulatedWorld !== undefined
      ? sim.simulationFromText(options.simulatedWorld)
      : prepared !== null
        ? sim.simulationFromText(readFileSync(prepared, 'utf8'), prepared)
        : null;
  const worlds =
    saved !== null ? simulatedWorlds(sim, saved) : newSimulatedWorlds(sim, plan, options.simulate ?? '');
  const { home, estate } = worlds;
  const all = estate ? [...estate.worlds.values()] : [home];
  const clock = home.clock;
  let worldFile: string | null = null;
  // The world is kept as an append-only journal (src/sim/journal.ts): every answered call is
  // appended, synchronously, before the run hears its answer, so a killed process loses no call
  // and a restart draws no request id twice; a step appends only what it did. Not fsynced: a
  // simulated world only has to survive its process, not a power cut. An estate keeps its worlds
  // in one journal, each line naming its world.
  let journal: number | null = null;
  let journaledNow = Number.NaN;
  const append = (line: string) => {
    if (journal !== null) writeAllSync(journal, line);
  };
  all.forEach((world, index) => {
    const tag = estate ? index : undefined;
    world.world.onCall((call) => {
      append(sim.journalCallLine(call, tag));
      journaledNow = Date.parse(call.at);
    });
    // The quiesce (World.stopWrites) is no AWS call: the journal keeps it too, or a resumed run
    // would find the writes flowing again.
    world.world.onWrites((change) => {
      append(sim.journalWritesLine(change, tag));
      journaledNow = change.at;
    });
  });
  /** Starts the journal in `worldFile` with the world as it stands (replacing the file whole). */
  const startJournal = () => {
    if (worldFile === null) return;
    if (journal !== null) closeSync(journal);
    const temp = tempPathFor(worldFile);
    const header = estate ? sim.estateJournalHeaderLine(estate.save()) : sim.journalHeaderLine(home.save());
    writeFileSync(temp, header, { mode: 0o600 });
    renameSync(temp, worldFile);
    journal = openSync(worldFile, 'a');
    journaledNow = clock.now();
  };
  // Between calls only virtual time moves: one short line when it did.
  const saveWorld = () => {
    if (worldFile === null) return;
    if (journal === null) return startJournal();
    const now = clock.now();
    if (now !== journaledNow) {
      append(sim.journalNowLine(now));
      journaledNow = now;
    }
  };
  if (options.keepScenarioWorld && scenarioFile !== null) {
    mkdirSync(join(scenarioFile, '..'), { recursive: true, mode: 0o700 });
    worldFile = scenarioFile;
    startJournal();
  }
  const speed = options.speed;
  // The plan's roles are assumed as the SDK's credential providers would: before any call, and
  // not through the instrumented clients.
  await assumeSimulatedRoles(plan, plan.region, (r) => home.clients.forRegion(r).sts);
  const clients: AwsClients = estate ? estate.clients : { ...home.clients, forTarget: oneAccount(home) };
  if (estate) {
    // Each account's role, in its own worlds (GetCallerIdentity then answers that role, as in AWS).
    for (const target of planTargets(plan, plan.region)) {
      if (target.role === undefined || target.accountId === undefined) continue;
      await assumeSimulatedRole(estate.clients.forTarget?.(target).sts, target.role);
    }
  }
  return {
    // EC2-origin servers launch in their origin region, in the same simulated world (forRegion).
    clients,
    clock,
    probes: estate ? estate.probes : home.probes,
    writes: estate ? estate.writes : home.writes,
    simulated: true,
    region: plan.region,
    regionWhy:
      options.region !== undefined
        ? "the scenario's region (--region does not apply to a simulation)"
        : "the plan's DR region",
    identify: identifier(plan, plan.region, clients),
    runId: home.runId(),
    drive: (work) => clock.run(work, speed === undefined ? {} : { speed }),
    keepWorldIn: (file) => {
      worldFile = file;
      startJournal();
      // The run's journal now holds every call with its input (the header those before, a line
      // each those after) and is never started again: in memory only the calls' records are read.
      for (const world of all) world.world.keepCallInputs(false);
    },
    saveWorld,
    ...(prepared !== null ? { preparedWorld: prepared } : {}),
  };
}

type SimModule = typeof import('../sim/index.js');

/** The worlds of a simulated command: one world (a plain scenario), or an estate of several. */
interface SimulatedWorlds {
  home: SimulatedAws;
  estate?: SimulatedEstate;
}

/** The worlds an earlier process kept (a run's journal, or the world `prepare` left). */
function simulatedWorlds(sim: SimModule, saved: SavedSimulation): SimulatedWorlds {
  if (!saved.estate) return { home: sim.loadSimulatedAws(saved.worlds[0] as WorldState) };
  const estate = sim.loadSimulatedEstate(saved.worlds);
  return { home: estate.home, estate };
}

/** New worlds from the `--simulate` file, checked against the plan they rehearse (ConfigError naming the file). */
function newSimulatedWorlds(sim: SimModule, plan: Plan, path: string): SimulatedWorlds {
  const file = sim.loadSimulationFileSync(path);
  if (file.kind === 'world') {
    sim.checkScenarioForPlan(file.scenario, plan, path);
    return { home: sim.createSimulatedAws(file.scenario) };
  }
  const estate = sim.createSimulatedEstate(sim.estateForPlan(file.estate, plan, path));
  return { home: estate.home, estate };
}

/**
 * A plain scenario is one account: waves of other accounts need a world of their own (an estate
 * scenario, src/sim/estate-scenario.ts); here they fail their precheck with this sentence.
 */
function oneAccount(sim: SimulatedAws): (target: DrTarget) => TargetClients {
  return (target) => {
    const scenarioAccount = sim.world.scenario.accountId;
    if (target.accountId !== undefined && target.accountId !== scenarioAccount) {
      throw new AwsSetupError(
        `the scenario simulates account ${scenarioAccount} only; account ${target.account} (${target.accountId}) has no simulated world (an estate scenario gives it one: see docs/simulation.md, "Estate scenarios")`,
      );
    }
    return { ...sim.clients.forRegion(target.region), forRegion: sim.clients.forRegion };
  };
}

/** AssumeRole of `role` on a simulated STS client. */
async function assumeSimulatedRole(sts: StsSender | undefined, role: PlanRole): Promise<void> {
  if (!sts) throw new Error(`no simulated STS client for ${role.arn}`);
  await sts.send(
    new AssumeRoleCommand({
      RoleArn: role.arn,
      RoleSessionName: 'drs-failback',
      ...(role.externalId !== undefined ? { ExternalId: role.externalId } : {}),
    }),
  );
}

/** AssumeRole on the simulated STS of each region the plan names a role for. */
async function assumeSimulatedRoles(plan: Plan, region: string, stsFor: (region: string) => StsSender) {
  const roles: [string, PlanRole][] = [];
  if (plan.aws?.role) roles.push([region, plan.aws.role]);
  for (const [r, origin] of Object.entries(plan.aws?.origins ?? {}))
    if (origin.role) roles.push([r, origin.role]);
  for (const [r, role] of roles) await assumeSimulatedRole(stsFor(r), role);
}

/**
 * Credentials of `role`, assumed with `source` in `region` and renewed five minutes before they
 * expire (src/aws/assume-role.ts).
 */
async function assumedRoleProvider(
  role: PlanRole,
  region: string,
  source: CredentialProvider,
): Promise<CredentialProvider> {
  const sts = new STSClient({ region, credentials: source });
  return assumeRole(role, sts, Date.now, (message) => new CredentialsError(message));
}

/** The endpoint a region's STS calls go to, for the unreachable sentence. */
function stsEndpoint(region: string, env: Readonly<Record<string, string | undefined>>): string {
  return env.AWS_ENDPOINT_URL_STS ?? env.AWS_ENDPOINT_URL ?? `https://sts.${region}.amazonaws.com`;
}

async function createRealContext(plan: Plan, options: AwsContextOptions): Promise<AwsContext> {
  const { region, why } = regionReason(plan, options);
  const env = options.env ?? process.env;
  const [{ DrsClient }, { EC2Client }, { SNSClient }, { defaultProvider }] = await Promise.all([
    import('@aws-sdk/client-drs'),
    import('../aws/ec2-client.js'),
    import('@aws-sdk/client-sns'),
    import('@aws-sdk/credential-provider-node'),
  ]);
  const profile = options.profile ?? env.AWS_PROFILE;
  // The usual chain (environment, SSO, shared config, process, IMDS); a profile with
  // `mfa_serial` asks for its code on a terminal and fails with one sentence in a script.
  const base: CredentialProvider = defaultProvider({
    ...(options.profile !== undefined ? { profile: options.profile } : {}),
    mfaCodeProvider:
      options.askMfaCode ??
      (async (serial: string) => {
        throw new CredentialsError(
          `the AWS profile ${profile ?? '(default)'} needs an MFA code (${serial}), which a script cannot type: ` +
            'run the command on a terminal, or export temporary credentials first (aws sts get-session-token, aws sso login).',
        );
      }),
  });
  const drCredentials = plan.aws?.role ? await assumedRoleProvider(plan.aws.role, region, base) : base;
  const credentialsFor = new Map<string, Promise<CredentialProvider>>([
    [region, Promise.resolve(drCredentials)],
  ]);
  const credentialsOf =
    (r: string): CredentialProvider =>
    async () => {
      let provider = credentialsFor.get(r);
      if (!provider) {
        const role = plan.aws?.origins?.[r]?.role;
        provider = role ? assumedRoleProvider(role, r, base) : Promise.resolve(drCredentials);
        credentialsFor.set(r, provider);
      }
      return (await provider)();
    };
  // AWS_ENDPOINT_URL and the rest of the usual configuration are honoured by the SDK itself.
  // No SDK-level retries for DRS: a StartFailbackLaunch resent blindly after a timeout could
  // launch twice. The machine retries polls itself and re-reads AWS before any mutating call.
  const drs = new DrsClient({ region, maxAttempts: 1, credentials: drCredentials });
  const ec2 = new EC2Client({ region, credentials: drCredentials });
  // The notifier has its own retry with backoff, in the background.
  const sns = plan.notifications
    ? new SNSClient({ region, maxAttempts: 1, credentials: drCredentials })
    : undefined;
  // One attempt: an unreachable endpoint is said at once, not after the SDK's backoff.
  const sts = new STSClient({ region, maxAttempts: 1, credentials: drCredentials });
  // DRS's job quotas, only for a plan that reads them (its IAM policy grants GetServiceQuota).
  const ServiceQuotasClient = usesServiceQuotas(plan)
    ? (await import('@aws-sdk/client-service-quotas')).ServiceQuotasClient
    : undefined;
  const quotasClient = (r: string, credentials: CredentialProvider) =>
    ServiceQuotasClient ? { serviceQuotas: new ServiceQuotasClient({ region: r, credentials }) } : {};
  const clientsIn = (r: string, credentials: CredentialProvider) => ({
    drs: new DrsClient({ region: r, maxAttempts: 1, credentials }),
    ec2: new EC2Client({ region: r, credentials }),
    sts: new STSClient({ region: r, maxAttempts: 1, credentials }),
    ...quotasClient(r, credentials),
  });
  await assertCredentials(drCredentials, region, options);
  // EC2-origin servers fail back into their origin region: clients for it, built on first use.
  const regional = new Map<
    string,
    {
      drs: InstanceType<typeof DrsClient>;
      ec2: InstanceType<typeof EC2Client>;
      sts: InstanceType<typeof STSClient>;
      serviceQuotas?: ServiceQuotasSender;
    }
  >();
  const forRegion = (r: string) => {
    let clients = regional.get(r);
    if (!clients) {
      clients = clientsIn(r, credentialsOf(r));
      regional.set(r, clients);
    }
    return clients;
  };
  // Waves in other DR accounts (aws.accounts) or regions: clients per target, each account's role
  // assumed with the plan's credentials (the orchestrator's), built on first use.
  const targets = new Map<string, TargetClients>();
  const forTarget = (target: DrTarget): TargetClients => {
    if (target.account === undefined) return { ...forRegion(target.region), forRegion };
    const key = `${target.account}/${target.region}`;
    let found = targets.get(key);
    if (!found) {
      const provider = target.role
        ? assumedRoleProvider(target.role, target.region, drCredentials)
        : undefined;
      const credentials: CredentialProvider = async () => (provider ? (await provider)() : drCredentials());
      const forAccountRegion = (r: string) => clientsIn(r, credentials);
      found = { ...forAccountRegion(target.region), forRegion: forAccountRegion };
      targets.set(key, found);
    }
    return found;
  };
  const clients: AwsClients = {
    drs,
    ec2,
    ...(sns ? { sns } : {}),
    sts,
    ...quotasClient(region, drCredentials),
    forRegion,
    forTarget,
  };
  return {
    clients,
    clock: systemClock,
    simulated: false,
    region,
    regionWhy: why,
    identify: identifier(plan, region, clients, (r) => stsEndpoint(r, env)),
    drive: (work) => work,
    keepWorldIn: () => {},
    saveWorld: () => {},
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
    if (error instanceof CredentialsError) throw error;
    const profile = options.profile ?? options.env?.AWS_PROFILE;
    // STS refused the code typed at the MFA prompt (AccessDenied "MultiFactorAuthentication failed ...").
    if (error instanceof Error && /MultiFactorAuthentication|\bMFA\b/i.test(error.message)) {
      throw new CredentialsError(
        `AWS refused the MFA code for profile ${profile ?? '(default)'} (${error.message.split('\n')[0]?.trim()}): ` +
          'nothing was changed; run the command again with the code your device shows now.',
      );
    }
    if (error instanceof Error && /sso/i.test(error.message)) {
      throw new CredentialsError(
        `the AWS SSO session${profile ? ` of profile ${profile}` : ''} is missing or expired: run \`aws sso login${profile ? ` --profile ${profile}` : ''}\` and try again; nothing was changed.`,
      );
    }
    const why = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new AwsSetupError(
      `no usable AWS credentials for ${region}${profile ? ` (profile ${profile})` : ''}: ${why}. ` +
        'Set AWS_PROFILE or pass --profile (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), ' +
        'or try it first with --simulate <scenario>.',
    );
  }
}
