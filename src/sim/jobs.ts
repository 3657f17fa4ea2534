// DRS jobs. A job is stored as its schedule (when it starts, when each server's launch
// ends and how); status, launch statuses and log items are derived from the virtual time.
import {
  DataReplicationState,
  type DescribeJobLogItemsCommandInput,
  type DescribeJobsCommandInput,
  FailbackState,
  InitiatedBy,
  type Job,
  type JobLog,
  JobLogEvent,
  JobStatus,
  JobType,
  LaunchStatus,
  OriginEnvironment,
  ReplicationDirection,
  type StartFailbackLaunchCommandInput,
  type StartRecoveryCommandInput,
  type TerminateRecoveryInstancesCommandInput,
} from '@aws-sdk/client-drs';
import { DRS_JOB_QUOTAS } from '../aws/quotas.js';
import { addEc2Instance, drNetwork, drPrivateIp } from './ec2.js';
import { copyPointAt } from './failback-replication.js';
import {
  failbackErrorFault,
  failbackStateStuck,
  impairedAfterLaunch,
  instanceNotFoundForMs,
  jobNeverFinishes,
  type LaunchPhase,
  launchFails,
} from './faults.js';
import { ID_PATTERNS, newInstanceId, newJobId } from './ids.js';
import { openPage, slicePage } from './pagination.js';
import { jobQuotaValues } from './quotas.js';
import { visibleRecoveryInstance } from './recovery-instances.js';
import { scenarioServerID } from './replication.js';
import { findSnapshot } from './snapshots.js';
import type { JobRecord, JobServerRecord, SourceServerRecord } from './state.js';
import { addEntry, dropAfter, iso, valueAt } from './time.js';
import { checkIdList, checkTags } from './validate.js';
import type { World } from './world.js';

const TERMINATE_DURATION_MS = 2 * 60_000;

const isActive = (job: JobRecord, t: number): boolean => job.endAt === null || job.endAt > t;

/** Active jobs of the current region (DRS quotas and locks are per region). */
export function activeJobs(world: World): JobRecord[] {
  return world.jobs().filter((j) => isActive(j, world.now));
}

function holder(world: World, match: (s: JobServerRecord) => boolean): JobRecord | undefined {
  return activeJobs(world).find((j) => j.servers.some(match));
}

/**
 * Rejects starting a job on anything an active job holds, or beyond the job quotas. The per-job
 * quota applies to launches (StartFailbackLaunch, StartRecovery); a TERMINATE job takes the
 * request's 200 (ASSUMED: the guide's quota names source servers in a recovery job).
 */
function checkCapacity(
  world: World,
  servers: { sourceServerID: string; recoveryInstanceID?: string }[],
  kind: 'launch' | 'terminate' = 'launch',
): void {
  for (const s of servers) {
    const ri = s.recoveryInstanceID;
    const byInstance = ri === undefined ? undefined : holder(world, (p) => p.recoveryInstanceID === ri);
    if (byInstance && ri !== undefined) {
      throw world.drsError(
        'ConflictException',
        `Recovery instance ${ri} is part of active job ${byInstance.jobID}`,
        {
          resourceId: ri,
          resourceType: 'RECOVERY_INSTANCE',
        },
      );
    }
    const byServer = holder(world, (p) => p.sourceServerID === s.sourceServerID);
    if (byServer) {
      throw world.drsError(
        'ConflictException',
        `Source server ${s.sourceServerID} is part of active job ${byServer.jobID}`,
        { resourceId: s.sourceServerID, resourceType: 'SOURCE_SERVER' },
      );
    }
  }
  const active = activeJobs(world);
  const { concurrentJobs, serversInAllJobs, serversPerJob } = jobQuotaValues(world);
  if (kind === 'launch' && servers.length > serversPerJob) {
    throw world.drsError(
      'ServiceQuotaExceededException',
      `At most ${serversPerJob} source servers in a single job (${servers.length} requested)`,
      { resourceType: 'JOB', quotaCode: DRS_JOB_QUOTAS.serversPerJob.code },
    );
  }
  if (active.length >= concurrentJobs) {
    throw world.drsError('ServiceQuotaExceededException', `At most ${concurrentJobs} concurrent jobs`, {
      resourceType: 'JOB',
      quotaCode: DRS_JOB_QUOTAS.concurrentJobs.code,
    });
  }
  const busy = active.reduce((n, j) => n + j.servers.length, 0);
  if (busy + servers.length > serversInAllJobs) {
    throw world.drsError(
      'ServiceQuotaExceededException',
      `At most ${serversInAllJobs} servers in all active jobs (${busy} busy, ${servers.length} requested)`,
      { resourceType: 'JOB', quotaCode: DRS_JOB_QUOTAS.serversInAllJobs.code },
    );
  }
}

