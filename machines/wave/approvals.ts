// What approving does, per kind of approval a wave waits for (state meta `approval`).
import { isEc2Origin, type ResolvedServer } from '../types.js';

/** The approvals a wave can wait for: its point of no return, and the opt-in steps after it. */
export type ApprovalKind = 'pointOfNoReturn' | 'quiesce' | 'relaunch' | 'reprotect' | 'cleanup';

/** What an approval prompt may read of the wave. */
export interface ApprovalContext {
  resolved: readonly ResolvedServer[];
  now?: number;
  backout?: { needsRestore: readonly string[] } | null;
}

const minutes = (ms: number) => {
  const m = Math.round(ms / 60_000);
  return m >= 120 ? `${Math.round(m / 60)} h` : `${m} min`;
};

/**
 * What relaunching lost recovery instances loses: each is relaunched from the source server's
 * newest recovery snapshot before the run, without anything written on the recovery instance
 * since then. The loss window runs from that snapshot to when the instance was found lost.
 */
export function describeRelaunch(context: ApprovalContext): string {
  const ids = context.backout?.needsRestore ?? [];
  const lostAt = context.now;
  const windows = ids.slice(0, 10).map((id) => {
    const at = context.resolved.find((s) => s.sourceServerID === id)?.newestRecoveryPointAt;
    const from = at === undefined ? Number.NaN : Date.parse(at);
    if (!Number.isFinite(from) || lostAt === undefined) {
      return `${id}: from its newest recovery snapshot before the run to its loss (snapshot time unknown)`;
    }
    return `${id}: from ${at} until it was found lost (about ${minutes(lostAt - from)})`;
  });
  const more = ids.length > 10 ? `; and ${ids.length - 10} more` : '';
  return `StartRecovery from a recovery snapshot for ${ids.length} lost recovery instance(s); DATA LOSS: the writes made on each recovery instance in this window are gone: ${windows.join('; ')}${more}`;
}

/** What confirming the quiesce means, naming the servers (the first ten, then a count). */
export function describeQuiesce(resolved: readonly ResolvedServer[]): string {
  const names = resolved.slice(0, 10).map((s) => `${s.sourceServerID} (${s.recoveryInstanceID})`);
  const more = resolved.length > 10 ? ` and ${resolved.length - 10} more` : '';
  return `Confirm that the application's writes on the recovery instances of ${resolved.length} server(s) have stopped: ${names.join(', ')}${more}; then the replication home drains before the point of no return`;
}

/** What StartFailbackLaunch does, for the approval prompt and the docs. */
export function describePointOfNoReturn(recoveryInstanceCount: number): string {
  return `StartFailbackLaunch for ${recoveryInstanceCount} recovery instance(s); the target machines will be converted and rebooted`;
}

/** What the wave's point of no return does, per flow (on-premises origin and EC2 origin). */
export function describeWavePointOfNoReturn(resolved: readonly ResolvedServer[]): string {
  const onPremises = resolved.filter((s) => !isEc2Origin(s)).length;
  const byRegion = new Map<string, number>();
  for (const s of resolved.filter(isEc2Origin)) {
    const region = s.originRegion ?? 'the origin region';
    byRegion.set(region, (byRegion.get(region) ?? 0) + 1);
  }
  const parts = onPremises > 0 || byRegion.size === 0 ? [describePointOfNoReturn(onPremises)] : [];
  for (const [region, count] of byRegion) {
    parts.push(
      `StartRecovery for ${count} server(s) in ${region}; they are launched there from the reversed replication`,
    );
  }
  return parts.join('; and ');
}

/** What approving an opt-in step after a verified failback does, for the prompt. */
export function describeAfterFailbackStep(
  step: 'reprotect' | 'cleanup',
  context: { resolved: readonly ResolvedServer[] },
): string {
  const servers = context.resolved.filter(isEc2Origin);
  if (step === 'reprotect') {
    return `ReverseReplication for ${servers.length} new primary instance(s) in their origin region; they are protected again by DRS`;
  }
  return `TerminateRecoveryInstances for ${servers.length} old recovery instance(s) in the DR region; irreversible`;
}

/** What approving does, for an approval of `kind` in a wave whose servers are `resolved`. */
export function describeApproval(kind: ApprovalKind, context: ApprovalContext): string {
  if (kind === 'pointOfNoReturn') return describeWavePointOfNoReturn(context.resolved);
  if (kind === 'quiesce') return describeQuiesce(context.resolved);
  if (kind === 'relaunch') return describeRelaunch(context);
  return describeAfterFailbackStep(kind, context);
}
