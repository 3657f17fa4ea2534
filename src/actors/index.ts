import { assessDrSide } from './assess-dr-side.js';
import { cleanup } from './cleanup.js';
import { measureDrain } from './measure-drain.js';
import { pollJobs } from './poll-jobs.js';
import { precheck } from './precheck.js';
import { quiesceWrites } from './quiesce.js';
import { reprotect } from './reprotect.js';
import { restoreRecoveryPoint } from './restore-recovery-point.js';
import { startFailback } from './start-failback.js';
import { stopFailback } from './stop-failback.js';
import type { ActorDeps, FailbackActivities } from './types.js';
import { verifyFailback } from './verify-failback.js';

/** The failback activities on the real DRS and EC2 APIs (or anything with their `send`). */
export function createAwsActors(actorDeps: ActorDeps): FailbackActivities {
  // DRS's job quotas are read once per region and run, whichever wave asks first.
  const deps: ActorDeps = {
    ...actorDeps,
    quotaReads: actorDeps.quotaReads ?? new Map(),
    startsInFlight: actorDeps.startsInFlight ?? new Map(),
  };
  return {
    precheck: (input) => precheck(deps, input),
    quiesceWrites: (input) => quiesceWrites(deps, input),
    measureDrain: (input) => measureDrain(deps, input),
    startFailback: (input, signal) => startFailback(deps, input, signal),
    pollJobs: (input) => pollJobs(deps, input),
    verifyFailback: (input) => verifyFailback(deps, input),
    stopFailback: (input) => stopFailback(deps, input),
    assessDrSide: (input) => assessDrSide(deps, input),
    restoreRecoveryPoint: (input) => restoreRecoveryPoint(deps, input),
    reprotect: (input) => reprotect(deps, input),
    cleanup: (input) => cleanup(deps, input),
  };
}

export { createNetworkProbeRunner, type NetworkProbeOptions } from './probes.js';
export type { ActorDeps, FailbackActivities, ProbeResult, ProbeRunner, WriteControl } from './types.js';