function newJob(
  world: World,
  type: JobType,
  initiatedBy: InitiatedBy,
  servers: JobServerRecord[],
  tags: Record<string, string> | undefined,
): JobRecord {
  const createdAt = world.now;
  const startAt = createdAt + (type === JobType.TERMINATE ? 0 : world.scenario.jobStartDelayMs);
  const ends = servers.map((s) => s.endAt);
  const job: JobRecord = {
    jobID: world.freshId(newJobId),
    region: world.region,
    type,
    initiatedBy,
    createdAt,
    startAt,
    endAt: ends.includes(null) ? null : Math.max(startAt, ...(ends as number[])),
    ...(tags && Object.keys(tags).length > 0 ? { tags: { ...tags } } : {}),
    servers,
  };
  world.addJob(job);
  return job;
}

export function jobView(world: World, job: JobRecord): Job {
  const t = world.now;
  const status =
    t < job.startAt ? JobStatus.PENDING : isActive(job, t) ? JobStatus.STARTED : JobStatus.COMPLETED;
  return {
    jobID: job.jobID,
    arn: world.arn(`job/${job.jobID}`),
    type: job.type,
    initiatedBy: job.initiatedBy,
    creationDateTime: iso(job.createdAt),
    ...(status === JobStatus.COMPLETED && job.endAt !== null ? { endDateTime: iso(job.endAt) } : {}),
    status,
    participatingServers: job.servers.map((s) => {
      const launchStatus = launchStatusAt(job, s, t);
      // A recovery names the instance it launched once it exists (UNVERIFIED: when DRS fills it in).
      const recoveryInstanceID =
        s.recoveryInstanceID ??
        (launchStatus === LaunchStatus.LAUNCHED ? s.newRecoveryInstanceID : undefined);
      return {
        sourceServerID: s.sourceServerID,
        ...(recoveryInstanceID ? { recoveryInstanceID } : {}),
        launchStatus,
      };
    }),
    tags: { ...(job.tags ?? {}) },
    participatingResources: [],
  };
}

function launchStatusAt(job: JobRecord, s: JobServerRecord, t: number): LaunchStatus {
  if (t < job.startAt) return LaunchStatus.PENDING;
  if (s.endAt === null || t < s.endAt) return LaunchStatus.IN_PROGRESS;
  if (job.type === JobType.TERMINATE) return LaunchStatus.TERMINATED;
  return s.result === 'LAUNCHED' ? LaunchStatus.LAUNCHED : LaunchStatus.FAILED;
}

// A job record never changes once created, so its whole timeline is built once and kept while
// the job's log still grows: polls of large jobs would otherwise rebuild and re-format hundreds
// of items on every page. A read that sees the whole log (the job is over, and its poller stops)
// lets it go: the logs of every finished job were a tenth of a large run's memory, and a
// finished job's log is rebuilt, identical, if it is read again (docs/performance.md).
const timelines = new WeakMap<JobRecord, { at: number; log: JobLog }[]>();

/** The job's log as of `t`, oldest first. */
export function jobLog(job: JobRecord, t: number): JobLog[] {
  const timeline = timelines.get(job) ?? buildTimeline(job);
  const out: JobLog[] = [];
  for (const item of timeline) {
    if (item.at > t) break;
    out.push(item.log);
  }
  if (out.length < timeline.length) timelines.set(job, timeline);
  else timelines.delete(job);
  return out;
}

