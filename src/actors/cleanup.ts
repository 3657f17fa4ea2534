import { DisconnectRecoveryInstanceCommand, TerminateRecoveryInstancesCommand } from '@aws-sdk/client-drs';
import type { AwsFailure, CleanupInput, CleanupOutput } from '../../machines/types.js';
import { chunk, unique } from '../aws/batch.js';
import { classifyAwsError } from '../aws/errors.js';
import { assertValidIds } from '../aws/ids.js';
import { serverLabel, unexpectedResponse, validationFailure } from './shared.js';
import type { ActorDeps } from './types.js';

const OPERATION = 'TerminateRecoveryInstances';
const DISCONNECT = 'DisconnectRecoveryInstance';
/** TerminateRecoveryInstances takes 1..200 recovery instance ids. */
export const TERMINATE_BATCH = 200;

/**
 * After a verified failback (any origin) and its own approval, the old recovery instances in the
 * DR region: `terminate` sends TerminateRecoveryInstances, 200 per call; `disconnect` sends
 * DisconnectRecoveryInstance, one per instance (DRS stops tracking it; the EC2 instance stays).
 * Irreversible, so every id is validated before anything is sent and a failed call stops the
 * rest. Failures are typed, never thrown.
 */
export async function cleanup(deps: ActorDeps, input: CleanupInput): Promise<CleanupOutput> {
  const log = deps.log.child({ runId: input.runId, wave: input.wave, activity: 'cleanup' });
  const ids = unique(input.recoveryInstanceIDs);
  const jobIds: string[] = [];
  const terminated: string[] = [];
  const disconnected: string[] = [];
  const mode = input.mode ?? 'terminate';
  const done = (failure?: AwsFailure): CleanupOutput => ({
    now: deps.clock.now(),
    jobIds,
    terminated,
    ...(mode === 'disconnect' ? { disconnected } : {}),
    failures: failure ? [failure] : [],
  });
  if (ids.length === 0) return done();
  const invalid = validationFailure(
    () => assertValidIds('recoveryInstanceID', ids, { min: 1, max: Infinity }, OPERATION),
    serverLabel(ids),
  );
  if (invalid) {
    log.error({ failure: invalid }, 'refused to terminate: invalid recovery instance ids');
    return done(invalid);
  }

  if (mode === 'disconnect') {
    for (const id of ids) {
      try {
        await deps.drs.send(new DisconnectRecoveryInstanceCommand({ recoveryInstanceID: id }));
        disconnected.push(id);
        log.info({ recoveryInstanceID: id }, 'old recovery instance disconnected');
      } catch (err) {
        const failure = classifyAwsError(err, DISCONNECT, id);
        log.error({ failure, disconnected }, 'clean-up failed; no further instances disconnected');
        return done(failure);
      }
    }
    return done();
  }

  for (const batch of chunk(ids, TERMINATE_BATCH)) {
    const server = serverLabel(batch);
    try {
      const out = await deps.drs.send(new TerminateRecoveryInstancesCommand({ recoveryInstanceIDs: batch }));
      const jobId = out.job?.jobID;
      if (!jobId) {
        const failure = unexpectedResponse(OPERATION, server, 'DRS accepted the request but returned no job');
        log.error({ failure, jobIds }, 'clean-up stopped');
        return done(failure);
      }
      jobIds.push(jobId);
      terminated.push(...batch);
      log.info({ jobId, recoveryInstances: batch.length }, 'old recovery instances terminating');
    } catch (err) {
      const failure = classifyAwsError(err, OPERATION, server);
      log.error({ failure, jobIds }, 'clean-up failed; no further batches sent');
      return done(failure);
    }
  }
  return done();
}
