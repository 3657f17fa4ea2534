import {
  type Job,
  JobStatus,
  OriginEnvironment,
  type RecoveryInstance,
  type SourceServer,
} from '@aws-sdk/client-drs';
import type {
  AwsFailure,
  CheckResult,
  CheckStatus,
  PrecheckInput,
  PrecheckOutput,
  ResolvedServer,
} from '../../machines/types.js';
import { classifyAwsError } from '../aws/errors.js';
import { ID_PATTERNS, isEc2InstanceId, isSourceServerId, parseSourceServerArn } from '../aws/ids.js';
import { classifyFailbackState } from '../classify/failback-state.js';
import { classifyReplicationLag, classifyReversedReplicationState } from '../classify/reverse-replication.js';
import { observeInstances } from './describe-ec2.js';
import { describeJobs } from './describe-jobs.js';
import {
  describeRecoveryInstances,
  describeSourceServers,
  findReversedSourceServer,
  groupBySourceServer,
} from './describe-recovery-instances.js';
import { newestRecoverySnapshot, snapshotTime } from './recovery-snapshots.js';
import { clientsFor } from './regional.js';
import { groupBy, inRegion } from './shared.js';
import type { ActorDeps } from './types.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const WAVE = '*';

/**
 * Read-only checks before the point of no return. Every check is emitted as a `check` event and
 * returned; `ok` is false when any check failed. Only Describe* operations are called here.
 */
