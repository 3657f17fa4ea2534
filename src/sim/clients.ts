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
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import type { ProbeRunner } from '../actors/types.js';
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

const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d$/;

function assemble(world: World, clock: VirtualClock): SimulatedAws {
  const drRegion = world.scenario.region;

  const unmodelled = (service: Service) => async (_input: unknown) => {
    throw new Error(`the simulated AWS does not model this ${service} command; see docs/simulation.md`);
  };
  // The stubs' call history (arguments, results, stack traces) is never read (the world keeps
  // its own record in calls()), and on a 1,000-server run it would hold hundreds of MB: clear it
  // every few hundred calls, once the current call has returned.
  const HISTORY_LIMIT = 256;
  let sinceReset = 0;
  const mocks: { resetHistory(): unknown }[] = [];
  const trimHistory = () => {
    if (++sinceReset < HISTORY_LIMIT) return;
    sinceReset = 0;
    queueMicrotask(() => {
      for (const mock of mocks) mock.resetHistory();
    });
  };
  const configFor = (region: string) => ({ region, credentials: DUMMY_CREDENTIALS, maxAttempts: 1 });
  // Async fakes, so a failure is a rejected promise exactly like a real send.
  const answerIn = (region: string) => (service: Service, op: SimOperation) => async (input: unknown) => {
    trimHistory();
    return dispatch(world, service, op, input, region);
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
    const answer = answerIn(region);
    const drs = new DrsClient(configFor(region));
    const ec2 = new EC2Client(configFor(region));
    // The catch-all goes first: later, specific matchers take precedence over it.
    const drsMock = mockClient(drs);
    drsMock.onAnyCommand().callsFake(unmodelled('drs'));
    drsMock.on(DescribeSourceServersCommand).callsFake(answer('drs', 'DescribeSourceServers'));
    drsMock.on(DescribeRecoveryInstancesCommand).callsFake(answer('drs', 'DescribeRecoveryInstances'));
    drsMock.on(DescribeRecoverySnapshotsCommand).callsFake(answer('drs', 'DescribeRecoverySnapshots'));
    drsMock.on(DescribeJobsCommand).callsFake(answer('drs', 'DescribeJobs'));
    drsMock.on(DescribeJobLogItemsCommand).callsFake(answer('drs', 'DescribeJobLogItems'));
    drsMock.on(StartFailbackLaunchCommand).callsFake(answer('drs', 'StartFailbackLaunch'));
    drsMock.on(StopFailbackCommand).callsFake(answer('drs', 'StopFailback'));
    drsMock.on(StartRecoveryCommand).callsFake(answer('drs', 'StartRecovery'));
    drsMock.on(TerminateRecoveryInstancesCommand).callsFake(answer('drs', 'TerminateRecoveryInstances'));
    drsMock.on(StopReplicationCommand).callsFake(answer('drs', 'StopReplication'));
    drsMock.on(DisconnectSourceServerCommand).callsFake(answer('drs', 'DisconnectSourceServer'));
    drsMock.on(DisconnectRecoveryInstanceCommand).callsFake(answer('drs', 'DisconnectRecoveryInstance'));
    drsMock.on(ReverseReplicationCommand).callsFake(answer('drs', 'ReverseReplication'));

    const ec2Mock = mockClient(ec2);
    ec2Mock.onAnyCommand().callsFake(unmodelled('ec2'));
    ec2Mock.on(DescribeInstancesCommand).callsFake(answer('ec2', 'DescribeInstances'));
    ec2Mock.on(DescribeInstanceStatusCommand).callsFake(answer('ec2', 'DescribeInstanceStatus'));
    mocks.push(drsMock, ec2Mock);
    return { drs, ec2 };
  };

  const { drs, ec2 } = forRegion(drRegion);
  const sns = new SNSClient(configFor(drRegion));
  const snsMock = mockClient(sns);
  snsMock.onAnyCommand().callsFake(unmodelled('sns'));
  snsMock.on(PublishCommand).callsFake(answerIn(drRegion)('sns', 'Publish'));
  mocks.push(snsMock);

  return {
    clock,
    world,
    clients: { drs, ec2, sns, forRegion },
    probes: createSimulatedProbes(world),
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
