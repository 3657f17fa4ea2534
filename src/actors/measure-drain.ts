// The cutover's drain: how far behind each server's replication home is, read once. ON_PREMISES:
// the recovery instance's own failback replication (DescribeRecoveryInstances); EC2 origin: the
// reversed source server in the origin region (DescribeSourceServers there). Drained means a
// known lag at most `maxLag`, no backlog, replication CONTINUOUS and no error; an unparseable lag
// is never drained. The machine polls this until drained or the cutover timeout.
import { DataReplicationState, type SourceServer } from '@aws-sdk/client-drs';
import type {
  MeasureDrainInput,
  MeasureDrainOutput,
  ResolvedServer,
  ServerLag,
} from '../../machines/types.js';
import { isEc2Origin } from '../../machines/types.js';
import { classifyAwsError } from '../aws/errors.js';
import { parseIsoDuration } from '../classify/duration.js';
import {
  classifyFailbackReplication,
  type FailbackReplicationView,
} from '../classify/failback-replication.js';
import { describeRecoveryInstances, describeSourceServers } from './describe-recovery-instances.js';
import { clientsFor } from './regional.js';
import { groupBy, serverLabel } from './shared.js';
import type { ActorDeps } from './types.js';

/** The problems that keep data from being home; the Failback Client's silence is the precheck's. */
const NOT_DRAINED = new Set([
  'not-continuous',
  'lag-unknown',
  'lag-above-limit',
  'backlog',
  'replication-error',
]);

const seconds = (ms: number) => `${Math.round(ms / 1000)}s`;

/** One recovery instance's failback replication as a drain reading. */
export function drainOfRecoveryInstance(
  sourceServerID: string,
  instance: FailbackReplicationView | undefined,
  maxLagMs: number,
  awsNowMs: number,
): ServerLag {
  if (instance === undefined) {
    return { sourceServerID, lagMs: null, drained: false, detail: 'recovery instance not found' };
  }
  const c = classifyFailbackReplication(instance, {
    maxLagMs,
    clientSilenceMs: Number.POSITIVE_INFINITY,
    awsNowMs,
  });
  const problems = c.problems.filter((p) => NOT_DRAINED.has(p));
  const words: string[] = [];
  if (problems.includes('not-continuous')) words.push(`replication ${c.state ?? 'state unknown'}`);
  if (problems.includes('lag-unknown')) words.push('lag not readable');
  if (problems.includes('lag-above-limit') && c.lagMs !== undefined)
    words.push(`lag ${seconds(c.lagMs)} above ${seconds(maxLagMs)}`);
  if (problems.includes('backlog')) words.push(`backlog ${c.backlogBytes} bytes`);
  if (problems.includes('replication-error')) words.push(`error ${c.error}`);
  return {
    sourceServerID,
    lagMs: c.lagMs ?? null,
    drained: problems.length === 0,
    detail: words.length > 0 ? words.join(', ') : `lag ${seconds(c.lagMs ?? 0)}`,
  };
}

/** EC2 origin: the reversed source server's replication as a drain reading. */
export function drainOfReversedServer(
  sourceServerID: string,
  reversed: SourceServer | undefined,
  maxLagMs: number,
): ServerLag {
  if (reversed === undefined) {
    return { sourceServerID, lagMs: null, drained: false, detail: 'reversed source server not found' };
  }
  const info = reversed.dataReplicationInfo;
  const lagMs = info?.lagDuration ? (parseIsoDuration(info.lagDuration) ?? null) : null;
  const backlog = (info?.replicatedDisks ?? []).reduce(
    (n, d) => n + Math.max(0, d.backloggedStorageBytes ?? 0),
    0,
  );
  const words: string[] = [];
  if (info?.dataReplicationState !== DataReplicationState.CONTINUOUS)
    words.push(`replication ${info?.dataReplicationState ?? 'state unknown'}`);
  if (lagMs === null) words.push('lag not readable');
  else if (lagMs > maxLagMs) words.push(`lag ${seconds(lagMs)} above ${seconds(maxLagMs)}`);
  if (backlog > 0) words.push(`backlog ${backlog} bytes`);
  return {
    sourceServerID,
    lagMs,
    drained: words.length === 0,
    detail: words.length > 0 ? words.join(', ') : `lag ${seconds(lagMs ?? 0)}`,
  };
}