function buildTimeline(job: JobRecord): { at: number; log: JobLog }[] {
  const items: { at: number; order: number; log: JobLog }[] = [];
  let order = 0;
  const add = (at: number, event: JobLogEvent, eventData: JobLog['eventData'] = {}) => {
    items.push({ at, order: order++, log: { logDateTime: iso(at), event, eventData } });
  };
  add(job.startAt, JobLogEvent.JOB_START);
  for (const s of job.servers) {
    const data = {
      sourceServerID: s.sourceServerID,
      ...(s.targetInstanceID ? { targetInstanceID: s.targetInstanceID } : {}),
    };
    if (job.type === JobType.TERMINATE) {
      add(job.startAt, JobLogEvent.CLEANUP_START, data);
      if (s.endAt !== null) add(s.endAt, JobLogEvent.CLEANUP_END, data);
      continue;
    }
    // Phases of a launch as fractions of its duration; a never-ending one stays in conversion.
    const span = (s.endAt ?? Number.POSITIVE_INFINITY) - job.startAt;
    const at = (f: number) => job.startAt + Math.round(span * f);
    if (job.initiatedBy === InitiatedBy.START_RECOVERY) {
      if (s.usedSnapshotID) add(job.startAt, JobLogEvent.USING_PREVIOUS_SNAPSHOT, data);
      else {
        add(job.startAt, JobLogEvent.SNAPSHOT_START, data);
        if (s.endAt !== null) add(at(0.1), JobLogEvent.SNAPSHOT_END, data);
      }
    }
    const conversionServerID = `i-c${s.sourceServerID.slice(2, 18)}`;
    add(s.endAt === null ? job.startAt : at(0.1), JobLogEvent.CONVERSION_START, {
      ...data,
      conversionServerID,
    });
    if (s.endAt === null) continue;
    add(at(0.5), JobLogEvent.CONVERSION_END, { ...data, conversionServerID });
    add(at(0.6), JobLogEvent.LAUNCH_START, data);
    if (s.result === 'FAILED') {
      add(s.endAt, JobLogEvent.LAUNCH_FAILED, {
        ...data,
        rawError: 'simulated launch failure: instance failed to boot',
      });
    }
  }
  if (job.endAt !== null) add(job.endAt, JobLogEvent.JOB_END);
  return items
    .filter((i) => Number.isFinite(i.at))
    .sort((a, b) => a.at - b.at || a.order - b.order)
    .map(({ at, log }) => ({ at, log }));
}

function requireJob(world: World, jobID: string): JobRecord {
  const job = world.job(jobID);
  if (!job || job.createdAt > world.now) {
    throw world.drsError('ResourceNotFoundException', `Job ${jobID} not found`, {
      resourceId: jobID,
      resourceType: 'JOB',
    });
  }
  return job;
}

export function describeJobs(world: World, input: DescribeJobsCommandInput) {
  const ids = checkIdList(world, 'filters.jobIDs', input.filters?.jobIDs, ID_PATTERNS.jobID, 0, 1000);
  const from = input.filters?.fromDate ? Date.parse(input.filters.fromDate) : undefined;
  const to = input.filters?.toDate ? Date.parse(input.filters.toDate) : undefined;
  if (from !== undefined && Number.isNaN(from))
    throw world.fieldError('filters.fromDate', 'not an ISO-8601 date');
  if (to !== undefined && Number.isNaN(to)) throw world.fieldError('filters.toDate', 'not an ISO-8601 date');
  const cursor = openPage(world, 'DescribeJobs', input);
  const wanted = new Set(ids);
  const jobs = world
    .jobs()
    .filter(
      (j) =>
        j.createdAt <= cursor.asOf &&
        (wanted.size === 0 || wanted.has(j.jobID)) &&
        (from === undefined || j.createdAt >= from) &&
        (to === undefined || j.createdAt <= to),
    )
    .reverse(); // newest first
  const { page, nextToken } = slicePage(jobs, cursor);
  return { items: page.map((j) => jobView(world, j)), ...(nextToken ? { nextToken } : {}) };
}

export function describeJobLogItems(world: World, input: DescribeJobLogItemsCommandInput) {
  const jobID = input.jobID;
  if (jobID === undefined || jobID === '') throw world.fieldError('jobID', 'required');
  if (!ID_PATTERNS.jobID.test(jobID))
    throw world.fieldError('jobID', `must match ${ID_PATTERNS.jobID.source}`);
  const cursor = openPage(world, `DescribeJobLogItems:${jobID}`, input);
  const job = requireJob(world, jobID);
  const { page, nextToken } = slicePage(jobLog(job, cursor.asOf), cursor);
  return { items: page, ...(nextToken ? { nextToken } : {}) };
}

