// The machines a run drives: the plan machine with the activities in place of the placeholders,
// and the input that starts it for a plan.
import { fromPromise } from 'xstate';
import { type PlanRunInput, planMachine } from '../../machines/plan.machine.js';
import { waveMachine } from '../../machines/wave.machine.js';
import type { FailbackActivities } from '../actors/types.js';
import { jobSettings } from '../plan/jobs.js';
import type { Plan } from '../plan/types.js';

/**
 * The plan machine's input for a plan, started at `startedAt`. The poll jitter's seed is
 * derived from the run id when not given, as `createFailbackRun` does. `startAtWave`: the index
 * of the first wave to run (`--from-wave`), the ones before it failed back already.
 */
export function planRunInput(
  plan: Plan,
  runId: string,
  startedAt: number,
  jitterSeed?: number,
  startAtWave?: number,
): PlanRunInput {
  return {
    runId,
    planName: plan.name,
    waves: plan.waves,
    rpoMs: plan.objectives.rpoMs,
    rtoMs: plan.objectives.rtoMs,
    approval: plan.approval,
    polling: plan.polling,
    verifyTimeoutMs: plan.verify.timeoutMs,
    jobTimeoutMs: plan.job.timeoutMs,
    restore: plan.backout.restore,
    ...(plan.cutover ? { cutover: plan.cutover } : {}),
    jitterSeed: jitterSeed ?? seedFrom(runId),
    startedAt,
    ...(plan.afterFailback ? { afterFailback: plan.afterFailback } : {}),
    ...(plan.approvalTimeoutMs !== undefined ? { approvalTimeoutMs: plan.approvalTimeoutMs } : {}),
    ...(plan.concurrency !== undefined ? { concurrency: plan.concurrency } : {}),
    ...(plan.approvers ? { approvers: plan.approvers } : {}),
    ...(startAtWave !== undefined && startAtWave > 0 ? { startAtWave } : {}),
    jobs: jobSettings(plan),
  };
}

/** FNV-1a of the run id: the same run polls with the same jitter. */
function seedFrom(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  return h;
}

/**
 * Wraps an activity as an xstate actor. xstate runs an invoked promise's creator while the
 * state that invokes it is still being entered; starting the work one microtask later lets
 * that state be announced first, so the event stream reads `state` before the calls it makes.
 */
function activityActor<I, O>(activity: (input: I, signal: AbortSignal) => Promise<O>) {
  // `signal` is aborted when the state that invoked the activity is left (xstate stops the actor).
  return fromPromise(async ({ input, signal }: { input: I; signal: AbortSignal }) => {
    await Promise.resolve();
    return activity(input, signal);
  });
}

/** The activities as xstate actors, under the names the wave machine invokes. */
export function activityActors(a: FailbackActivities) {
  return {
    precheck: activityActor(a.precheck),
    quiesceWrites: activityActor(a.quiesceWrites),
    measureDrain: activityActor(a.measureDrain),
    startFailback: activityActor(a.startFailback),
    pollJobs: activityActor(a.pollJobs),
    verifyFailback: activityActor(a.verifyFailback),
    stopFailback: activityActor(a.stopFailback),
    assessDrSide: activityActor(a.assessDrSide),
    restoreRecoveryPoint: activityActor(a.restoreRecoveryPoint),
    reprotect: activityActor(a.reprotect),
    cleanup: activityActor(a.cleanup),
  };
}

/** The plan machine with real activities in place of the placeholders. */
export function provideActivities(activities: FailbackActivities) {
  return planMachine.provide({
    actors: { wave: waveMachine.provide({ actors: activityActors(activities) }) },
  });
}
