// After a verified failback: the opt-in steps, each behind its own approval (re-protect an
// EC2-origin primary; terminate or disconnect the old recovery instances).
import type { AwsFailure } from './types.js';

/** What the opt-in clean-up does to the old recovery instances after a verified failback. */
export type CleanupMode = 'terminate' | 'disconnect';

export interface AfterFailbackSettings {
  /** ReverseReplication of the new primary, so it is protected again (DR region as target). */
  reprotect: boolean;
  /**
   * The old DR recovery instances, after a verified failback (any origin), behind its own
   * approval: `terminate` (TerminateRecoveryInstances), `disconnect` (DisconnectRecoveryInstance:
   * DRS forgets them, the EC2 instances stay), or false. `true` (older plans and snapshots) is
   * `terminate`.
   */
  cleanup: CleanupMode | boolean;
}

/** The clean-up a plan asks for; undefined: none. */
export function cleanupModeOf(
  settings: { cleanup?: CleanupMode | boolean } | undefined,
): CleanupMode | undefined {
  const c = settings?.cleanup;
  if (c === true || c === 'terminate') return 'terminate';
  if (c === 'disconnect') return 'disconnect';
  return undefined;
}

export interface ReprotectTarget {
  sourceServerID: string;
  originRegion: string;
  /** The recovery instance the failback launched in the origin region. */
  recoveryInstanceID: string;
}
export interface ReprotectInput {
  runId: string;
  wave: string;
  servers: ReprotectTarget[];
}
export interface ReprotectOutput {
  now: number;
  reversed: { sourceServerID: string; reversedDirectionSourceServerArn: string }[];
  failures: AwsFailure[];
}

export interface CleanupInput {
  runId: string;
  wave: string;
  /** The old recovery instances in the DR region. */
  recoveryInstanceIDs: string[];
  /** Absent (older snapshots): terminate. */
  mode?: CleanupMode;
}
export interface CleanupOutput {
  now: number;
  jobIds: string[];
  terminated: string[];
  /** `disconnect` mode: the recovery instances DRS disconnected. */
  disconnected?: string[];
  failures: AwsFailure[];
}
