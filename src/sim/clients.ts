// The composition root of a dry run: real SDK clients whose `send` is answered by the
// simulated world (through aws-sdk-client-mock), a virtual clock, and simulated probes.
// `clients` are bound to the scenario's (DR) region; `clients.forRegion(region)` gives DRS and
// EC2 clients of another region of the same world, built once per region.

import {
  DescribeJobLogItemsCommand,
  DescribeJobsCommand,
  DescribeRecoveryInstancesCommand,
  DescribeRecoverySnapshotsCommand,
  DescribeSourceServersCommand,
  DisconnectRecoveryInstanceCommand,
  DisconnectSourceServerCommand,
  DrsClient,
  ReverseReplicationCommand,
  StartFailbackLaunchCommand,
  StartRecoveryCommand,
  StopFailbackCommand,
  StopReplicationCommand,
  TerminateRecoveryInstancesCommand,
} from '@aws-sdk/client-drs';
import { DescribeInstanceStatusCommand, DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetServiceQuotaCommand, ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import type { ProbeRunner, WriteControl } from '../actors/types.js';
import { newRunId } from '../run-id.js';
import { type DataOracleEntry, dataOracle } from './data.js';
import { dispatch } from './dispatch.js';
import { createWorld } from './populate.js';
import { createSimulatedProbes } from './probes.js';
import { Rng, seedState } from './rng.js';
import { loadScenarioFileSync, type Scenario, type SimOperation } from './scenario.js';
import type { RecordedCall, Service, WorldState } from './state.js';
import { VirtualClock } from './virtual-clock.js';
import { World } from './world.js';

/** DRS and EC2 clients bound to one region of the simulated world. */
export interface SimulatedRegionalClients {
  drs: DrsClient;
  ec2: EC2Client;
  /** GetCallerIdentity and AssumeRole, answered with the scenario's account and principal. */
  sts: STSClient;
  /** GetServiceQuota of DRS's job quotas, answered with the scenario's `limits`. */
  serviceQuotas: ServiceQuotasClient;
}

export interface SimulatedClients extends SimulatedRegionalClients {
  sns: SNSClient;
  /**
   * Clients of `region` in the same world (the DR region gives the clients above). DRS in a
   * region the scenario does not know answers UninitializedAccountException; EC2 there is empty.
   * A string that is not a region name throws.
   */
  forRegion(region: string): SimulatedRegionalClients;
}

export interface SimulatedAws {
  clock: VirtualClock;
  world: World;
  clients: SimulatedClients;
  probes: ProbeRunner;
  /** The cutover's quiesce: the world stops the writes on these recovery instances. */
  writes: WriteControl;
  /** Every call the clients received, in order, with its virtual time and outcome. */
  calls(): RecordedCall[];
  /** The whole world as JSON, including virtual time and the generator's state. */
  save(): WorldState;
  /** A run id derived from the scenario's seed and virtual time: same scenario, same id. */
  runId(): string;
  /** The application's writes on these recovery instances stop now (`World.stopWrites`: the quiesce). */
  stopWrites(recoveryInstanceIds: readonly string[]): void;
  /** Per server: which copy serves now and how many ms of DR-side writes it lacks (src/sim/data.ts). */
  dataOracle(): DataOracleEntry[];
}

export interface SimulatedAwsOptions {
  /** Use this clock instead of a new VirtualClock (it must stand at the scenario's start). */
  clock?: VirtualClock;
}

const DUMMY_CREDENTIALS = { accessKeyId: 'SIMULATED', secretAccessKey: 'SIMULATED' };

/** A simulated AWS from a validated scenario, or from the path of a scenario file. */
export function createSimulatedAws(
  scenario: Scenario | string,
  opts: SimulatedAwsOptions = {},
): SimulatedAws {
  const resolved = typeof scenario === 'string' ? loadScenarioFileSync(scenario) : scenario;
  const clock = opts.clock ?? new VirtualClock(resolved.startAt);
  return assemble(createWorld(resolved, clock), clock);
}

/** The same world again from `save()` output: an interrupted simulated run continues in it. */
export function loadSimulatedAws(saved: WorldState, opts: SimulatedAwsOptions = {}): SimulatedAws {
  const clock = opts.clock ?? new VirtualClock(saved.now);
  return assemble(World.load(saved, clock), clock);
}

/** The commands the simulated AWS answers, by service: every other command is refused. */
const DRS_COMMANDS: ReadonlyMap<unknown, SimOperation> = new Map<unknown, SimOperation>([
  [DescribeSourceServersCommand, 'DescribeSourceServers'],
  [DescribeRecoveryInstancesCommand, 'DescribeRecoveryInstances'],
  [DescribeRecoverySnapshotsCommand, 'DescribeRecoverySnapshots'],
  [DescribeJobsCommand, 'DescribeJobs'],
  [DescribeJobLogItemsCommand, 'DescribeJobLogItems'],
  [StartFailbackLaunchCommand, 'StartFailbackLaunch'],
  [StopFailbackCommand, 'StopFailback'],
  [StartRecoveryCommand, 'StartRecovery'],
  [TerminateRecoveryInstancesCommand, 'TerminateRecoveryInstances'],
  [StopReplicationCommand, 'StopReplication'],
  [DisconnectSourceServerCommand, 'DisconnectSourceServer'],
  [DisconnectRecoveryInstanceCommand, 'DisconnectRecoveryInstance'],
  [ReverseReplicationCommand, 'ReverseReplication'],
]);
const EC2_COMMANDS: ReadonlyMap<unknown, SimOperation> = new Map<unknown, SimOperation>([
  [DescribeInstancesCommand, 'DescribeInstances'],
  [DescribeInstanceStatusCommand, 'DescribeInstanceStatus'],
]);
const SNS_COMMANDS: ReadonlyMap<unknown, SimOperation> = new Map<unknown, SimOperation>([
  [PublishCommand, 'Publish'],
]);
const SERVICE_QUOTAS_COMMANDS: ReadonlyMap<unknown, SimOperation> = new Map<unknown, SimOperation>([
  [GetServiceQuotaCommand, 'GetServiceQuota'],
]);

const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d$/;

const unmodelled =
  (service: Service | 'sts') =>
  async (_input: unknown): Promise<never> => {
    throw new Error(`the simulated AWS does not model this ${service} command; see docs/simulation.md`);
  };

function assemble(world: World, clock: VirtualClock): SimulatedAws {
  const drRegion = world.scenario.region;

  // The stubs' call history (arguments, results, stack traces) is never read (the world keeps
  // its own record in calls()). Kept, it set the peak of a large dry run: V8 sizes its next full
  // collection at a multiple of what is alive, and the last 256 calls' instance views were a
  // large part of that (10,000 servers: about 430 MB peak RSS with 256 kept, about 385 MB with
  // none; docs/performance.md). Clear it once each call has returned.
  const mocks: { resetHistory(): unknown }[] = [];
  const trimHistory = () => {
    queueMicrotask(() => {
      for (const mock of mocks) mock.resetHistory();
    });
  };
  const configFor = (region: string) => ({ region, credentials: DUMMY_CREDENTIALS, maxAttempts: 1 });
  // One fake per client, routing on the command's class: aws-sdk-client-mock's per-command
  // matchers (\`on(Command)\`) made sinon test every matcher on every call, a sixth of a large
  // dry run's time. Async, so a failure is a rejected promise exactly like a real send.
  const answerIn =
    (region: string, service: Service, commands: ReadonlyMap<unknown, SimOperation>) =>
    // The stub's signature wants each client's own output union; the world answers every one.
    async (command: { input?: unknown }): Promise<never> => {
      trimHistory();
      const op = commands.get(command.constructor);
      if (op === undefined) return unmodelled(service)(command.input);
      return dispatch(world, service, op, command.input, region) as never;
    };

  const regional = new Map<string, SimulatedRegionalClients>();
  const forRegion = (region: string): SimulatedRegionalClients => {
    const known = regional.get(region);
    if (known) return known;
    if (!REGION_NAME.test(region)) throw new Error(`not an AWS region name: "${region}"`);
    const clients = regionalClients(region);
    regional.set(region, clients);
    return clients;
  };

  const regionalClients = (region: string): SimulatedRegionalClients => {
    const drs = new DrsClient(configFor(region));
    const ec2 = new EC2Client(configFor(region));
    const drsMock = mockClient(drs);
    drsMock.send.callsFake(answerIn(region, 'drs', DRS_COMMANDS));
    const ec2Mock = mockClient(ec2);
    ec2Mock.send.callsFake(answerIn(region, 'ec2', EC2_COMMANDS));
    const serviceQuotas = new ServiceQuotasClient(configFor(region));
    const sqMock = mockClient(serviceQuotas);
    sqMock.send.callsFake(answerIn(region, 'service-quotas', SERVICE_QUOTAS_COMMANDS));
    mocks.push(drsMock, ec2Mock, sqMock);
    return { drs, ec2, sts: stsClient(region), serviceQuotas };
  };

  // STS: who the caller is. The scenario's principal (default: a role in the scenario's account);
  // after AssumeRole on a region's client, the assumed role, as AWS answers.
  const stsClient = (region: string): STSClient => {
    const sts = new STSClient(configFor(region));
    const stsMock = mockClient(sts);
    const scenario = world.scenario;
    let caller = {
      account: scenario.accountId,
      arn:
        scenario.principal ??
        `arn:aws:sts::${scenario.accountId}:assumed-role/DRSFailbackOperator/simulated-operator`,
    };
    stsMock.onAnyCommand().callsFake(unmodelled('sts'));
    stsMock.on(GetCallerIdentityCommand).callsFake(async () => ({
      Account: caller.account,
      Arn: caller.arn,
      UserId: `AROASIMULATED:${caller.arn.replace(/^.*\//, '')}`,
      $metadata: { httpStatusCode: 200, requestId: `sim-sts-${region}` },
    }));
    stsMock.on(AssumeRoleCommand).callsFake(async (input: { RoleArn?: string; RoleSessionName?: string }) => {
      const roleArn = input.RoleArn ?? '';
      const match = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(roleArn);
      if (!match) throw Object.assign(new Error(`not a role ARN: ${roleArn}`), { name: 'ValidationError' });
      const [, account = '', name = ''] = match;
      const session = input.RoleSessionName ?? 'drs-failback';
      caller = { account, arn: `arn:aws:sts::${account}:assumed-role/${name}/${session}` };
      return {
        Credentials: {
          AccessKeyId: 'SIMULATED',
          SecretAccessKey: 'SIMULATED',
          SessionToken: 'SIMULATED',
          Expiration: new Date(clock.now() + 3_600_000),
        },
        AssumedRoleUser: { Arn: caller.arn, AssumedRoleId: `AROASIMULATED:${session}` },
        $metadata: { httpStatusCode: 200, requestId: `sim-sts-${region}` },
      };
    });
    mocks.push(stsMock);
    return sts;
  };

  const { drs, ec2, sts, serviceQuotas } = forRegion(drRegion);
  const sns = new SNSClient(configFor(drRegion));
  const snsMock = mockClient(sns);
  snsMock.send.callsFake(answerIn(drRegion, 'sns', SNS_COMMANDS));
  mocks.push(snsMock);

  return {
    clock,
    world,
    clients: { drs, ec2, sns, sts, serviceQuotas, forRegion },
    probes: createSimulatedProbes(world),
    writes: { stopWrites: (ids) => world.stopWrites(ids) },
    calls: () => world.calls(),
    save: () => world.save(),
    stopWrites: (ids) => world.stopWrites(ids),
    dataOracle: () => dataOracle(world),
    runId: () => {
      // A generator of its own, so asking for a run id never shifts the world's random draws.
      const rng = new Rng((seedState(world.scenario.seed) ^ 0x52554e) >>> 0);
      return newRunId(clock.now(), () => rng.next());
    },
  };
}
