// A simulated estate: several AWS accounts and DR regions, each its own simulated world (its
// servers, recovery instances, jobs and quotas), all on one virtual clock. A server belongs to
// exactly one world, as a recovery instance belongs to one account and region in AWS: the clients
// of one (account, region) never see another's resources.
// DOCUMENTED (DRS quotas): the quotas are per account and region ("Disaster recovery at scale"),
// so each world enforces its own `limits`.
import type { Probe } from '../../machines/types.js';
import type { ProbeRunner, WriteControl } from '../actors/types.js';
import type { AwsClients, DrTarget, TargetClients } from '../aws/clients.js';
import { createSimulatedAws, type SimulatedAws } from './clients.js';
import type { Scenario } from './scenario.js';
import { VirtualClock } from './virtual-clock.js';

export interface SimulatedEstate {
  clock: VirtualClock;
  /** The world of the home account and region (the first scenario). */
  home: SimulatedAws;
  /** Every world, by `<accountId>/<region>`. */
  worlds: ReadonlyMap<string, SimulatedAws>;
  /** The run's clients: the home world's, with `forTarget` for the others. */
  clients: AwsClients;
  /** Probes answered by the world whose scenario names the probe (else the home world's default). */
  probes: ProbeRunner;
  /** The quiesce of the cutover: each world stops the writes of its own recovery instances. */
  writes: WriteControl;
  /** The world of an account and region; throws when the estate has none there. */
  world(accountId: string, region: string): SimulatedAws;
}

const key = (accountId: string, region: string) => `${accountId}/${region}`;

/**
 * An estate from scenarios, one per account and region (`accountId` and `region` of each); the
 * first is home: the account the run's own credentials act in. All start at the first's `startAt`.
 */
export function createSimulatedEstate(scenarios: readonly Scenario[]): SimulatedEstate {
  const [first] = scenarios;
  if (first === undefined) throw new Error('a simulated estate needs at least one scenario');
  const clock = new VirtualClock(first.startAt);
  const worlds = new Map<string, SimulatedAws>();
  for (const scenario of scenarios) {
    const k = key(scenario.accountId, scenario.region);
    if (worlds.has(k))
      throw new Error(`two scenarios for account ${scenario.accountId} in ${scenario.region}`);
    worlds.set(k, createSimulatedAws({ ...scenario, startAt: first.startAt }, { clock }));
  }
  const world = (accountId: string, region: string): SimulatedAws => {
    const found = worlds.get(key(accountId, region));
    if (!found) throw new Error(`the simulated estate has no account ${accountId} in ${region}`);
    return found;
  };
  const home = world(first.accountId, first.region);
  const forTarget = (target: DrTarget): TargetClients => {
    const sim = world(target.accountId ?? first.accountId, target.region);
    return { ...sim.clients.forRegion(target.region), forRegion: sim.clients.forRegion };
  };
  const probeKey = (probe: Probe) => (probe.kind === 'http' ? probe.url : `${probe.host}:${probe.port}`);
  const probes: ProbeRunner = {
    run(probe) {
      const owner = [...worlds.values()].find((w) =>
        w.world.scenario.probes.some((p) => (p.http ?? p.tcp) === probeKey(probe)),
      );
      return (owner ?? home).probes.run(probe);
    },
  };
  // A world ignores ids it does not hold, so every world hears every quiesce.
  const writes: WriteControl = {
    stopWrites: (ids) => {
      for (const sim of worlds.values()) sim.stopWrites(ids);
    },
  };
  return { clock, home, worlds, clients: { ...home.clients, forTarget }, probes, writes, world };
}
