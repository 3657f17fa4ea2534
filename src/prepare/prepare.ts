// `prepare`: ReverseReplication of the EC2-origin servers of a plan ahead of the failback, then
// their replication back to the origin region, read (and with `watch`, polled) until it is
// CONTINUOUS within the RPO. Idempotent: a server whose reversed source server exists is never
// reversed again, so running it twice sends at most one ReverseReplication per server. The
// reversed source server is found by the ARN an earlier prepare recorded (`recorded`), else the
// DR source server's `reversedDirectionSourceServerArn` (UNVERIFIED), else by documented fields
// in the origin region (`findReversedSourceServer`).
import { OriginEnvironment, ReverseReplicationCommand, type SourceServer } from '@aws-sdk/client-drs';
import type { Logger } from 'pino';
import type { AwsFailure } from '../../machines/types.js';
import {
  describeRecoveryInstances,
  describeSourceServers,
  findReversedSourceServer,
  groupBySourceServer,
} from '../actors/describe-recovery-instances.js';
import { groupBy, inRegion } from '../actors/shared.js';
import type { AwsClients, DrTarget, RegionalClients } from '../aws/clients.js';
import { classifyAwsError } from '../aws/errors.js';
import { parseSourceServerArn } from '../aws/ids.js';
import { instrumentAwsClients } from '../aws/instrument.js';
import type { Clock } from '../clock.js';
import type { EmitEvent } from '../events.js';
import { hasRemoteTargets, targetKey, waveTarget } from '../plan/targets.js';
import type { Plan } from '../plan/types.js';
import type { OriginData } from '../prechecks/origin.js';
import type { RpoData } from '../prechecks/replication-lag.js';
import type { ReverseReplicationData } from '../prechecks/replication-reversed.js';
import { clientsForTarget } from '../run/targets.js';
import {
  classifyForPrepare,
  everyReversedReady,
  isReversed,
  type PlannedServer,
  type PreparedServer,
  readReplication,
} from './classify.js';

const OPERATION = 'ReverseReplication';
/** A throttled ReverseReplication did nothing: it is sent again, at most this many times in all. */
export const MAX_REVERSE_ATTEMPTS = 5;
/** Wait before resending a throttled call when AWS gives no hint; doubles each attempt. */
export const THROTTLE_BACKOFF_MS = 2_000;

export interface PrepareOptions {
  plan: Plan;
  /** Raw clients of the DR region (and `forRegion` for the origin regions); instrumented here. */
  clients: AwsClients;
  clock: Clock;
  /** Receives `aws.request` / `aws.response` and one `check` per server and reading. */
  emit: EmitEvent;
  log: Logger;
  /** The DR region, as reported in events; defaults to the plan's. */
  region?: string;
  /**
   * Asked once, before any ReverseReplication, with the servers about to be reversed. False:
   * nothing is sent (they are reported `not-sent`). Absent: proceed.
   */
  confirm?: (toReverse: readonly PreparedServer[]) => Promise<boolean>;
  /** Poll the replication until every reversed server is ready, or `signal` aborts. */
  watch?: { intervalMs: number; signal?: AbortSignal };
  /** Called after every reading of the replication (once without `watch`, each poll with it). */
  onReading?: (servers: readonly PreparedServer[]) => void;
  /** Reversed source-server ARNs an earlier prepare recorded, by DR source server id. */
  recorded?: ReadonlyMap<string, string>;
  /**
   * Called with every reversed server whose ARN was not in `recorded` (reversed now, or found
   * another way), and the DR region they were reversed from, before the replication is read: the
   * caller keeps it (state directory).
   */
  onReversal?: (servers: readonly PreparedServer[], drRegion: string) => void;
}

export interface PrepareResult {
  servers: PreparedServer[];
  /** ReverseReplication calls that DRS accepted. */
  reversed: number;
  /** The operator declined: nothing was sent. */
  declined: boolean;
  /** Every EC2-origin server reversed and replicating CONTINUOUS within the RPO. */
  ready: boolean;
  /** Watch only: the operator stopped it before every server was ready. */
  interrupted: boolean;
  /** How many times the replication was read. */
  readings: number;
}

interface Session {
  options: PrepareOptions;
  drs: RegionalClients['drs'];
  regional: (region: string) => RegionalClients['drs'];
}

function openSession(options: PrepareOptions): Session {
  const region = options.region ?? options.plan.region;
  const clients = instrumentAwsClients(options.clients, region, options.emit);
  // One-region setups (no factory): the DR clients answer for every region.
  const regional = (r: string) => (clients.regional ? clients.regional(r).drs : clients.drs);
  return { options, drs: clients.drs, regional };
}

