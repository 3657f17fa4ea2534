// A run whose waves act in several DR accounts and regions: one set of activities per target
// (each over that target's clients), and activities that route each call by its wave's name.
// The machines never see a target: every activity input names its wave, which is enough.
import type { FailbackActivities } from '../actors/types.js';
import type { AwsClients, DrTarget, TargetClients } from '../aws/clients.js';
import type { EmitEvent } from '../events.js';
import { hasRemoteTargets, isHomeTarget, targetKey, waveTarget } from '../plan/targets.js';
import type { Plan } from '../plan/types.js';

/** The clients of `target`: the run's own for the home target, else `forTarget` (or `forRegion`). */
export function clientsForTarget(clients: AwsClients, target: DrTarget, drRegion: string): TargetClients {
  if (isHomeTarget(target, drRegion)) return clients;
  if (clients.forTarget) return clients.forTarget(target);
  if (target.account === undefined && clients.forRegion) {
    // Same account, another DR region: that region's clients, with the run's other regions beside.
    const { forRegion } = clients;
    return { ...forRegion(target.region), forRegion };
  }
  throw new Error(
    `the run's AWS clients cannot reach ${target.account !== undefined ? `account ${target.account} (${target.accountId})` : 'another region'} in ${target.region}: give createFailbackRun clients with forTarget`,
  );
}

/**
 * `emit`, with the `aws.request` events of a wave in another account naming it (`account`: the
 * `aws.accounts` name; the region alone would not tell). Both engines record a target's calls so.
 */
export function emitNamingAccount(emit: EmitEvent, account: string | undefined): EmitEvent {
  if (account === undefined) return emit;
  return (body) => emit(body.type === 'aws.request' ? { ...body, account } : body);
}

/**
 * Activities that hand each call to its wave's target's activities (built once per target, on
 * first use). An input naming no wave of the plan goes to the home target.
 */
export function routeByWave(
  plan: Plan,
  drRegion: string,
  activitiesFor: (target: DrTarget) => FailbackActivities,
): FailbackActivities {
  const byTarget = new Map<string, FailbackActivities>();
  const targetOfWave = new Map(plan.waves.map((w) => [w.name, waveTarget(plan, w, drRegion)]));
  const home: DrTarget = { region: drRegion };
  const of = (wave: string): FailbackActivities => {
    const target = targetOfWave.get(wave) ?? home;
    const key = targetKey(target);
    let activities = byTarget.get(key);
    if (!activities) {
      activities = activitiesFor(target);
      byTarget.set(key, activities);
    }
    return activities;
  };
  return {
    precheck: (input) => of(input.wave).precheck(input),
    startFailback: (input, signal) => of(input.wave).startFailback(input, signal),
    pollJobs: (input) => of(input.wave).pollJobs(input),
    verifyFailback: (input) => of(input.wave).verifyFailback(input),
    stopFailback: (input) => of(input.wave).stopFailback(input),
    assessDrSide: (input) => of(input.wave).assessDrSide(input),
    restoreRecoveryPoint: (input) => of(input.wave).restoreRecoveryPoint(input),
    reprotect: (input) => of(input.wave).reprotect(input),
    cleanup: (input) => of(input.wave).cleanup(input),
    quiesceWrites: (input) => of(input.wave).quiesceWrites(input),
    measureDrain: (input) => of(input.wave).measureDrain(input),
  };
}

/**
 * The activities of a plan: `over(clients, region)` builds them on one target's clients; a plan
 * whose waves all act at home gets them over `clients` alone, else routed by wave.
 */
export function planActivities(
  plan: Plan,
  drRegion: string,
  clients: AwsClients,
  over: (clients: TargetClients, region: string, account?: string) => FailbackActivities,
): FailbackActivities {
  const home = over(clients, drRegion);
  if (!hasRemoteTargets(plan, drRegion)) return home;
  return routeByWave(plan, drRegion, (target) =>
    isHomeTarget(target, drRegion)
      ? home
      : over(clientsForTarget(clients, target, drRegion), target.region, target.account),
  );
}
