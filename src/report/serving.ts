// Where each server's serving copy is at the end of a wave, and what data was lost: one pure
// reading of the wave's result, used by the summary, the report and the notifications so they
// never disagree. "Nothing lost" only when nothing was relaunched and no primary was converted.
import type { WaveResult } from '../../machines/plan.machine.js';

export type ServingCopy =
  /** Failed back and verified: the primary side serves. */
  | 'primary'
  /** The recovery instance in the DR region keeps serving (never touched, or its failback stopped). */
  | 'dr'
  /** Relaunched in the DR region from a recovery snapshot: the writes made since that point are gone. */
  | 'dr-relaunched'
  /** The primary was converted before the wave failed: both copies may be live, a person decides. */
  | 'both-may-be-live'
  /** The backout did not finish for this server: a person must look. */
  | 'unknown';

export interface ServerFate {
  sourceServerID: string;
  serving: ServingCopy;
  /** Whether data was lost, and how much, in words. */
  loss: string;
  /** True only when nothing was lost for certain. */
  nothingLost: boolean;
}

/** The fate of each server of a wave (`servers` in plan order). */
export function serverFates(wave: WaveResult, servers: readonly string[]): ServerFate[] {
  const converted = new Set(wave.converted ?? []);
  const restored = new Map((wave.backout?.restored ?? []).map((r) => [r.sourceServerID, r]));
  const stopFailed = (wave.backout?.stopFailures.length ?? 0) > 0;
  return servers.map((sourceServerID) => {
    if (wave.outcome === 'completed') {
      return {
        sourceServerID,
        serving: 'primary',
        loss: 'nothing lost beyond the replication lag at the crossing (see the cutover record)',
        nothingLost: false,
      };
    }
    if (wave.outcome === 'already-failed-back') {
      return {
        sourceServerID,
        serving: 'primary',
        loss: 'failed back by an earlier run (skipped: --from-wave); this run changed nothing',
        nothingLost: true,
      };
    }
    if (wave.outcome === 'not-started' || wave.outcome === 'aborted' || wave.outcome === 'precheck-failed') {
      return { sourceServerID, serving: 'dr', loss: 'nothing lost: nothing was changed', nothingLost: true };
    }
    if (converted.has(sourceServerID)) {
      return {
        sourceServerID,
        serving: 'both-may-be-live',
        loss: 'the primary holds the data replicated up to its launch; writes on the DR side since then are not on it',
        nothingLost: false,
      };
    }
    const relaunch = restored.get(sourceServerID);
    if (relaunch) {
      return {
        sourceServerID,
        serving: 'dr-relaunched',
        loss: `data lost: every write made on the recovery instance after ${relaunch.snapshotAt} (recovery snapshot ${relaunch.recoverySnapshotID})`,
        nothingLost: false,
      };
    }
    if (wave.outcome === 'backout-failed' && stopFailed) {
      return {
        sourceServerID,
        serving: 'unknown',
        loss: 'unknown: the backout did not finish; check the recovery instance in the DRS console',
        nothingLost: false,
      };
    }
    return {
      sourceServerID,
      serving: 'dr',
      loss: 'nothing lost: the recovery instance keeps serving',
      nothingLost: true,
    };
  });
}

/** How a fate reads in one line. */
export function describeFate(fate: ServerFate): string {
  const where: Record<ServingCopy, string> = {
    primary: 'serving on the primary side',
    dr: 'serving on the DR side',
    'dr-relaunched': 'serving on the DR side from a relaunched instance',
    'both-may-be-live': 'primary already converted; both copies may be live',
    unknown: 'serving copy unknown',
  };
  return `${where[fate.serving]}; ${fate.loss}`;
}