/** Failures after which ReverseReplication certainly did nothing. */
const REFUSED_BEFORE_ACTING: ReadonlySet<AwsFailure['kind']> = new Set([
  'throttled',
  'validation',
  'access-denied',
  'not-found',
  'uninitialized',
]);

const sleep = (clock: Clock, ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms));

function plannedServers(plan: Plan): PlannedServer[] {
  return plan.waves.flatMap((w) =>
    w.servers.map((s) => ({ wave: w.name, sourceServerID: s.sourceServerID })),
  );
}

/** Reads where every server of the plan stands (DR region only). Read-only. */
async function assess(session: Session): Promise<PreparedServer[]> {
  const planned = plannedServers(session.options.plan);
  const ids = planned.map((p) => p.sourceServerID);
  const groups = groupBySourceServer(await describeRecoveryInstances(session.drs, { sourceServerIDs: ids }));
  const awsOrigin = planned.filter((p) =>
    (groups.get(p.sourceServerID) ?? []).some((i) => i.originEnvironment === OriginEnvironment.AWS),
  );
  const sourceServers = new Map<string, SourceServer>();
  if (awsOrigin.length > 0) {
    for (const s of await describeSourceServers(
      session.drs,
      awsOrigin.map((p) => p.sourceServerID),
    )) {
      if (s.sourceServerID) sourceServers.set(s.sourceServerID, s);
    }
  }
  const classified = planned.map((p) =>
    classifyForPrepare(
      p,
      groups.get(p.sourceServerID) ?? [],
      sourceServers.get(p.sourceServerID),
      session.options.recorded?.get(p.sourceServerID),
    ),
  );
  const out: PreparedServer[] = [];
  for (const server of classified)
    out.push(server.action === 'to-reverse' ? await lookInOrigin(session, server) : server);
  return out;
}

/**
 * A server with no known pointer to a reversed source server: looks for one in its origin region
 * by documented fields before anything is sent. A failed or ambiguous look sends nothing.
 */
async function lookInOrigin(session: Session, server: PreparedServer): Promise<PreparedServer> {
  const { originRegion, ec2InstanceID } = server;
  if (!originRegion || !ec2InstanceID) return server;
  const drRegion = session.options.region ?? session.options.plan.region;
  try {
    const found = await findReversedSourceServer(session.regional(originRegion), { ec2InstanceID, drRegion });
    if (found.ambiguous) {
      return {
        ...server,
        action: 'unresolved',
        detail: `several source servers in ${originRegion} replicate from ${ec2InstanceID} (${found.ambiguous.join(', ')}); nothing sent`,
      };
    }
    if (found.arn && parseSourceServerArn(found.arn)) {
      const done = reversedWith(server, found.arn, 'already-reversed');
      return {
        ...done,
        foundBy: 'origin-region',
        detail: `${done.detail} (found in ${originRegion} by its EC2 instance ${ec2InstanceID})`,
      };
    }
    return server;
  } catch (err) {
    const failure = inRegion(
      classifyAwsError(err, 'DescribeSourceServers', server.sourceServerID),
      originRegion,
    );
    return {
      ...server,
      action: 'unresolved',
      failure,
      detail: `could not check in ${originRegion} whether ${server.sourceServerID} is already reversed (${failure.message}); nothing sent`,
    };
  }
}

/** Whether a reversed source server exists now (after a conflict or an unclear answer). */
async function reversalNow(session: Session, server: PreparedServer): Promise<string | undefined> {
  const [item] = await describeSourceServers(session.drs, [server.sourceServerID]);
  const arn = item?.reversedDirectionSourceServerArn;
  if (arn && parseSourceServerArn(arn)) return arn;
  const after = await lookInOrigin(session, server);
  return after.action === 'already-reversed' ? after.reversedDirectionSourceServerArn : undefined;
}

function reversedWith(server: PreparedServer, arn: string, how: 'reversed' | 'already-reversed') {
  const parsed = parseSourceServerArn(arn);
  const done: PreparedServer = {
    ...server,
    action: how,
    reversedDirectionSourceServerArn: arn,
    detail: how === 'reversed' ? `reversed: ${arn}` : `already reversed: ${arn}`,
    foundBy: how === 'reversed' ? 'reverse-replication' : 'dr-source-server',
  };
  if (parsed) {
    done.reversedSourceServerID = parsed.sourceServerID;
    done.originRegion = parsed.region;
  }
  return done;
}

