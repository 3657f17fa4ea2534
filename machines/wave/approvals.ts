// What approving does, per kind of approval a wave waits for (state meta `approval`).
import { type AfterFailbackSettings, cleanupModeOf, isEc2Origin, type ResolvedServer } from '../types.js';

/** The approvals a wave can wait for: its point of no return, and the opt-in steps after it. */
export type ApprovalKind = 'pointOfNoReturn' | 'reprotect' | 'cleanup';

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
  context: { resolved: readonly ResolvedServer[]; afterFailback?: AfterFailbackSettings },
): string {
  if (step === 'reprotect') {
    const servers = context.resolved.filter(isEc2Origin);
    return `ReverseReplication for ${servers.length} new primary instance(s) in their origin region; they are protected again by DRS`;
  }
  const count = context.resolved.length;
  return cleanupModeOf(context.afterFailback) === 'disconnect'
    ? `DisconnectRecoveryInstance for ${count} old recovery instance(s) in the DR region: DRS stops tracking them (their EC2 instances keep running); irreversible`
    : `TerminateRecoveryInstances for ${count} old recovery instance(s) in the DR region; irreversible`;
}

/** What approving does, for an approval of `kind` in a wave whose servers are `resolved`. */
export function describeApproval(
  kind: ApprovalKind,
  context: { resolved: readonly ResolvedServer[]; afterFailback?: AfterFailbackSettings },
): string {
  return kind === 'pointOfNoReturn'
    ? describeWavePointOfNoReturn(context.resolved)
    : describeAfterFailbackStep(kind, context);
}
