import { InitiatedBy, StartRecoveryCommand } from '@aws-sdk/client-drs';
import type {
  AwsFailure,
  RestoredServer,
  RestoreRecoveryPointInput,
  RestoreRecoveryPointOutput,
} from '../../machines/types.js';
import { chunk, unique } from '../aws/batch.js';
import { classifyAwsError } from '../aws/errors.js';
import { assertValidIds } from '../aws/ids.js';
import { newestRecoverySnapshotBefore } from './recovery-snapshots.js';
import { serverLabel, unexpectedResponse, validationFailure } from './shared.js';
import { listJobs, ReadFailure, runTags, startedByThisRun } from './start-failback.js';
import type { ActorDeps } from './types.js';

/** StartRecovery takes 1..200 source servers. */
export const START_RECOVERY_BATCH = 200;

/**
 * START_RECOVERY jobs created since `since` (by anyone: a relaunch already under way must not be
 * doubled), by the source server they relaunch. DescribeJobs has no per-server filter.
 */
export async function findStartedRecoveryJobs(
  deps: ActorDeps,
  sourceServerIDs: readonly string[],
  runId: string,
  since: number,
): Promise<Map<string, string>> {
  const wanted = new Set(sourceServerIDs);
  const claimed = new Map<string, string>();
  const jobs = await listJobs(deps.drs, { fromDate: new Date(since).toISOString() });
  for (const job of jobs) {
    if (!job.jobID || job.initiatedBy !== InitiatedBy.START_RECOVERY) continue;
    if (!startedByThisRun(job, runId, since)) continue;
    for (const server of job.participatingServers ?? []) {
      const id = server.sourceServerID;
      if (id && wanted.has(id) && !claimed.has(id)) claimed.set(id, job.jobID);
    }
  }
  return claimed;
}

/**
 * Relaunches recovery instances at the newest recovery point taken before the run began:
 * DescribeRecoverySnapshots per server, then StartRecovery (isDrill false) with that snapshot.
 * Only reads and StartRecovery: never StopReplication, disconnect, terminate or delete.
 * Idempotent across a restore: a START_RECOVERY job for a server created since the backout
 * began (`jobsCreatedAfter`, else `before`) is adopted instead of relaunching it again.
 */
export async function restoreRecoveryPoint(
  deps: ActorDeps,
  input: RestoreRecoveryPointInput,
): Promise<RestoreRecoveryPointOutput> {
  const log = deps.log.child({ runId: input.runId, wave: input.wave, activity: 'restoreRecoveryPoint' });
  const sourceServerIDs = unique(input.sourceServerIDs);
  const invalid = validationFailure(() =>
    assertValidIds('sourceServerID', sourceServerIDs, { min: 1, max: Infinity }, 'StartRecovery'),
  );
  if (invalid) return { now: deps.clock.now(), jobIds: [], restored: [], failure: invalid };

  // Read every recovery point first: a read failure must not leave half the wave relaunched.
  const points: RestoredServer[] = [];
  const missing: string[] = [];
  for (const sourceServerID of sourceServerIDs) {
    try {
      const found = await newestRecoverySnapshotBefore(deps.drs, sourceServerID, input.before);
      if (found?.snapshot.snapshotID) {
        points.push({ sourceServerID, recoverySnapshotID: found.snapshot.snapshotID, snapshotAt: found.at });
      } else {
        missing.push(sourceServerID);
      }
    } catch (err) {
      const failure = classifyAwsError(err, 'DescribeRecoverySnapshots', sourceServerID);
      log.warn({ failure }, 'could not read recovery points; nothing relaunched');
      return { now: deps.clock.now(), jobIds: [], restored: [], failure };
    }
  }

  let adopted: Map<string, string>;
  try {
    adopted = await findStartedRecoveryJobs(
      deps,
      sourceServerIDs,
      input.runId,
      input.jobsCreatedAfter ?? input.before,
    );
  } catch (err) {
    if (!(err instanceof ReadFailure)) throw err;
    const failure = classifyAwsError(err.error, err.operation, serverLabel(sourceServerIDs));
    log.warn({ failure }, 'could not read the recovery jobs already running; nothing relaunched');
    return { now: deps.clock.now(), jobIds: [], restored: [], failure };
  }

  const jobIds: string[] = [];
  const restored: RestoredServer[] = [];
  if (adopted.size > 0) {
    jobIds.push(...unique([...adopted.values()]));
    restored.push(...points.filter((p) => adopted.has(p.sourceServerID)));
    log.info({ jobIds, servers: adopted.size }, 'relaunch already started; adopting its job(s)');
  }
  const unadoptedMissing = missing.filter((id) => !adopted.has(id));
  missing.splice(0, missing.length, ...unadoptedMissing);
  let failure: AwsFailure | undefined;
  for (const batch of chunk(
    points.filter((p) => !adopted.has(p.sourceServerID)),
    START_RECOVERY_BATCH,
  )) {
    const server = serverLabel(batch.map((p) => p.sourceServerID));
    try {
      const out = await deps.drs.send(
        new StartRecoveryCommand({
          sourceServers: batch.map((p) => ({
            sourceServerID: p.sourceServerID,
            recoverySnapshotID: p.recoverySnapshotID,
          })),
          isDrill: false,
          tags: runTags(input.runId, input.wave),
        }),
      );
      const jobId = out.job?.jobID;
      if (!jobId) {
        failure = unexpectedResponse('StartRecovery', server, 'DRS accepted the request but returned no job');
        break;
      }
      jobIds.push(jobId);
      restored.push(...batch);
      for (const point of batch) {
        log
          .child({ server: point.sourceServerID })
          .info(
            { jobId, recoverySnapshotID: point.recoverySnapshotID, snapshotAt: point.snapshotAt },
            'relaunch at recovery point started',
          );
      }
    } catch (err) {
      failure = classifyAwsError(err, 'StartRecovery', server);
      break;
    }
  }
  if (!failure && missing.length > 0) {
    const server = serverLabel(missing);
    failure = {
      kind: 'not-found',
      name: 'NoRecoveryPoint',
      operation: 'DescribeRecoverySnapshots',
      message: `DescribeRecoverySnapshots for ${server} failed: no recovery point before ${new Date(input.before).toISOString()}`,
      retryable: false,
    };
    if (server) failure.server = server;
  }
  if (failure) {
    log.error({ failure, jobIds }, 'restore incomplete');
    return { now: deps.clock.now(), jobIds, restored, failure };
  }
  return { now: deps.clock.now(), jobIds, restored };
}