export async function precheck(deps: ActorDeps, input: PrecheckInput): Promise<PrecheckOutput> {
  const { wave } = input;
  const log = deps.log.child({ runId: input.runId, wave, activity: 'precheck' });
  const checks: CheckResult[] = [];
  // The first failed read that may pass if sent again (throttling, 5xx): the machine retries the precheck.
  let retryable: AwsFailure | undefined;
  const readFailed: ReadFailed = (err, operation, server, region) => {
    const failure = inRegion(classifyAwsError(err, operation, server), region);
    if (failure.retryable && retryable === undefined) retryable = failure;
    return failure.message;
  };
  const record = (server: string, name: string, status: CheckStatus, detail: string): void => {
    checks.push({ server, name, status, detail });
    deps.emit({ type: 'check', wave, server, name, status, detail });
    const level = status === 'fail' ? 'warn' : 'info';
    log[level]({ server, check: name, status }, detail);
  };
  const finish = (servers: ResolvedServer[]): PrecheckOutput => ({
    now: deps.clock.now(),
    ok: !checks.some((c) => c.status === 'fail'),
    checks,
    servers,
    ...(retryable !== undefined ? { failure: retryable } : {}),
  });

  const now = deps.clock.now();
  if (now >= input.rtoDeadlineAt) {
    record(
      WAVE,
      'rto-budget',
      'fail',
      `RTO budget exhausted: the deadline ${new Date(input.rtoDeadlineAt).toISOString()} has passed`,
    );
  } else {
    record(
      WAVE,
      'rto-budget',
      'pass',
      `${Math.floor((input.rtoDeadlineAt - now) / 1000)} s of RTO budget left`,
    );
  }

  // Ids first: a malformed id never reaches AWS.
  let idsValid = input.servers.length > 0;
  if (!idsValid) record(WAVE, 'ids', 'fail', 'the wave has no servers');
  const seen = new Set<string>();
  for (const server of input.servers) {
    const id = server.sourceServerID;
    if (!isSourceServerId(id)) {
      idsValid = false;
      record(id, 'ids', 'fail', `sourceServerID '${id}' does not match ${ID_PATTERNS.sourceServerID.source}`);
    } else if (seen.has(id)) {
      idsValid = false;
      record(id, 'ids', 'fail', `sourceServerID ${id} appears more than once in the wave`);
    }
    seen.add(id);
    const ec2Id = server.verify?.ec2InstanceId;
    if (ec2Id !== undefined && !isEc2InstanceId(ec2Id)) {
      idsValid = false;
      record(
        id,
        'ids',
        'fail',
        `verify.ec2InstanceId '${ec2Id}' does not match ${ID_PATTERNS.ec2InstanceID.source}`,
      );
    }
  }
  if (!idsValid) return finish([]);

  const sourceServerIDs = input.servers.map((s) => s.sourceServerID);

  // Kept for the EC2-origin servers: their reversed replication is read from these items.
  let sourceServers: Map<string, SourceServer> | undefined;
  try {
    const known = new Map(
      (await describeSourceServers(deps.drs, sourceServerIDs)).flatMap((s) =>
        s.sourceServerID ? [[s.sourceServerID, s] as const] : [],
      ),
    );
    sourceServers = known;
    for (const id of sourceServerIDs) {
      if (known.has(id)) record(id, 'source-server', 'pass', `source server ${id} found`);
      else record(id, 'source-server', 'fail', `source server ${id} not found in this region`);
    }
  } catch (err) {
    record(WAVE, 'source-server', 'fail', readFailed(err, 'DescribeSourceServers'));
  }

  const resolved = new Map<string, ResolvedServer>();
  try {
    const groups = groupBySourceServer(await describeRecoveryInstances(deps.drs, { sourceServerIDs }));
    for (const id of sourceServerIDs) {
      const instances = groups.get(id) ?? [];
      const resolvedServer = resolveOne(id, instances, record);
      if (resolvedServer) resolved.set(id, resolvedServer);
    }
  } catch (err) {
    record(WAVE, 'recovery-instance', 'fail', readFailed(err, 'DescribeRecoveryInstances'));
  }

  const ec2Origin = sourceServerIDs.flatMap((id) => {
    const entry = resolved.get(id);
    return entry?.origin === OriginEnvironment.AWS ? [entry] : [];
  });
  if (ec2Origin.length > 0) {
    await checkReversedReplication(deps, {
      servers: ec2Origin,
      sourceServers,
      rpoMs: input.rpoMs,
      now,
      record,
      readFailed,
    });
  }
  const ec2OriginIds = new Set(ec2Origin.map((s) => s.sourceServerID));

  // EC2 origin: the RPO is the lag of the reversed replication, checked above.
  for (const id of sourceServerIDs.filter((s) => !ec2OriginIds.has(s))) {
    try {
      const snapshot = await newestRecoverySnapshot(deps.drs, id);
      const time = snapshot ? snapshotTime(snapshot) : undefined;
      if (!time) {
        record(id, 'rpo', 'fail', `no recovery point found for ${id}`);
        continue;
      }
      const entry = resolved.get(id);
      if (entry) entry.newestRecoveryPointAt = time.at;
      const ageMs = now - time.ms;
      if (ageMs > input.rpoMs) {
        record(
          id,
          'rpo',
          'fail',
          `newest recovery point ${time.at} is ${Math.round(ageMs / 1000)} s old, RPO is ${Math.round(input.rpoMs / 1000)} s`,
        );
      } else {
        record(id, 'rpo', 'pass', `newest recovery point ${time.at} is within the RPO`);
      }
    } catch (err) {
      record(id, 'rpo', 'fail', readFailed(err, 'DescribeRecoverySnapshots', id));
    }
  }

  try {
    const jobs = await describeJobs(deps.drs, { fromDate: new Date(now - DAY_MS).toISOString() });
    const busy = activeJobsByServer(jobs, new Set(sourceServerIDs));
    for (const [id, holding] of busy) {
      record(
        id,
        'no-active-job',
        'fail',
        `${id} is held by active job(s) ${holding.map((j) => `${j.jobID} (${j.status ?? 'no status'})`).join(', ')}`,
      );
    }
    if (busy.size === 0) record(WAVE, 'no-active-job', 'pass', 'no active DRS job holds these servers');
  } catch (err) {
    record(WAVE, 'no-active-job', 'fail', readFailed(err, 'DescribeJobs'));
  }

  for (const server of input.servers) {
    if (!ec2OriginIds.has(server.sourceServerID) || !server.verify?.ec2InstanceId) continue;
    record(
      server.sourceServerID,
      'ec2-instance',
      'warn',
      `verify.ec2InstanceId ${server.verify.ec2InstanceId} is not checked: an EC2-origin server fails back to a new instance in ${resolved.get(server.sourceServerID)?.originRegion ?? 'its origin region'}`,
    );
  }
  const targets = input.servers.flatMap((s) =>
    s.verify?.ec2InstanceId && !ec2OriginIds.has(s.sourceServerID)
      ? [{ server: s.sourceServerID, ec2InstanceId: s.verify.ec2InstanceId }]
      : [],
  );
  if (targets.length > 0) {
    const observations = await observeInstances(
      deps.ec2,
      targets.map((t) => t.ec2InstanceId),
      { withStatus: false },
    );
    for (const { server, ec2InstanceId } of targets) {
      const observation = observations.get(ec2InstanceId);
      if (observation?.kind === 'found') {
        const state = observation.instance.State?.Name ?? 'unknown state';
        record(server, 'ec2-instance', 'pass', `EC2 instance ${ec2InstanceId} exists (${state})`);
      } else if (observation?.kind === 'error') {
        if (observation.failure.retryable && retryable === undefined) retryable = observation.failure;
        record(server, 'ec2-instance', 'fail', observation.failure.message);
      } else {
        record(server, 'ec2-instance', 'fail', `EC2 instance ${ec2InstanceId} not found`);
      }
    }
  }

  return finish(sourceServerIDs.flatMap((id) => resolved.get(id) ?? []));
}

