import { ReverseReplicationCommand } from '@aws-sdk/client-drs';
import type { AwsFailure, ReprotectInput, ReprotectOutput, ReprotectTarget } from '../../machines/types.js';
import { classifyAwsError } from '../aws/errors.js';
import { assertValidIds, ID_PATTERNS, InvalidRequestError, parseSourceServerArn } from '../aws/ids.js';
import { describeRecoveryInstances, describeSourceServers } from './describe-recovery-instances.js';
import { clientsFor } from './regional.js';
import { inRegion, unexpectedResponse, validationFailure } from './shared.js';
import type { ActorDeps } from './types.js';

const OPERATION = 'ReverseReplication';

function validateTarget(target: ReprotectTarget): void {
  if (!ID_PATTERNS.region.test(target.originRegion)) {
    throw new InvalidRequestError({
      operation: OPERATION,
      field: 'region',
      value: target.originRegion,
      pattern: ID_PATTERNS.region.source,
      problem: `origin region '${target.originRegion}' of ${target.sourceServerID} is not a region name`,
    });
  }
  assertValidIds(
    'recoveryInstanceID',
    [target.recoveryInstanceID],
    { min: 1, max: 1, field: 'recoveryInstanceID' },
    OPERATION,
  );
}

/**
 * After a conflict: is the new primary already protected? Reads its recovery instance (origin
 * region) for its source server, and that source server's `reversedDirectionSourceServerArn`.
 * Returns the ARN when a reversal exists; throws when the reads fail.
 */
async function existingReversal(deps: ActorDeps, target: ReprotectTarget): Promise<string | undefined> {
  const { drs } = clientsFor(deps, target.originRegion);
  const [instance] = await describeRecoveryInstances(drs, {
    recoveryInstanceIDs: [target.recoveryInstanceID],
  });
  const sourceServerID = instance?.sourceServerID;
  if (!sourceServerID) return undefined;
  const [server] = await describeSourceServers(drs, [sourceServerID]);
  const arn = server?.reversedDirectionSourceServerArn;
  return arn && parseSourceServerArn(arn) ? arn : undefined;
}

/**
 * EC2 origin, after a verified failback and its own approval: ReverseReplication of each new
 * primary's recovery instance in its origin region, so DRS protects it again. One call per
 * server; every server is tried; failures are typed, never thrown. A ConflictException is
 * re-read: a reversal that already exists counts as done (a resumed run may send it again).
 */
export async function reprotect(deps: ActorDeps, input: ReprotectInput): Promise<ReprotectOutput> {
  const reversed: ReprotectOutput['reversed'] = [];
  const failures: AwsFailure[] = [];
  for (const target of input.servers) {
    const { sourceServerID, originRegion, recoveryInstanceID } = target;
    const log = deps.log.child({
      runId: input.runId,
      wave: input.wave,
      server: sourceServerID,
      region: originRegion,
      recoveryInstanceID,
      activity: 'reprotect',
    });
    const invalid = validationFailure(() => validateTarget(target), sourceServerID);
    if (invalid) {
      failures.push(invalid);
      log.error({ failure: invalid }, 'refused to re-protect: invalid input');
      continue;
    }
    try {
      const out = await clientsFor(deps, originRegion).drs.send(
        new ReverseReplicationCommand({ recoveryInstanceID }),
      );
      const arn = out.reversedDirectionSourceServerArn;
      if (!arn) {
        const failure = inRegion(
          unexpectedResponse(OPERATION, sourceServerID, 'DRS returned no reversedDirectionSourceServerArn'),
          originRegion,
        );
        failures.push(failure);
        log.error({ failure }, 're-protect answered without an ARN');
        continue;
      }
      reversed.push({ sourceServerID, reversedDirectionSourceServerArn: arn });
      log.info(
        { reversedDirectionSourceServerArn: arn },
        'replication reversed: the new primary is protected',
      );
    } catch (err) {
      const failure = inRegion(classifyAwsError(err, OPERATION, sourceServerID), originRegion);
      if (failure.kind === 'conflict') {
        try {
          const arn = await existingReversal(deps, target);
          if (arn) {
            reversed.push({ sourceServerID, reversedDirectionSourceServerArn: arn });
            log.info({ reversedDirectionSourceServerArn: arn }, 'conflict: replication was already reversed');
            continue;
          }
        } catch (readErr) {
          log.warn(
            {
              failure: inRegion(
                classifyAwsError(readErr, 'DescribeSourceServers', sourceServerID),
                originRegion,
              ),
            },
            'could not re-read after a conflict',
          );
        }
      }
      failures.push(failure);
      log.warn({ failure }, 're-protect failed');
    }
  }
  return { now: deps.clock.now(), reversed, failures };
}
