// Injected faults. Error faults fire in `dispatch` (dispatch.ts) before the operation runs; the other
// kinds are questions the domain files ask when they decide how a launch or an instance goes.

import { EC2_ERROR_STATUS, ec2Error, isDrsErrorName, serviceQuotasError, snsError } from './errors.js';
import type { ScenarioFault, SimOperation } from './scenario.js';
import type { Service } from './state.js';
import type { World } from './world.js';

type Kind = ScenarioFault['kind'];
type FaultOf<K extends Kind> = Extract<ScenarioFault, { kind: K }>;
/**
 * failback: StartFailbackLaunch; origin: StartRecovery of a reversed (FAILBACK) source server in
 * its origin region, which is the EC2-origin failback; recovery: any other StartRecovery.
 */
export type LaunchPhase = 'failback' | 'origin' | 'recovery';
type During = 'failback' | 'origin' | 'recovery' | 'any' | undefined;

function inWindow(world: World, f: { from?: number | undefined; until?: number | undefined }): boolean {
  const elapsed = world.now - world.startAt;
  return (f.from === undefined || elapsed >= f.from) && (f.until === undefined || elapsed < f.until);
}

/** Throws the injected error when an error fault (or an SNS outage) applies to this call. */
export function checkOperationFaults(world: World, service: Service, operation: SimOperation): void {
  const faults = world.scenario.faults;
  for (let i = 0; i < faults.length; i++) {
    const f = faults[i] as ScenarioFault;
    if (f.kind === 'sns-outage' && service === 'sns' && inWindow(world, f)) {
      throw snsError('InternalErrorException', 'simulated SNS outage', world.requestId);
    }
    if (f.kind !== 'error') continue;
    if (f.operation !== '*' && f.operation !== operation) continue;
    if (f.region !== undefined && f.region !== world.region) continue;
    if (!inWindow(world, f)) continue;
    const hits = world.state.faultHits[i] ?? 0;
    if (f.count !== undefined && hits >= f.count) continue;
    if (f.rate !== undefined && !(world.rng.next() < f.rate)) continue;
    world.state.faultHits[i] = hits + 1;
    const message = f.message ?? `simulated ${f.error} on ${operation}`;
    if (service === 'service-quotas') throw serviceQuotasError(f.error, message, world.requestId);
    if (isDrsErrorName(f.error)) {
      throw world.drsError(f.error, message, {
        ...(f.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: f.retryAfterSeconds }),
      });
    }
    throw ec2Error(f.error, message, world.requestId, EC2_ERROR_STATUS[f.error]);
  }
}

function ofKind<K extends Kind>(world: World, kind: K): FaultOf<K>[] {
  return world.scenario.faults.filter((f): f is FaultOf<K> => f.kind === kind);
}

/** `failback` (the default) means the failback launch of either flow, so it covers `origin` too. */
function phaseMatches(during: During, phase: LaunchPhase): boolean {
  const d = during ?? 'failback';
  return d === 'any' || d === phase || (d === 'failback' && phase === 'origin');
}

export function launchFails(world: World, sourceServerID: string, phase: LaunchPhase): boolean {
  return ofKind(world, 'launch-failure').some(
    (f) => phaseMatches(f.during, phase) && f.servers.includes(sourceServerID),
  );
}

export function jobNeverFinishes(
  world: World,
  sourceServerIDs: readonly string[],
  phase: LaunchPhase,
): boolean {
  return ofKind(world, 'job-never-finishes').some(
    (f) =>
      phaseMatches(f.during, phase) && (!f.servers || f.servers.some((s) => sourceServerIDs.includes(s))),
  );
}

export function failbackStateStuck(world: World, sourceServerID: string): boolean {
  return ofKind(world, 'failback-state-stuck').some((f) => f.servers.includes(sourceServerID));
}

/** The failback-error fault for a server: `at` set means a fixed instant, else when the launch ends. */
export function failbackErrorFault(
  world: World,
  sourceServerID: string,
): FaultOf<'failback-error'> | undefined {
  return ofKind(world, 'failback-error').find((f) => f.servers.includes(sourceServerID));
}

export function impairedAfterLaunch(world: World, sourceServerID: string): boolean {
  return ofKind(world, 'impaired-after-launch').some((f) => f.servers.includes(sourceServerID));
}

/** How long EC2 denies knowing a freshly launched instance, if that fault is on. */
export function instanceNotFoundForMs(world: World): number | undefined {
  const durations = ofKind(world, 'instance-not-found-for').map((f) => f.duration);
  return durations.length > 0 ? Math.max(...durations) : undefined;
}

export function recoveryInstanceLost(world: World): FaultOf<'recovery-instance-lost'>[] {
  return ofKind(world, 'recovery-instance-lost');
}

/** The replication-stalled fault for a scenario server (its reversed replication stalls). */
export function replicationStalled(
  world: World,
  sourceServerID: string,
): FaultOf<'replication-stalled'> | undefined {
  return ofKind(world, 'replication-stalled').find((f) => f.servers.includes(sourceServerID));
}

/** The lag a replication-lag fault forces on a scenario server's reversed replication, if any. */
export function replicationLagMs(world: World, sourceServerID: string): number | undefined {
  const lags = ofKind(world, 'replication-lag')
    .filter((f) => f.servers.includes(sourceServerID))
    .map((f) => f.lag);
  return lags.length > 0 ? Math.max(...lags) : undefined;
}

/** ON_PREMISES: since when the Failback Client is silent (the fault's `since` before the start; default 1h). */
export function failbackClientSilentAt(world: World, sourceServerID: string): number | undefined {
  const f = ofKind(world, 'failback-client-silent').find((x) => x.servers.includes(sourceServerID));
  return f ? world.startAt - (f.since ?? 3_600_000) : undefined;
}

/** The application writes on a volume DRS does not replicate (the marker never goes home). */
export function unreplicatedWrite(world: World, sourceServerID: string): boolean {
  return ofKind(world, 'unreplicated-write').some((f) => f.servers.includes(sourceServerID));
}