/** ReverseReplication of one recovery instance; a throttled call (it did nothing) is sent again. */
async function reverseOne(session: Session, server: PreparedServer): Promise<PreparedServer> {
  const { clock } = session.options;
  const log = session.options.log.child({
    server: server.sourceServerID,
    recoveryInstanceID: server.recoveryInstanceID,
    activity: 'prepare',
  });
  const recoveryInstanceID = server.recoveryInstanceID ?? '';
  for (let attempt = 1; ; attempt++) {
    try {
      const out = await session.drs.send(new ReverseReplicationCommand({ recoveryInstanceID }));
      const arn = out.reversedDirectionSourceServerArn;
      if (arn && parseSourceServerArn(arn)) {
        log.info({ reversedDirectionSourceServerArn: arn }, 'replication reversed');
        return reversedWith(server, arn, 'reversed');
      }
      const failure: AwsFailure = {
        kind: 'unknown',
        name: 'UnexpectedResponse',
        operation: OPERATION,
        server: server.sourceServerID,
        message: `${OPERATION} for ${server.sourceServerID} failed: DRS answered without a valid reversedDirectionSourceServerArn ('${arn ?? ''}')`,
        retryable: false,
      };
      return { ...server, action: 'failed', failure, detail: failure.message };
    } catch (err) {
      const failure = classifyAwsError(err, OPERATION, server.sourceServerID);
      if (failure.kind === 'throttled' && attempt < MAX_REVERSE_ATTEMPTS) {
        const waitMs = failure.retryAfterMs ?? THROTTLE_BACKOFF_MS * 2 ** (attempt - 1);
        log.warn({ attempt, waitMs }, 'ReverseReplication throttled; sending it again');
        await sleep(clock, waitMs);
        continue;
      }
      // A conflict, a 5xx or an unknown error may mean the reversal exists: read before reporting.
      if (!REFUSED_BEFORE_ACTING.has(failure.kind)) {
        try {
          const arn = await reversalNow(session, server);
          if (arn) return reversedWith(server, arn, 'already-reversed');
        } catch (readErr) {
          log.warn({ failure: classifyAwsError(readErr, 'DescribeSourceServers') }, 're-read failed');
        }
      }
      log.warn({ failure }, 'ReverseReplication failed');
      return { ...server, action: 'failed', failure, detail: failure.message };
    }
  }
}

/** Reads the replication of every reversed server in its origin region, and emits it as checks. */
async function readAll(session: Session, servers: PreparedServer[]): Promise<PreparedServer[]> {
  const { emit, plan } = session.options;
  const reversed = servers.filter(isReversed);
  const readings = new Map<string, PreparedServer['replication']>();
  for (const [region, group] of groupBy(reversed, (s) => s.originRegion ?? plan.region)) {
    const ids = group.flatMap((s) => (s.reversedSourceServerID ? [s.reversedSourceServerID] : []));
    let found: Map<string, SourceServer>;
    try {
      found = new Map(
        (await describeSourceServers(session.regional(region), ids)).flatMap((s) =>
          s.sourceServerID ? [[s.sourceServerID, s] as const] : [],
        ),
      );
    } catch (err) {
      const failure = inRegion(classifyAwsError(err, 'DescribeSourceServers'), region);
      for (const s of group) {
        const id = s.reversedSourceServerID ?? '';
        readings.set(s.sourceServerID, {
          region,
          reversedSourceServerID: id,
          stateCheck: { status: 'fail', detail: failure.message },
          lagCheck: { status: 'warn', detail: failure.message },
          ready: false,
        });
      }
      continue;
    }
    for (const s of group) {
      const id = s.reversedSourceServerID ?? '';
      readings.set(s.sourceServerID, readReplication(region, id, found.get(id), plan.objectives.rpoMs));
    }
  }
  const next = servers.map((s) => {
    const replication = readings.get(s.sourceServerID);
    return replication ? { ...s, replication } : s;
  });
  for (const s of next) {
    if (!s.replication) continue;
    const { stateCheck, lagCheck, region, reversedSourceServerID } = s.replication;
    const replication: ReverseReplicationData = {
      reversedSourceServerArn: s.reversedDirectionSourceServerArn ?? null,
      reversedSourceServerId: reversedSourceServerID,
      originRegion: region,
      replicationState: s.replication.state ?? null,
    };
    const lag: RpoData = {
      basis: 'replication-lag',
      rpoMs: plan.objectives.rpoMs,
      reversedSourceServerId: reversedSourceServerID,
      originRegion: region,
      lagDuration: s.replication.lagDuration ?? null,
      lagMs: s.replication.lagMs ?? null,
    };
    emit({
      type: 'check',
      wave: s.wave,
      server: s.sourceServerID,
      name: 'reverse-replication',
      status: stateCheck.status,
      detail: stateCheck.detail,
      data: replication,
    });
    emit({ type: 'check', wave: s.wave, server: s.sourceServerID, name: 'rpo', ...lagCheck, data: lag });
  }
  return next;
}

