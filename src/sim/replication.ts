// Facts read off a source server's records that several domain files need: the lag of its
// replication at an instant, and the scenario server it descends from.
import type { ReplicationValue, SourceServerRecord } from './state.js';

/** The scenario server a record descends from: faults and scenario settings name that one. */
export const scenarioServerID = (s: SourceServerRecord): string => s.scenarioServerID ?? s.sourceServerID;

/** The lag at `t`: stored, plus the time since `lagFrom` while a replication is behind. */
export function lagAt(value: ReplicationValue, t: number): number {
  return value.lagMs + (value.lagFrom === undefined ? 0 : Math.max(0, t - value.lagFrom));
}