function phaseEnd(start: number, durationMs: number, never: boolean): number | null {
  return never ? null : start + durationMs;
}

export function startFailbackLaunch(world: World, input: StartFailbackLaunchCommandInput) {
  const ids = checkIdList(
    world,
    'recoveryInstanceIDs',
    input.recoveryInstanceIDs,
    ID_PATTERNS.recoveryInstanceID,
    1,
    200,
  );
  checkTags(world, 'tags', input.tags);
  const unique = [...new Set(ids)];
  const instances = unique.map((id) => visibleRecoveryInstance(world, id));
  for (const ri of instances) {
    if (ri.origin === OriginEnvironment.AWS) {
      throw world.drsError(
        'ValidationException',
        `Recovery instance ${ri.recoveryInstanceID} originates in AWS; fail it back with ReverseReplication`,
        { reason: 'other', fieldList: [{ name: 'recoveryInstanceIDs', message: ri.recoveryInstanceID }] },
      );
    }
  }
  checkCapacity(
    world,
    instances.map((ri) => ({ sourceServerID: ri.sourceServerID, recoveryInstanceID: ri.recoveryInstanceID })),
  );
  for (const ri of instances) {
    const state = valueAt(ri.failback, world.now);
    if (state !== FailbackState.FAILBACK_READY_FOR_LAUNCH) {
      throw world.drsError(
        'ValidationException',
        `Recovery instance ${ri.recoveryInstanceID} is not ready for failback launch (failback state ${state})`,
        {
          reason: 'other',
          fieldList: [{ name: 'recoveryInstanceIDs', message: `${ri.recoveryInstanceID}: ${state}` }],
        },
      );
    }
  }

  const start = world.now + world.scenario.jobStartDelayMs;
  const phase: LaunchPhase = 'failback';
  const never = jobNeverFinishes(
    world,
    instances.map((ri) => ri.sourceServerID),
    phase,
  );
  const servers: JobServerRecord[] = instances.map((ri) => {
    const server = world.sourceServer(ri.sourceServerID);
    const failed = server?.launch.result === 'failed' || launchFails(world, ri.sourceServerID, phase);
    return {
      sourceServerID: ri.sourceServerID,
      recoveryInstanceID: ri.recoveryInstanceID,
      // The target gets the instance's data as replicated when the launch is sent (ASSUMED).
      copyAt: copyPointAt(world, ri, world.now),
      ...(ri.targetEc2InstanceID ? { targetInstanceID: ri.targetEc2InstanceID } : {}),
      endAt: phaseEnd(start, server?.launch.durationMs ?? 0, never),
      result: failed ? 'FAILED' : 'LAUNCHED',
    };
  });
  const job = newJob(world, JobType.LAUNCH, InitiatedBy.FAILBACK, servers, input.tags);

  for (const [i, ri] of instances.entries()) {
    const s = servers[i] as JobServerRecord;
    const server = world.sourceServer(ri.sourceServerID);
    ri.failbackJobID = job.jobID;
    ri.failbackInitiatedAt = world.now;
    dropAfter(ri.failback, world.now);
    addEntry(ri.failback, world.now, FailbackState.FAILBACK_IN_PROGRESS);
    if (s.endAt === null) continue;
    const errorFault = failbackErrorFault(world, ri.sourceServerID);
    if (s.result === 'FAILED' || (errorFault && errorFault.at === undefined)) {
      addEntry(ri.failback, s.endAt, FailbackState.FAILBACK_ERROR);
    } else if (!failbackStateStuck(world, ri.sourceServerID)) {
      addEntry(ri.failback, s.endAt, FailbackState.FAILBACK_COMPLETED);
    }
    const target = ri.targetEc2InstanceID ? world.ec2Instance(ri.targetEc2InstanceID) : undefined;
    if (target && server) {
      // The conversion reboots the target: checks restart, and end ok or impaired.
      const launchStart = job.startAt + Math.round((s.endAt - job.startAt) * 0.6);
      addEntry(target.instanceStatus, launchStart, 'initializing');
      addEntry(target.systemStatus, launchStart, 'initializing');
      if (s.result === 'FAILED') {
        addEntry(target.instanceStatus, s.endAt, 'impaired');
        addEntry(target.systemStatus, s.endAt, 'ok');
      } else {
        const impaired = server.health.result === 'impaired' || impairedAfterLaunch(world, ri.sourceServerID);
        addEntry(target.instanceStatus, s.endAt + server.health.afterMs, impaired ? 'impaired' : 'ok');
        addEntry(target.systemStatus, s.endAt + server.health.afterMs, 'ok');
        const hidden = instanceNotFoundForMs(world);
        if (hidden !== undefined) target.notFoundUntil = s.endAt + hidden;
      }
    }
  }
  return { job: jobView(world, job) };
}