function emitAssessment(session: Session, servers: readonly PreparedServer[]): void {
  for (const s of servers) {
    if (s.action === 'to-reverse') continue;
    const status =
      s.action === 'not-applicable' || s.action === 'already-reversed' || s.action === 'reversed'
        ? 'pass'
        : 'fail';
    const data: OriginData | ReverseReplicationData =
      s.action === 'not-applicable'
        ? { originEnvironment: 'ON_PREMISES', flow: 'on-premises' }
        : {
            reversedSourceServerArn: s.reversedDirectionSourceServerArn ?? null,
            reversedSourceServerId: s.reversedSourceServerID ?? null,
            originRegion: s.originRegion ?? null,
            replicationState: null,
          };
    session.options.emit({
      type: 'check',
      wave: s.wave,
      server: s.sourceServerID,
      name: s.action === 'not-applicable' ? 'origin' : 'reverse-replication',
      status,
      detail: s.detail,
      data,
    });
  }
}

/**
 * Reverses the replication of every EC2-origin server of the plan that is not reversed yet, then
 * reads (and with `watch`, polls) the replication in the origin regions. Never throws for an AWS
 * answer about one server: failures are in the result; a failed read of the DR region throws.
 */
export async function prepareReverseReplication(options: PrepareOptions): Promise<PrepareResult> {
  const region = options.region ?? options.plan.region;
  if (!hasRemoteTargets(options.plan, region)) return prepareInOnePlace(options);
  // Waves in several accounts and regions (waves[].account/region): each place in turn, with its
  // own clients, its calls naming its account. A confirmation and a watch are per place.
  const places = new Map<string, { target: DrTarget; waves: Plan['waves'] }>();
  for (const wave of options.plan.waves) {
    const target = waveTarget(options.plan, wave, region);
    const place = places.get(targetKey(target)) ?? { target, waves: [] };
    place.waves.push(wave);
    places.set(targetKey(target), place);
  }
  const results: PrepareResult[] = [];
  for (const { target, waves } of places.values()) {
    const { account } = target;
    results.push(
      await prepareInOnePlace({
        ...options,
        plan: { ...options.plan, region: target.region, waves },
        clients: clientsForTarget(options.clients, target, region),
        region: target.region,
        emit:
          account === undefined
            ? options.emit
            : (body) => options.emit(body.type === 'aws.request' ? { ...body, account } : body),
      }),
    );
  }
  return {
    servers: results.flatMap((r) => r.servers),
    reversed: results.reduce((n, r) => n + r.reversed, 0),
    declined: results.some((r) => r.declined),
    ready: results.every((r) => r.ready),
    interrupted: results.some((r) => r.interrupted),
    readings: results.reduce((n, r) => n + r.readings, 0),
  };
}

/** prepareReverseReplication for the waves of one account and DR region. */
async function prepareInOnePlace(options: PrepareOptions): Promise<PrepareResult> {
  const session = openSession(options);
  const { clock, log } = options;
  let servers = await assess(session);
  const toReverse = servers.filter((s) => s.action === 'to-reverse');
  let declined = false;
  let reversedCount = 0;
  if (toReverse.length > 0 && options.confirm && !(await options.confirm(toReverse))) {
    declined = true;
    servers = servers.map((s) =>
      s.action === 'to-reverse' ? { ...s, action: 'not-sent', detail: `not sent: ${s.detail}` } : s,
    );
  } else {
    const done: PreparedServer[] = [];
    for (const s of servers) {
      if (s.action !== 'to-reverse') {
        done.push(s);
        continue;
      }
      const after = await reverseOne(session, s);
      if (after.action === 'reversed') reversedCount++;
      done.push(after);
    }
    servers = done;
  }
  emitAssessment(session, servers);
  const news = servers.filter((s) => isReversed(s) && s.foundBy !== 'recorded');
  if (news.length > 0) options.onReversal?.(news, options.region ?? options.plan.region);

  let readings = 0;
  const read = async () => {
    servers = await readAll(session, servers);
    readings++;
    options.onReading?.(servers);
  };
  if (servers.some(isReversed)) await read();

  let interrupted = false;
  const watch = options.watch;
  if (watch && !declined && servers.some(isReversed)) {
    // Servers that could not be reversed stay as they are (only a new prepare can change that):
    // the watch waits for the reversed ones.
    while (servers.filter(isReversed).some((s) => s.replication?.ready !== true)) {
      const stopped = await waitOrAbort(clock, watch.intervalMs, watch.signal);
      if (stopped) {
        interrupted = true;
        break;
      }
      await read();
    }
  }
  const ready = everyReversedReady(servers);
  log.info({ reversed: reversedCount, ready, readings }, 'prepare finished');
  return { servers, reversed: reversedCount, declined, ready, interrupted, readings };
}

/** Waits `ms` on the clock; resolves true at once when `signal` aborts first. */
function waitOrAbort(clock: Clock, ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve(true);
      return;
    }
    const onAbort = () => {
      clock.clearTimeout(handle);
      resolve(true);
    };
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(false);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