/**
 * With a marker: the replication is in sync with a point `lag` ago, so the marker (written
 * `sinceMarkerMs` ago, on the same local clock) is home only when lag <= sinceMarkerMs. AWS's
 * clock skew cancels out: both instants are the local clock's.
 */
export function withMarker(reading: ServerLag, sinceMarkerMs: number): ServerLag {
  if (!reading.drained || reading.lagMs === null || reading.lagMs <= sinceMarkerMs) return reading;
  return {
    ...reading,
    drained: false,
    detail: `lag ${seconds(reading.lagMs)}: the marker written ${seconds(sinceMarkerMs)} ago is not home yet`,
  };
}

export async function measureDrain(deps: ActorDeps, input: MeasureDrainInput): Promise<MeasureDrainOutput> {
  const log = deps.log.child({ runId: input.runId, wave: input.wave, activity: 'measureDrain' });
  const onPremises = input.resolved.filter((s) => !isEc2Origin(s));
  const ec2Origin = input.resolved.filter(isEc2Origin);
  const readings = new Map<string, ServerLag>();
  try {
    if (onPremises.length > 0) {
      const instances = await describeRecoveryInstances(deps.drs, {
        recoveryInstanceIDs: onPremises.map((s) => s.recoveryInstanceID),
      });
      const byId = new Map(instances.map((i) => [i.recoveryInstanceID, i]));
      const now = deps.clock.now();
      for (const s of onPremises) {
        readings.set(
          s.sourceServerID,
          drainOfRecoveryInstance(s.sourceServerID, byId.get(s.recoveryInstanceID), input.maxLagMs, now),
        );
      }
    }
    for (const [region, servers] of groupBy(ec2Origin, (s: ResolvedServer) => s.originRegion ?? '')) {
      const ids = servers.flatMap((s) => (s.reversedSourceServerID ? [s.reversedSourceServerID] : []));
      const found =
        ids.length > 0 ? await describeSourceServers(clientsFor(deps, region || undefined).drs, ids) : [];
      const byId = new Map(found.map((r) => [r.sourceServerID, r]));
      for (const s of servers) {
        const reversed = s.reversedSourceServerID ? byId.get(s.reversedSourceServerID) : undefined;
        readings.set(s.sourceServerID, drainOfReversedServer(s.sourceServerID, reversed, input.maxLagMs));
      }
    }
  } catch (err) {
    const failure = classifyAwsError(
      err,
      'DescribeRecoveryInstances',
      serverLabel(input.resolved.map((s) => s.sourceServerID)),
    );
    log.warn({ failure }, 'could not read the replication home; not drained this time');
    return { now: deps.clock.now(), drained: false, servers: [], failure };
  }
  const sinceMarker =
    input.markerWrittenAt === undefined ? undefined : Math.max(0, deps.clock.now() - input.markerWrittenAt);
  const servers = input.resolved.flatMap((s) => {
    const r = readings.get(s.sourceServerID);
    if (!r) return [];
    return [sinceMarker === undefined ? r : withMarker(r, sinceMarker)];
  });
  const drained = servers.length > 0 && servers.every((s) => s.drained);
  if (drained) {
    const worst = servers.reduce((a, b) => ((b.lagMs ?? 0) > (a.lagMs ?? 0) ? b : a));
    deps.emit({
      type: 'cutover.drained',
      wave: input.wave,
      maxLagMs: input.maxLagMs,
      worst: { server: worst.sourceServerID, lagMs: worst.lagMs ?? 0 },
      servers: servers.map((s) => ({ server: s.sourceServerID, lagMs: s.lagMs ?? 0 })),
    });
  }
  return { now: deps.clock.now(), drained, servers };
}