export function startRecovery(world: World, input: StartRecoveryCommandInput) {
  const list = input.sourceServers;
  if (!Array.isArray(list)) throw world.fieldError('sourceServers', 'required');
  if (list.length < 1 || list.length > 200) {
    throw world.fieldError('sourceServers', `must contain between 1 and 200 items; got ${list.length}`);
  }
  checkTags(world, 'tags', input.tags);
  if (input.isDrill === true) {
    throw world.drsError('ValidationException', 'the simulated DRS does not model drills (isDrill: true)', {
      reason: 'other',
      fieldList: [{ name: 'isDrill', message: 'not modelled' }],
    });
  }
  const requests = list.map((entry, i) => {
    const id = entry.sourceServerID;
    if (!id || !ID_PATTERNS.sourceServerID.test(id)) {
      throw world.fieldError(
        `sourceServers[${i}].sourceServerID`,
        `"${String(id)}" does not match ${ID_PATTERNS.sourceServerID.source}`,
      );
    }
    const snap = entry.recoverySnapshotID;
    if (snap !== undefined && !ID_PATTERNS.snapshotID.test(snap)) {
      throw world.fieldError(
        `sourceServers[${i}].recoverySnapshotID`,
        `"${snap}" does not match ${ID_PATTERNS.snapshotID.source}`,
      );
    }
    const server = world.sourceServer(id);
    if (!server) {
      throw world.drsError('ResourceNotFoundException', `Source server ${id} not found`, {
        resourceId: id,
        resourceType: 'SOURCE_SERVER',
      });
    }
    const point = snap === undefined ? undefined : findSnapshot(world, server, snap);
    if (snap !== undefined && !point) {
      throw world.drsError('ResourceNotFoundException', `Recovery snapshot ${snap} not found for ${id}`, {
        resourceId: snap,
        resourceType: 'RECOVERY_SNAPSHOT',
      });
    }
    return { server, point };
  });
  checkCapacity(
    world,
    requests.map((r) => ({ sourceServerID: r.server.sourceServerID })),
  );

  for (const { server } of requests) {
    const replication = valueAt(server.replication, world.now)?.state;
    if (
      server.direction === ReplicationDirection.FAILBACK &&
      replication !== DataReplicationState.CONTINUOUS
    ) {
      world.note(
        `StartRecovery of ${server.sourceServerID} while its reversed replication is ${replication ?? 'absent'}: allowed (UNVERIFIED)`,
      );
    }
  }

  const start = world.now + world.scenario.jobStartDelayMs;
  const never = requests.some(({ server }) =>
    jobNeverFinishes(world, [scenarioServerID(server)], launchPhase(server)),
  );
  const servers: JobServerRecord[] = requests.map(({ server, point }) => {
    const phase = launchPhase(server);
    const settings = phase === 'origin' ? server.launch : server.recovery;
    const failed = settings.result === 'failed' || launchFails(world, scenarioServerID(server), phase);
    const newRecoveryInstanceID = world.freshId(newInstanceId);
    const targetInstanceID = world.freshId(newInstanceId);
    return {
      sourceServerID: server.sourceServerID,
      targetInstanceID,
      endAt: phaseEnd(start, settings.durationMs, never),
      result: failed ? 'FAILED' : 'LAUNCHED',
      newRecoveryInstanceID,
      ...(point ? { usedSnapshotID: point.snapshotID } : {}),
    };
  });
  const job = newJob(world, JobType.LAUNCH, InitiatedBy.START_RECOVERY, servers, input.tags);

  const net = drNetwork(world, world.region);
  for (const [i, { server, point }] of requests.entries()) {
    const s = servers[i] as JobServerRecord;
    server.lastLaunch = { jobID: job.jobID, at: world.now, type: 'RECOVERY' };
    if (s.endAt === null || s.result === 'FAILED' || !s.newRecoveryInstanceID || !s.targetInstanceID)
      continue;
    const where = server.launchNetwork ?? {};
    const impaired =
      server.health.result === 'impaired' ||
      (launchPhase(server) === 'origin' && impairedAfterLaunch(world, scenarioServerID(server)));
    const ec2 = addEc2Instance(world, {
      instanceId: s.targetInstanceID,
      region: world.region,
      subnetId: where.subnetId ?? net.subnetId,
      vpcId: where.vpcId ?? net.vpcId,
      privateIp: where.privateIp ?? drPrivateIp(world.state.ec2Instances.length + 1000),
      securityGroupIds: where.securityGroupIds ?? [net.securityGroupId],
      availabilityZone: net.availabilityZone,
      launchedAt: s.endAt,
      tags: { Name: server.hostname, AWSElasticDisasterRecoveryManaged: 'drs.amazonaws.com' },
      healthyAt: s.endAt + server.health.afterMs,
      health: impaired ? 'impaired' : 'ok',
    });
    const hidden = instanceNotFoundForMs(world);
    if (hidden !== undefined) ec2.notFoundUntil = s.endAt + hidden;
    world.addRecoveryInstance({
      recoveryInstanceID: s.newRecoveryInstanceID,
      region: world.region,
      ec2InstanceID: s.targetInstanceID,
      sourceServerID: server.sourceServerID,
      origin: server.origin,
      visibleAt: s.endAt,
      launchedByJobID: job.jobID,
      pointInTimeAt: point ? point.takenAt : job.startAt,
      dataAt: relaunchDataAt(world, server, point, job.startAt),
      failback: [{ at: s.endAt, value: FailbackState.FAILBACK_NOT_STARTED }],
    });
    addEntry(server.recoveryInstance, s.endAt, s.newRecoveryInstanceID);
  }
  return { job: jobView(world, job) };
}

