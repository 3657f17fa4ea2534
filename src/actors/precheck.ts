import type { RecoverySnapshot, SourceServer } from '@aws-sdk/client-drs';
import type { AwsFailure, CheckResult, PrecheckInput, PrecheckOutput } from '../../machines/types.js';
import { parseSourceServerArn } from '../aws/ids.js';
import { type QuotaRead, quotasNotReadable } from '../aws/quotas.js';
import { JOBS_LOOKBACK_MS } from '../prechecks/active-jobs.js';
import {
  type CheckScope,
  ec2InstanceTargets,
  ec2OriginServerIds,
  jobLimitsOf,
  type NamedCheckResult,
  type OriginRegionReads,
  PRECHECK_STAGES,
  type PrecheckStage,
  type Read,
  readFailure,
  resolvedServers,
  reversedByRegion,
  runStage,
  type StageName,
  singleRecoveryInstance,
  type WaveReads,
} from '../prechecks/index.js';
import { observeInstances } from './describe-ec2.js';
import { describeJobs } from './describe-jobs.js';
import {
  describeRecoveryInstances,
  describeSourceServers,
  findReversedSourceServer,
  groupBySourceServer,
} from './describe-recovery-instances.js';
import { readJobQuotas } from './quotas.js';
import { newestRecoverySnapshot } from './recovery-snapshots.js';
import { clientsFor } from './regional.js';
import type { ActorDeps } from './types.js';

async function read<T>(fetch: () => Promise<T>): Promise<Read<T>> {
  try {
    return { ok: true, value: await fetch() };
  } catch (error) {
    return { ok: false, error };
  }
}

const byId = (items: readonly SourceServer[]): ReadonlyMap<string, SourceServer> =>
  new Map(items.flatMap((s) => (s.sourceServerID ? [[s.sourceServerID, s] as const] : [])));

/**
 * EC2-origin servers whose DR source server does not name a reversed source server (the field
 * is UNVERIFIED): look for it in the origin region by documented fields (`hardwareId` = the
 * recovery instance's EC2 instance, `identificationHints.awsInstanceID`, `replicationDirection`
 * FAILBACK). Found ARNs by DR source server id; a failed look is noted (the precheck is retried)
 * and leaves the server "not reversed". Reads only.
 */
async function lookUpReversals(
  deps: ActorDeps,
  reads: WaveReads,
  ids: readonly string[],
  noteFailure: (failure: AwsFailure) => void,
): Promise<ReadonlyMap<string, string>> {
  const found = new Map<string, string>();
  const sourceServers = reads.sourceServers?.ok ? reads.sourceServers.value : undefined;
  for (const id of ids) {
    const item = sourceServers?.get(id);
    const originRegion = item?.sourceCloudProperties?.originRegion;
    const ec2InstanceID = singleRecoveryInstance(reads, id)?.ec2InstanceID;
    if (!item || item.reversedDirectionSourceServerArn || !originRegion || !ec2InstanceID) continue;
    const drRegion = item.arn ? parseSourceServerArn(item.arn)?.region : undefined;
    const look = await read(() =>
      findReversedSourceServer(clientsFor(deps, originRegion).drs, {
        ec2InstanceID,
        ...(drRegion ? { drRegion } : {}),
      }),
    );
    if (!look.ok) noteFailure(readFailure(look.error, 'DescribeSourceServers', id, originRegion));
    else if (look.value.arn) found.set(id, look.value.arn);
  }
  return found;
}

/**
 * DRS's job quotas in every region the wave launches in: the DR region for on-premises servers,
 * the origin region of each EC2-origin server; none unless the plan reads them. Read once per
 * region and run (`deps.quotaReads`).
 */
async function readQuotasWhereLaunched(deps: ActorDeps, reads: WaveReads): Promise<QuotaRead[]> {
  if (!reads.input.jobs?.readQuotas) return [];
  const servers = resolvedServers(reads);
  const regions: (string | null)[] = [];
  if (servers.length === 0 || servers.some((s) => s.origin !== 'AWS')) regions.push(null);
  for (const s of servers) {
    if (s.origin === 'AWS' && s.originRegion && !regions.includes(s.originRegion))
      regions.push(s.originRegion);
  }
  const cache = deps.quotaReads ?? new Map<string, Promise<QuotaRead>>();
  return Promise.all(
    regions.map((region) => {
      const key = region ?? '';
      let read = cache.get(key);
      if (read === undefined) {
        const sq = region === null ? deps.serviceQuotas : clientsFor(deps, region).serviceQuotas;
        read = sq ? readJobQuotas(sq, region) : Promise.resolve(quotasNotReadable(region));
        cache.set(key, read);
      }
      return read;
    }),
  );
}

/**
 * Read-only checks before the point of no return. The reads happen here, once each; what they
 * mean is decided by the checks of src/prechecks, run stage by stage as their reads return.
 * Every check is emitted as a `check` event and returned; `ok` is false when any check failed.
 * Only Describe* operations are called here. `stages` is the registry (replaceable in tests).
 */