type RecordCheck = (server: string, name: string, status: CheckStatus, detail: string) => void;
/** Classifies a failed read (keeping the first retryable one) and returns its message. */
type ReadFailed = (err: unknown, operation: string, server?: string, region?: string) => string;

const PREPARE_FIRST = 'run `drs-failback prepare <plan>` first';

interface ReversedReplicationArgs {
  /** The EC2-origin servers, resolved; origin region and reversed source server are filled in here. */
  servers: ResolvedServer[];
  /** The DR region's source servers, by id; undefined when they could not be read. */
  sourceServers: Map<string, SourceServer> | undefined;
  rpoMs: number;
  now: number;
  record: RecordCheck;
  readFailed: ReadFailed;
}

/**
 * EC2 origin: the DR source server's `reversedDirectionSourceServerArn` names the reversed source
 * server (origin region, account, `s-` id); in the origin region it must exist, replicate
 * CONTINUOUS with a lag within the RPO, and no active job may hold it. Reads only.
 */
async function checkReversedReplication(deps: ActorDeps, args: ReversedReplicationArgs): Promise<void> {
  const { record, readFailed } = args;
  const reversed: ResolvedServer[] = [];
  for (const server of args.servers) {
    const id = server.sourceServerID;
    // Not readable or not found: the source-server check already failed for it.
    const item = args.sourceServers?.get(id);
    if (!item) continue;
    let arn = item.reversedDirectionSourceServerArn;
    const originRegion =
      (arn ? parseSourceServerArn(arn)?.region : undefined) ?? item.sourceCloudProperties?.originRegion;
    if (originRegion) server.originRegion = originRegion;
    if (!arn && originRegion && server.recoveryEc2InstanceID) {
      // No pointer on the DR source server (the field is UNVERIFIED): look in the origin region by
      // documented fields. A failed look is reported; nothing here sends anything.
      try {
        const drRegion = item.arn ? parseSourceServerArn(item.arn)?.region : undefined;
        const found = await findReversedSourceServer(clientsFor(deps, originRegion).drs, {
          ec2InstanceID: server.recoveryEc2InstanceID,
          ...(drRegion ? { drRegion } : {}),
        });
        if (found.ambiguous) {
          record(
            id,
            'reverse-replication',
            'fail',
            `several source servers in ${originRegion} replicate from ${server.recoveryEc2InstanceID} (${found.ambiguous.join(', ')})`,
          );
          continue;
        }
        arn = found.arn;
      } catch (err) {
        record(
          id,
          'reverse-replication',
          'fail',
          readFailed(err, 'DescribeSourceServers', undefined, originRegion),
        );
        continue;
      }
    }
    const parsed = arn ? parseSourceServerArn(arn) : undefined;
    if (!arn) {
      const to = originRegion ? ` to ${originRegion}` : '';
      record(
        id,
        'reverse-replication',
        'fail',
        `replication of ${id} is not reversed${to}; ${PREPARE_FIRST}`,
      );
      continue;
    }
    if (!parsed) {
      record(
        id,
        'reverse-replication',
        'fail',
        `reversedDirectionSourceServerArn '${arn}' of ${id} does not match ${ID_PATTERNS.sourceServerArn.source}`,
      );
      continue;
    }
    server.reversedSourceServerID = parsed.sourceServerID;
    reversed.push(server);
  }

  for (const [region, servers] of groupBy(reversed, (s) => s.originRegion ?? '')) {
    const { drs } = clientsFor(deps, region);
    const reversedIds = servers.flatMap((s) => (s.reversedSourceServerID ? [s.reversedSourceServerID] : []));
    let found: Map<string, SourceServer>;
    try {
      found = new Map(
        (await describeSourceServers(drs, reversedIds)).flatMap((s) =>
          s.sourceServerID ? [[s.sourceServerID, s] as const] : [],
        ),
      );
    } catch (err) {
      for (const server of servers) {
        record(
          server.sourceServerID,
          'reverse-replication',
          'fail',
          readFailed(err, 'DescribeSourceServers', server.reversedSourceServerID, region),
        );
      }
      continue;
    }
    for (const server of servers) {
      const reversedId = server.reversedSourceServerID ?? '';
      const item = found.get(reversedId);
      if (!item) {
        record(
          server.sourceServerID,
          'reverse-replication',
          'fail',
          `reversed source server ${reversedId} not found in ${region}; ${PREPARE_FIRST}`,
        );
        continue;
      }
      const info = item.dataReplicationInfo;
      const state = classifyReversedReplicationState(
        info?.dataReplicationState as string | undefined,
        region,
      );
      record(
        server.sourceServerID,
        'reverse-replication',
        state.status,
        `reversed source server ${reversedId}: ${state.detail}`,
      );
      const lag = classifyReplicationLag(info?.lagDuration, args.rpoMs);
      record(server.sourceServerID, 'rpo', lag.status, `reversed source server ${reversedId}: ${lag.detail}`);
    }

    // One launch job per source server at a time: a job still holding a reversed server blocks the start.
    try {
      const jobs = await describeJobs(drs, { fromDate: new Date(args.now - DAY_MS).toISOString() });
      const drIdOf = new Map(servers.map((s) => [s.reversedSourceServerID ?? '', s.sourceServerID]));
      const busy = activeJobsByServer(jobs, new Set(reversedIds));
      for (const [reversedId, holding] of busy) {
        record(
          drIdOf.get(reversedId) ?? reversedId,
          'no-active-job',
          'fail',
          `reversed source server ${reversedId} is held by active job(s) in ${region}: ${holding.map((j) => `${j.jobID} (${j.status ?? 'no status'})`).join(', ')}`,
        );
      }
      if (busy.size === 0) {
        record(
          WAVE,
          'no-active-job',
          'pass',
          `no active DRS job in ${region} holds the reversed source servers`,
        );
      }
    } catch (err) {
      record(WAVE, 'no-active-job', 'fail', readFailed(err, 'DescribeJobs', undefined, region));
    }
  }
}

