// The Lambda handlers of the Step Functions engine. The step handler is pure; the actor handler
// runs the same activities the CLI runs, built once per cold start by the composition root.
import type { FailbackActivities } from '../actors/types.js';
import { type StepRequest, type StepState, step } from './step.js';

/** The step Lambda: one event into the machine, the next command out. */
export function stepHandler(request: StepRequest): StepState {
  return step(request);
}

/** What the actor Tasks send: which activity, with the input the machine computed. */
export interface ActorRequest {
  actor: string;
  input: unknown;
}

const ACTIVITY_NAMES = [
  'precheck',
  'quiesceWrites',
  'measureDrain',
  'startFailback',
  'pollJobs',
  'verifyFailback',
  'stopFailback',
  'assessDrSide',
  'restoreRecoveryPoint',
  'reprotect',
  'cleanup',
] as const satisfies readonly (keyof FailbackActivities)[];

function isActivityName(name: string): name is (typeof ACTIVITY_NAMES)[number] {
  return (ACTIVITY_NAMES as readonly string[]).includes(name);
}

/** The actor Lambda: runs the named activity; unknown names are a deployment error. */
export function createActorHandler(activities: FailbackActivities) {
  return async (request: ActorRequest): Promise<unknown> => {
    if (!isActivityName(request.actor)) throw new Error(`unknown actor "${request.actor}"`);
    const activity = activities[request.actor] as (input: unknown) => Promise<unknown>;
    return activity(request.input);
  };
}
