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
}

export interface QuiesceInput {
  runId: string;
  wave: string;
  /** The recovery instances whose application writes stop. */
  recoveryInstanceIDs: string[];
}
export interface QuiesceOutput {
  now: number;
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
}
export interface MeasureDrainOutput {
  now: number;
  /** Every server drained: lag known and at most maxLag, no backlog. */
  drained: boolean;
  servers: ServerLag[];
  /** A read that failed: not drained this time, read again. */
  failure?: AwsFailure;
}