function resolveOne(
  id: string,
  instances: RecoveryInstance[],
  record: RecordCheck,
): ResolvedServer | undefined {
  if (instances.length === 0) {
    record(id, 'recovery-instance', 'fail', `no recovery instance for ${id}`);
    return undefined;
  }
  if (instances.length > 1) {
    record(
      id,
      'recovery-instance',
      'fail',
      `${instances.length} recovery instances for ${id} (${instances.map((i) => i.recoveryInstanceID).join(', ')}); expected exactly one`,
    );
    return undefined;
  }
  const [instance] = instances as [RecoveryInstance];
  if (!instance.recoveryInstanceID) {
    record(id, 'recovery-instance', 'fail', `the recovery instance of ${id} has no recoveryInstanceID`);
    return undefined;
  }
  record(
    id,
    'recovery-instance',
    'pass',
    `recovery instance ${instance.recoveryInstanceID}${instance.ec2InstanceID ? ` (EC2 ${instance.ec2InstanceID})` : ''}`,
  );
  if (instance.isDrill) {
    record(
      id,
      'drill-instance',
      'warn',
      `recovery instance ${instance.recoveryInstanceID} was launched by a drill`,
    );
  }
  const resolved: ResolvedServer = { sourceServerID: id, recoveryInstanceID: instance.recoveryInstanceID };
  if (instance.ec2InstanceID) resolved.recoveryEc2InstanceID = instance.ec2InstanceID;
  const origin = instance.originEnvironment as string | undefined;
  if (origin === OriginEnvironment.AWS) {
    // Failback state belongs to the failback client flow; EC2 origin is checked on its reversed replication.
    record(id, 'origin', 'pass', `${id} came from EC2 (originEnvironment AWS): reverse replication flow`);
    resolved.origin = 'AWS';
    return resolved;
  }
  if (origin !== undefined && origin !== OriginEnvironment.ON_PREMISES) {
    record(id, 'origin', 'warn', `unknown originEnvironment '${origin}'; taking the on-premises flow`);
  }
  const state = instance.failback?.state as string | undefined;
  const stateClass = classifyFailbackState(state);
  if (stateClass === 'ready') {
    record(id, 'failback-state', 'pass', `failback state ${state}`);
  } else if (stateClass === 'unknown') {
    record(
      id,
      'failback-state',
      'fail',
      state === undefined
        ? 'recovery instance reports no failback state'
        : `unknown failback state '${state}'`,
    );
  } else {
    record(id, 'failback-state', 'fail', `failback state is ${state}, needs FAILBACK_READY_FOR_LAUNCH`);
  }
  if (state) resolved.failbackState = state;
  return resolved;
}

/** Jobs not COMPLETED (unknown statuses count as active) that hold one of the wave's servers. */
function activeJobsByServer(jobs: readonly Job[], servers: ReadonlySet<string>): Map<string, Job[]> {
  const busy = new Map<string, Job[]>();
  for (const job of jobs) {
    if (job.status === JobStatus.COMPLETED) continue;
    for (const participant of job.participatingServers ?? []) {
      const id = participant.sourceServerID;
      if (!id || !servers.has(id)) continue;
      const list = busy.get(id) ?? [];
      if (!list.includes(job)) list.push(job);
      busy.set(id, list);
    }
  }
  return busy;
}
