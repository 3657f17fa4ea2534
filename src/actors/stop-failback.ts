import { StopFailbackCommand } from '@aws-sdk/client-drs';
import type { AwsFailure, StopFailbackInput, StopFailbackOutput } from '../../machines/types.js';
import { unique } from '../aws/batch.js';
import { classifyAwsError } from '../aws/errors.js';
import { assertValidIds } from '../aws/ids.js';
import { validationFailure } from './shared.js';
import type { ActorDeps } from './types.js';

const OPERATION = 'StopFailback';

/**
 * Backout before the point of no return: StopFailback for each recovery instance. Every instance
 * is tried; failures (conflict, not found, ...) are recorded, never thrown.
 */
export async function stopFailback(deps: ActorDeps, input: StopFailbackInput): Promise<StopFailbackOutput> {
  const stopped: string[] = [];
  const failures: AwsFailure[] = [];
  for (const recoveryInstanceID of unique(input.recoveryInstanceIDs)) {
    const log = deps.log.child({ wave: input.wave, recoveryInstanceID, activity: 'stopFailback' });
    const invalid = validationFailure(
      () =>
        assertValidIds(
          'recoveryInstanceID',
          [recoveryInstanceID],
          { min: 1, max: 1, field: 'recoveryInstanceID' },
          OPERATION,
        ),
      recoveryInstanceID,
    );
    if (invalid) {
      failures.push(invalid);
      log.error({ failure: invalid }, 'refused to stop failback: invalid recovery instance id');
      continue;
    }
    try {
      await deps.drs.send(new StopFailbackCommand({ recoveryInstanceID }));
      stopped.push(recoveryInstanceID);
      log.info('failback stopped');
    } catch (err) {
      const failure = classifyAwsError(err, OPERATION, recoveryInstanceID);
      failures.push(failure);
      log.warn({ failure }, 'stop failback failed');
    }
  }
  return { now: deps.clock.now(), stopped, failures };
}
