// Recovery points, generated on demand from each server's cadence: one every `every`, the
// newest `newestAge` old at the start, kept for `retention`. Nothing is stored per snapshot;
// ids derive from (seed, server, index), so any listing at any virtual time is cheap and stable.
import {
  type DescribeRecoverySnapshotsCommandInput,
  type RecoverySnapshot,
  RecoverySnapshotsOrder,
} from '@aws-sdk/client-drs';
import { ALNUM, HEX, ID_PATTERNS } from './ids.js';
import { openPage, pageBounds } from './pagination.js';
import { hashString, Rng } from './rng.js';
import type { SourceServerRecord } from './state.js';
import { iso } from './time.js';
import type { World } from './world.js';

export interface SnapshotPoint {
  index: number;
  snapshotID: string;
  expectedAt: number;
  takenAt: number;
  ebsSnapshotID: string;
}

function point(world: World, server: SourceServerRecord, index: number): SnapshotPoint {
  const { everyMs, newestAgeMs } = server.recoveryPoints;
  const expectedAt = world.startAt - newestAgeMs + index * everyMs;
  const rng = new Rng(hashString(`${String(world.scenario.seed)}|${server.sourceServerID}|${index}`));
  const snapshotID = rng.chars(ALNUM, 17, 'pit-');
  const takenAt = expectedAt + 5_000 + rng.int(55_000);
  return { index, snapshotID, expectedAt, takenAt, ebsSnapshotID: rng.chars(HEX, 17, 'snap-') };
}

/** The longest a point takes to be taken after the instant it stands for (see `point`). */
const MAX_TAKE_MS = 60_000;

/**
 * Indexes of the recovery points that exist at `t`, oldest first: `[lo, hi]`, empty when
 * `lo > hi`. Points are generated only for the page a listing returns, not for the whole
 * retention window (a week of ten-minute points is a thousand hashes per call otherwise).
 */
function existingRange(world: World, server: SourceServerRecord, t: number): { lo: number; hi: number } {
  if (server.snapshotsDeletedAt !== undefined && server.snapshotsDeletedAt <= t) return { lo: 0, hi: -1 };
  const { everyMs, newestAgeMs, retentionMs } = server.recoveryPoints;
  // The source stopped replicating at the disaster (a server created by ReverseReplication came after it).
  const disaster = world.scenario.disasterAt ? Date.parse(world.scenario.disasterAt) : undefined;
  const stopped = server.snapshotsFrom === undefined ? disaster : undefined;
  const last = Math.min(t, server.disconnectedAt ?? t, stopped ?? t);
  const anchor = world.startAt - newestAgeMs;
  // Index of the newest point taken at or before `last`, and of the oldest still retained.
  const newest = Math.floor((last - anchor) / everyMs);
  const retained = Math.ceil((t - retentionMs - anchor) / everyMs);
  // A server created by ReverseReplication has points only from its first continuous instant.
  const oldest =
    server.snapshotsFrom === undefined
      ? retained
      : Math.max(retained, Math.ceil((server.snapshotsFrom - anchor) / everyMs));
  const lo = Math.max(oldest, newest - 100_000);
  let hi = newest;
  // A point becomes visible once taken, not merely scheduled: with points at least a minute
  // apart, only the newest ones can still be waiting.
  while (hi >= lo && point(world, server, hi).takenAt > t) hi--;
  return { lo, hi };
}

/** Every recovery point of the server that exists at `t`, oldest first. */
export function snapshotsAt(world: World, server: SourceServerRecord, t: number): SnapshotPoint[] {
  if (server.recoveryPoints.everyMs < MAX_TAKE_MS) return allSnapshotsAt(world, server, t);
  const { lo, hi } = existingRange(world, server, t);
  const points: SnapshotPoint[] = [];
  for (let i = lo; i <= hi; i++) points.push(point(world, server, i));
  return points;
}