/** A relaunch holds the snapshot's data: none of the writes made on the lost instance since. */
function relaunchDataAt(
  world: World,
  server: SourceServerRecord,
  point: { expectedAt: number } | undefined,
  startAt: number,
): number {
  if (point) return point.expectedAt;
  if (launchPhase(server) === 'origin') return startAt;
  const disaster = world.scenario.disasterAt ? Date.parse(world.scenario.disasterAt) : undefined;
  return Math.min(startAt, disaster ?? startAt);
}

/** A reversed (FAILBACK) source server launches in its origin region: that is the EC2-origin failback. */
function launchPhase(server: SourceServerRecord): LaunchPhase {
  return server.direction === ReplicationDirection.FAILBACK ? 'origin' : 'recovery';
}

export function terminateRecoveryInstances(world: World, input: TerminateRecoveryInstancesCommandInput) {
  const ids = checkIdList(
    world,
    'recoveryInstanceIDs',
    input.recoveryInstanceIDs,
    ID_PATTERNS.recoveryInstanceID,
    1,
    200,
  );
  const instances = [...new Set(ids)].map((id) => visibleRecoveryInstance(world, id));
  checkCapacity(
    world,
    instances.map((ri) => ({ sourceServerID: ri.sourceServerID, recoveryInstanceID: ri.recoveryInstanceID })),
    'terminate',
  );
  const endAt = world.now + TERMINATE_DURATION_MS;
  const servers: JobServerRecord[] = instances.map((ri) => ({
    sourceServerID: ri.sourceServerID,
    recoveryInstanceID: ri.recoveryInstanceID,
    targetInstanceID: ri.ec2InstanceID,
    endAt,
    result: 'LAUNCHED',
  }));
  const job = newJob(world, JobType.TERMINATE, InitiatedBy.TERMINATE_RECOVERY_INSTANCES, servers, undefined);
  for (const ri of instances) {
    ri.terminatedAt = endAt;
    const ec2 = world.ec2Instance(ri.ec2InstanceID);
    if (ec2) {
      addEntry(ec2.state, world.now, 'shutting-down');
      addEntry(ec2.state, endAt, 'terminated');
    }
    const server = world.sourceServer(ri.sourceServerID);
    if (server && valueAt(server.recoveryInstance, endAt) === ri.recoveryInstanceID) {
      addEntry(server.recoveryInstance, endAt, null);
    }
  }
  return { job: jobView(world, job) };
}
