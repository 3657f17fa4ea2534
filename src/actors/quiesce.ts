// The cutover's quiesce: the application's writes on the recovery instances stop. Against real
// AWS there is nothing to call (a person stopped them and confirmed it, or the plan says they
// need not); the simulated world gets `stopWrites` so its replication can drain (deps.writes).
import type { QuiesceInput, QuiesceOutput } from '../../machines/types.js';
import type { ActorDeps } from './types.js';

export async function quiesceWrites(deps: ActorDeps, input: QuiesceInput): Promise<QuiesceOutput> {
  await deps.writes?.stopWrites(input.recoveryInstanceIDs);
  deps.log
    .child({ runId: input.runId, wave: input.wave, activity: 'quiesceWrites' })
    .info({ recoveryInstances: input.recoveryInstanceIDs.length }, 'writes on the DR side stopped');
  return { now: deps.clock.now() };
}