/** The same, for cadences under a minute (points may be taken out of order): every point checked. */
function allSnapshotsAt(world: World, server: SourceServerRecord, t: number): SnapshotPoint[] {
  if (server.snapshotsDeletedAt !== undefined && server.snapshotsDeletedAt <= t) return [];
  const { everyMs, newestAgeMs, retentionMs } = server.recoveryPoints;
  const last = server.disconnectedAt !== undefined ? Math.min(t, server.disconnectedAt) : t;
  const anchor = world.startAt - newestAgeMs;
  const newest = Math.floor((last - anchor) / everyMs);
  const retained = Math.ceil((t - retentionMs - anchor) / everyMs);
  const oldest =
    server.snapshotsFrom === undefined
      ? retained
      : Math.max(retained, Math.ceil((server.snapshotsFrom - anchor) / everyMs));
  const points: SnapshotPoint[] = [];
  for (let i = Math.max(oldest, newest - 100_000); i <= newest; i++) points.push(point(world, server, i));
  return points.filter((p) => p.takenAt <= t);
}

/** The points a listing returns, in order, filtered on the instant they stand for. */
function listedPoints(
  world: World,
  server: SourceServerRecord,
  t: number,
  from: number | undefined,
  to: number | undefined,
): { length: number; at: (k: number) => SnapshotPoint } {
  if (server.recoveryPoints.everyMs < MAX_TAKE_MS) {
    const points = allSnapshotsAt(world, server, t).filter(
      (p) => (from === undefined || p.expectedAt >= from) && (to === undefined || p.expectedAt <= to),
    );
    return { length: points.length, at: (k) => points[k] as SnapshotPoint };
  }
  const { everyMs, newestAgeMs } = server.recoveryPoints;
  const anchor = world.startAt - newestAgeMs;
  let { lo, hi } = existingRange(world, server, t);
  if (from !== undefined) lo = Math.max(lo, Math.ceil((from - anchor) / everyMs));
  if (to !== undefined) hi = Math.min(hi, Math.floor((to - anchor) / everyMs));
  return { length: Math.max(0, hi - lo + 1), at: (k) => point(world, server, lo + k) };
}

export function findSnapshot(
  world: World,
  server: SourceServerRecord,
  snapshotID: string,
): SnapshotPoint | undefined {
  return snapshotsAt(world, server, world.now).find((p) => p.snapshotID === snapshotID);
}

function parseDateFilter(world: World, field: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw world.fieldError(field, `"${value}" is not an ISO-8601 date and time`);
  return t;
}

export function describeRecoverySnapshots(world: World, input: DescribeRecoverySnapshotsCommandInput) {
  const id = input.sourceServerID;
  if (id === undefined || id === '') throw world.fieldError('sourceServerID', 'required');
  if (!ID_PATTERNS.sourceServerID.test(id))
    throw world.fieldError('sourceServerID', `must match ${ID_PATTERNS.sourceServerID.source}`);
  if (input.order !== undefined && !Object.values(RecoverySnapshotsOrder).includes(input.order)) {
    throw world.fieldError('order', 'must be ASC or DESC');
  }
  const from = parseDateFilter(world, 'filters.fromDateTime', input.filters?.fromDateTime);
  const to = parseDateFilter(world, 'filters.toDateTime', input.filters?.toDateTime);
  const cursor = openPage(world, `DescribeRecoverySnapshots:${id}`, input);
  const server = world.sourceServer(id);
  if (!server) {
    throw world.drsError('ResourceNotFoundException', `Source server ${id} not found`, {
      resourceId: id,
      resourceType: 'SOURCE_SERVER',
    });
  }
  // Filters apply to the time the point stands for (`expectedTimestamp`).
  const points = listedPoints(world, server, cursor.asOf, from, to);
  // The service's default order is undocumented; the simulation uses ASC.
  const descending = input.order === RecoverySnapshotsOrder.DESC;
  const { start, end, nextToken } = pageBounds(points.length, cursor);
  const items: RecoverySnapshot[] = [];
  for (let k = start; k < end; k++) {
    const p = points.at(descending ? points.length - 1 - k : k);
    items.push({
      snapshotID: p.snapshotID,
      sourceServerID: id,
      expectedTimestamp: iso(p.expectedAt),
      timestamp: iso(p.takenAt),
      ebsSnapshots: [p.ebsSnapshotID],
    });
  }
  return { items, ...(nextToken ? { nextToken } : {}) };
}
