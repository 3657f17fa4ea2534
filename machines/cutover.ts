// The cutover before a wave's point of no return (plan key `cutover`): the writes on the DR side
// stop, then the replication home drains; the lag at the crossing is the run's real RPO.
import type { AwsFailure, ResolvedServer } from './types.js';

/** The cutover before each wave's point of no return (plan key `cutover`). */
export interface CutoverSettings {
  /** confirm: a person confirms the writes on the DR side stopped (approval kind `quiesce`). */
  quiesce: 'confirm' | 'none';
  /** The replication home must drain to at most this lag (ms) ... */
  maxLagMs: number;
  /** ... within this (ms), or the wave ends before the point of no return. */
  timeoutMs: number;
  /** A data-integrity proof: written on the DR side after the quiesce, read on the primary in verify. */
  marker?: MarkerEndpoints;
}

/** The application's marker endpoints (plan key `cutover.marker`). */
export interface MarkerEndpoints {
  /** Where the tool writes the wave's marker on the DR side (HTTP POST). */
  write: string;
  /** Where the tool reads it back on the primary side once the wave launched (HTTP GET). */
  read: string;
}

/** One marker call: the endpoint and the wave's marker value (the same on write and read). */
export interface MarkerCall {
  url: string;
  value: string;
}

/** The wave's marker: unique per run and wave, the same after a resume (nothing to persist). */
export const markerValue = (runId: string, wave: string): string => `drs-failback/${runId}/${wave}`;

export interface QuiesceInput {
  runId: string;
  wave: string;
  /** The recovery instances whose application writes stop. */
  recoveryInstanceIDs: string[];
  /** Write this marker on the DR side once the writes stopped (plan `cutover.marker`). */
  marker?: MarkerCall;
}
export interface QuiesceOutput {
  now: number;
  /** When the marker was written on the DR side (absent: no marker). */
  markerWrittenAt?: number;
  failure?: AwsFailure;
}

/** One server's replication home at one reading of the drain. */
export interface ServerLag {
  sourceServerID: string;
  /** Lag in ms; null when AWS's value could not be read or parsed (never "drained"). */
  lagMs: number | null;
  drained: boolean;
  /** Why not drained, for people (e.g. `lag 2m above 30s`, `backlog 4 MiB`). */
  detail: string;
}

export interface MeasureDrainInput {
  runId: string;
  wave: string;
  resolved: ResolvedServer[];
  maxLagMs: number;
  /**
   * The marker was written then: the replication must have carried everything up to it home, so a
   * server is drained only when its lag is also at most the time since (absent: no marker).
   */
  markerWrittenAt?: number;
}
export interface MeasureDrainOutput {
  now: number;
  /** Every server drained: lag known and at most maxLag, no backlog. */
  drained: boolean;
  servers: ServerLag[];
  /** A read that failed: not drained this time, read again. */
  failure?: AwsFailure;
}
