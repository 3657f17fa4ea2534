// The composition root of a dry run: real SDK clients whose `send` is answered by the
// simulated world (through aws-sdk-client-mock), a virtual clock, and simulated probes.

import {
  DescribeJobLogItemsCommand,
  DescribeJobsCommand,
  DescribeRecoveryInstancesCommand,
  DescribeRecoverySnapshotsCommand,
  DescribeSourceServersCommand,
  DisconnectRecoveryInstanceCommand,
  DisconnectSourceServerCommand,
  DrsClient,
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
import { createSimulatedProbes } from './probes.js';
import { Rng, seedState } from './rng.js';
import { loadScenarioFileSync, type Scenario } from './scenario.js';
import type { RecordedCall, WorldState } from './state.js';
import { VirtualClock } from './virtual-clock.js';
import { type Service, World } from './world.js';

export interface SimulatedAws {
  clock: VirtualClock;
  world: World;
  clients: { drs: DrsClient; ec2: EC2Client; sns: SNSClient };
  probes: ProbeRunner;
  /** Every call the clients received, in order, with its virtual time and outcome. */
  calls(): RecordedCall[];
  /** The whole world as JSON, including virtual time and the generator's state. */
  save(): WorldState;
  /** A run id derived from the scenario's seed and virtual time: same scenario, same id. */
  runId(): string;
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
  return assemble(World.create(resolved, clock), clock);
}

/** The same world again from `save()` output: an interrupted simulated run continues in it. */
export function loadSimulatedAws(saved: WorldState, opts: SimulatedAwsOptions = {}): SimulatedAws {
  const clock = opts.clock ?? new VirtualClock(saved.now);
  return assemble(World.load(saved, clock), clock);
}

function assemble(world: World, clock: VirtualClock): SimulatedAws {
  const region = world.scenario.region;
  const config = { region, credentials: DUMMY_CREDENTIALS, maxAttempts: 1 };
  const drs = new DrsClient(config);
  const ec2 = new EC2Client(config);
  const sns = new SNSClient(config);

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
  // Async fakes, so a failure is a rejected promise exactly like a real send.
  const answer = (service: Service, op: Parameters<World['handle']>[1]) => async (input: unknown) => {
    trimHistory();
    return world.handle(service, op, input);
  };

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

  const ec2Mock = mockClient(ec2);
  ec2Mock.onAnyCommand().callsFake(unmodelled('ec2'));
  ec2Mock.on(DescribeInstancesCommand).callsFake(answer('ec2', 'DescribeInstances'));
  ec2Mock.on(DescribeInstanceStatusCommand).callsFake(answer('ec2', 'DescribeInstanceStatus'));

  const snsMock = mockClient(sns);
  snsMock.onAnyCommand().callsFake(unmodelled('sns'));
  snsMock.on(PublishCommand).callsFake(answer('sns', 'Publish'));
  mocks.push(drsMock, ec2Mock, snsMock);

  return {
    clock,
    world,
    clients: { drs, ec2, sns },
    probes: createSimulatedProbes(world),
    calls: () => world.calls(),
    save: () => world.save(),
    runId: () => {
      // A generator of its own, so asking for a run id never shifts the world's random draws.
      const rng = new Rng((seedState(world.scenario.seed) ^ 0x52554e) >>> 0);
      return newRunId(clock.now(), () => rng.next());
    },
  };
}
