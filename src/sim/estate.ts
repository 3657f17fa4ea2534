// A simulated estate: several AWS accounts and DR regions, each its own simulated world (its
// servers, recovery instances, jobs and quotas), all on one virtual clock. A server belongs to
// exactly one world, as a recovery instance belongs to one account and region in AWS: the clients
// of one (account, region) never see another's resources.
// DOCUMENTED (DRS quotas): the quotas are per account and region ("Disaster recovery at scale"),
// so each world enforces its own `limits`.
import type { Probe } from '../../machines/types.js';
import type { ProbeRunner, WriteControl } from '../actors/types.js';
import type { AwsClients, DrTarget, TargetClients } from '../aws/clients.js';
import { createSimulatedAws, loadSimulatedAws, type SimulatedAws } from './clients.js';
import type { Scenario } from './scenario.js';
import type { RecordedCall, WorldState } from './state.js';
import { VirtualClock } from './virtual-clock.js';

export interface SimulatedEstate {
  clock: VirtualClock;
  /** The world of the home account and region (the first scenario). */
  home: SimulatedAws;
  /** Every world, by `<accountId>/<region>`, home first. */
  worlds: ReadonlyMap<string, SimulatedAws>;
  /** The run's clients: the home world's, with `forTarget` for the others. */
  clients: AwsClients;
  /** Probes answered by the world whose scenario names the probe (else the home world's default). */
  probes: ProbeRunner;
  /** The quiesce of the cutover: each world stops the writes of its own recovery instances. */
  writes: WriteControl;
  /** The world of an account and region; throws when the estate has none there. */
  world(accountId: string, region: string): SimulatedAws;
  /** Every world's calls, in the order of their virtual time (stable: a world's own order kept). */
  calls(): RecordedCall[];
  /** Every world as JSON, home first: `loadSimulatedEstate` continues in them. */
  save(): WorldState[];
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
  return assembleEstate(
    clock,
    scenarios.map((scenario) => createSimulatedAws({ ...scenario, startAt: first.startAt }, { clock })),
  );
}

/** The same estate again from `save()` output (home first), on one clock standing at the saved instant. */
export function loadSimulatedEstate(saved: readonly WorldState[]): SimulatedEstate {
  const [first] = saved;
  if (first === undefined) throw new Error('a simulated estate needs at least one world');
  const clock = new VirtualClock(first.now);
  return assembleEstate(
    clock,
    saved.map((state) => loadSimulatedAws(state, { clock })),
  );
}

function assembleEstate(clock: VirtualClock, sims: readonly SimulatedAws[]): SimulatedEstate {
  const worlds = new Map<string, SimulatedAws>();
  for (const sim of sims) {
    const { accountId, region } = sim.world.scenario;
    const k = key(accountId, region);
    if (worlds.has(k)) throw new Error(`two scenarios for account ${accountId} in ${region}`);
    worlds.set(k, sim);
  }
  const world = (accountId: string, region: string): SimulatedAws => {
    const found = worlds.get(key(accountId, region));
    if (!found) throw new Error(`the simulated estate has no account ${accountId} in ${region}`);
    return found;
  };
  const home = sims[0] as SimulatedAws;
  const homeAccount = home.world.scenario.accountId;
  const forTarget = (target: DrTarget): TargetClients => {
    const sim = world(target.accountId ?? homeAccount, target.region);
    return { ...sim.clients.forRegion(target.region), forRegion: sim.clients.forRegion };
  };
  const probeKey = (probe: Probe) => (probe.kind === 'http' ? probe.url : `${probe.host}:${probe.port}`);
  const probes: ProbeRunner = {
    run(probe) {
      const owner = sims.find((w) =>
        w.world.scenario.probes.some((p) => (p.http ?? p.tcp) === probeKey(probe)),
      );
      return (owner ?? home).probes.run(probe);
    },
  };
  // A world ignores ids it does not hold, so every world hears every quiesce.
  const writes: WriteControl = {
    stopWrites: (ids) => {
      for (const sim of sims) sim.stopWrites(ids);
    },
  };
  const calls = () =>
    sims
      .flatMap((sim) => sim.calls())
      .map((call, order) => ({ call, order, at: Date.parse(call.at) }))
      .sort((a, b) => a.at - b.at || a.order - b.order)
      .map((c) => c.call);
  return {
    clock,
    home,
    worlds,
    clients: { ...home.clients, forTarget },
    probes,
    writes,
    world,
    calls,
    save: () => sims.map((sim) => sim.save()),
  };
}
