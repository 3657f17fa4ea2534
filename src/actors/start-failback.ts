import { StartFailbackLaunchCommand } from '@aws-sdk/client-drs';
import type { AwsFailure, StartFailbackInput, StartFailbackOutput } from '../../machines/types.js';
import { chunk, unique } from '../aws/batch.js';
import { classifyAwsError } from '../aws/errors.js';
import { assertValidIds } from '../aws/ids.js';
import { serverLabel, unexpectedResponse, validationFailure } from './shared.js';
import type { ActorDeps } from './types.js';

const OPERATION = 'StartFailbackLaunch';
/** StartFailbackLaunch takes 1..200 recovery instance ids. */
export const START_FAILBACK_BATCH = 200;

export function runTags(runId: string, wave: string): Record<string, string> {
  return { 'drs-failback:run': runId, 'drs-failback:wave': wave };
}

/**
 * The point of no return: StartFailbackLaunch per batch of 200. Never retried here (a resent start
 * could launch twice); after a failed batch no further batch is sent and the machine decides.
 */
export async function startFailback(
  deps: ActorDeps,
  input: StartFailbackInput,
): Promise<StartFailbackOutput> {
  const log = deps.log.child({ runId: input.runId, wave: input.wave, activity: 'startFailback' });
  const ids = unique(input.recoveryInstanceIDs);
  const batches = chunk(ids, START_FAILBACK_BATCH);
  const invalid =
    validationFailure(() =>
      assertValidIds('recoveryInstanceID', ids, { min: 1, max: Infinity }, OPERATION),
    ) ??
    batches
      .map((batch) =>
        validationFailure(() => assertValidIds('recoveryInstanceID', batch, { min: 1, max: 200 }, OPERATION)),
      )
      .find((f) => f !== undefined);
  if (invalid) {
    log.error({ failure: invalid }, 'refused to start failback: invalid recovery instance ids');
    return { now: deps.clock.now(), jobIds: [], failure: invalid };
  }

  const jobIds: string[] = [];
  let failure: AwsFailure | undefined;
  for (const batch of batches) {
    const server = serverLabel(batch);
    try {
      const out = await deps.drs.send(
        new StartFailbackLaunchCommand({
          recoveryInstanceIDs: batch,
          tags: runTags(input.runId, input.wave),
        }),
      );
      const jobId = out.job?.jobID;
      if (!jobId) {
        failure = unexpectedResponse(OPERATION, server, 'DRS accepted the request but returned no job');
        break;
      }
      jobIds.push(jobId);
      log.info({ jobId, recoveryInstances: batch.length }, 'failback launch started');
    } catch (err) {
      failure = classifyAwsError(err, OPERATION, server);
      break;
    }
  }
  if (failure) {
    log.error({ failure, startedJobIds: jobIds }, 'failback launch failed; no further batches sent');
    return { now: deps.clock.now(), jobIds, failure };
  }
  return { now: deps.clock.now(), jobIds };
}