export async function precheck(
  deps: ActorDeps,
  input: PrecheckInput,
  stages: readonly PrecheckStage[] = PRECHECK_STAGES,
): Promise<PrecheckOutput> {
  const { wave } = input;
  const log = deps.log.child({ runId: input.runId, wave, activity: 'precheck' });
  const checks: CheckResult[] = [];
  // The first failed read that may pass if sent again (throttling, 5xx): the machine retries the precheck.
  let retryable: AwsFailure | undefined;
  const noteFailure = (failure: AwsFailure): void => {
    if (failure.retryable && retryable === undefined) retryable = failure;
  };
  const now = deps.clock.now();
  const originRegions = new Map<string, OriginRegionReads>();
  const recoverySnapshots = new Map<string, Read<RecoverySnapshot | undefined>>();
  const reads: WaveReads = { now, input, originRegions, recoverySnapshots };

  const run = (name: StageName, scope: CheckScope = {}): NamedCheckResult[] => {
    const stage = stages.find((s) => s.name === name);
    const results = stage ? runStage(stage, reads, scope) : [];
    for (const result of results) {
      checks.push(result);
      deps.emit({ type: 'check', wave, ...result });
      const level = result.status === 'fail' ? 'warn' : 'info';
      log[level]({ server: result.server, check: result.name, status: result.status }, result.detail);
    }
    return results;
  };
  const finish = (): PrecheckOutput => ({
    now: deps.clock.now(),
    ok: !checks.some((c) => c.status === 'fail'),
    checks,
    servers: resolvedServers(reads),
    limits: jobLimitsOf(reads),
    ...(retryable !== undefined ? { failure: retryable } : {}),
  });

  // Ids first: a malformed id never reaches AWS.
  const planChecks = run('plan');
  if (planChecks.some((c) => c.name === 'ids' && c.status === 'fail')) return finish();
  const sourceServerIDs = input.servers.map((s) => s.sourceServerID);

  reads.sourceServers = await read(async () => byId(await describeSourceServers(deps.drs, sourceServerIDs)));
  if (!reads.sourceServers.ok) noteFailure(readFailure(reads.sourceServers.error, 'DescribeSourceServers'));
  run('sourceServers');

  reads.recoveryInstances = await read(async () =>
    groupBySourceServer(await describeRecoveryInstances(deps.drs, { sourceServerIDs })),
  );
  if (!reads.recoveryInstances.ok) {
    noteFailure(readFailure(reads.recoveryInstances.error, 'DescribeRecoveryInstances'));
  }
  // Ages of AWS timestamps against AWS's clock (the responses' Date header), else the local one.
  reads.awsNow = deps.awsClock?.now() ?? deps.clock.now();
  run('recoveryInstances');

  // EC2 origin: the reversed replication, read in each origin region.
  const ec2Origin = new Set(ec2OriginServerIds(reads));
  if (ec2Origin.size > 0) {
    reads.reversalLookups = await lookUpReversals(deps, reads, [...ec2Origin], noteFailure);
    run('reversal');
    for (const [region, servers] of reversedByRegion(reads)) {
      const { drs } = clientsFor(deps, region);
      const reversedIds = servers.map((s) => s.reversedId);
      const regionReads: OriginRegionReads = {};
      originRegions.set(region, regionReads);
      regionReads.sourceServers = await read(async () => byId(await describeSourceServers(drs, reversedIds)));
      if (!regionReads.sourceServers.ok) {
        noteFailure(
          readFailure(regionReads.sourceServers.error, 'DescribeSourceServers', reversedIds[0], region),
        );
        run('originSourceServers', { region });
        continue;
      }
      run('originSourceServers', { region });
      regionReads.jobs = await read(() =>
        describeJobs(drs, { fromDate: new Date(now - JOBS_LOOKBACK_MS).toISOString() }),
      );
      if (!regionReads.jobs.ok) {
        noteFailure(readFailure(regionReads.jobs.error, 'DescribeJobs', undefined, region));
      }
      run('originJobs', { region });
    }
  }

  // On premises, when a backout may relaunch: a known-good point? Informational, never retried.
  if (input.restore !== 'never') {
    for (const id of sourceServerIDs.filter((s) => !ec2Origin.has(s))) {
      const snapshot = await read(() => newestRecoverySnapshot(deps.drs, id));
      recoverySnapshots.set(id, snapshot);
      run('recoverySnapshot', { server: id });
    }
  }

  reads.jobs = await read(() =>
    describeJobs(deps.drs, { fromDate: new Date(now - JOBS_LOOKBACK_MS).toISOString() }),
  );
  if (!reads.jobs.ok) noteFailure(readFailure(reads.jobs.error, 'DescribeJobs'));
  run('jobs');

  run('ec2Origin');
  const targets = ec2InstanceTargets(reads);
  if (targets.length > 0) {
    reads.ec2Instances = await observeInstances(
      deps.ec2,
      targets.map((t) => t.ec2InstanceId),
      { withStatus: false },
    );
    for (const { ec2InstanceId } of targets) {
      const observation = reads.ec2Instances.get(ec2InstanceId);
      if (observation?.kind === 'error') noteFailure(observation.failure);
    }
    run('ec2Instances');
  }

  reads.quotas = await readQuotasWhereLaunched(deps, reads);
  run('quota');
  return finish();
}
