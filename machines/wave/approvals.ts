// What approving does, per kind of approval a wave waits for (state meta `approval`): the calls,
// the servers, the region and the consequence, structured for prompts and as one sentence for
// the `approval.requested` event.
import { type AfterFailbackSettings, cleanupModeOf, isEc2Origin, type ResolvedServer } from '../types.js';

/** The approvals a wave can wait for: its point of no return, and the opt-in steps after it. */
export type ApprovalKind = 'pointOfNoReturn' | 'quiesce' | 'relaunch' | 'reprotect' | 'cleanup';

/** What an approval prompt may read of the wave. */
export interface ApprovalContext {
  resolved: readonly ResolvedServer[];
  wave?: { name: string };
  afterFailback?: AfterFailbackSettings;
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

/** One call an approval lets through. */
export interface ApprovedCall {
  /** The API name, e.g. `StartFailbackLaunch`. */
  call: string;
  /** What it acts on, e.g. `2 recovery instance(s)`. */
  target: string;
  /** The region it acts in; null: the run's (DR) region, which the machine does not know. */
  region: string | null;
  /** What it does to the servers, for people. */
  consequence: string;
  /** It cannot be undone (a terminated instance, a converted machine). */
  irreversible: boolean;
}

/** What approving lets through, and the words a person approving it sees. */
export interface ApprovalDetails {
  kind: ApprovalKind;
  calls: ApprovedCall[];
  /** The approval's title, specific to the step, e.g. `Start the failback of wave databases`. */
  title: string;
}

function pointOfNoReturnCalls(resolved: readonly ResolvedServer[]): ApprovedCall[] {
  const onPremises = resolved.filter((s) => !isEc2Origin(s)).length;
  const byRegion = new Map<string, number>();
  for (const s of resolved.filter(isEc2Origin)) {
    const region = s.originRegion ?? 'the origin region';
    byRegion.set(region, (byRegion.get(region) ?? 0) + 1);
  }
  const calls: ApprovedCall[] = [];
  if (onPremises > 0 || byRegion.size === 0) {
    calls.push({
      call: 'StartFailbackLaunch',
      target: `${onPremises} recovery instance(s)`,
      region: null,
      consequence: 'the target machines will be converted and rebooted',
      irreversible: true,
    });
  }
  for (const [region, count] of byRegion) {
    calls.push({
      call: 'StartRecovery',
      target: `${count} server(s)`,
      region,
      consequence: 'they are launched there from the reversed replication',
      irreversible: true,
    });
  }
  return calls;
}

/** The calls, servers and regions an approval of `kind` lets through. */
export function approvalDetails(kind: ApprovalKind, context: ApprovalContext): ApprovalDetails {
  const wave = context.wave?.name ?? 'this wave';
  if (kind === 'pointOfNoReturn') {
    return {
      kind,
      title: `Start the failback of wave ${wave}`,
      calls: pointOfNoReturnCalls(context.resolved),
    };
  }
  if (kind === 'quiesce') {
    // No AWS call: the person confirms what the tool cannot see (the application stopped writing).
    return {
      kind,
      title: `Confirm that the writes on the recovery instances of wave ${wave} have stopped`,
      calls: [
        {
          call: 'Quiesce (no AWS call)',
          target: `${context.resolved.length} recovery instance(s)`,
          region: null,
          consequence: describeQuiesce(context.resolved),
          irreversible: false,
        },
      ],
    };
  }
  if (kind === 'relaunch') {
    const count = context.backout?.needsRestore.length ?? 0;
    return {
      kind,
      title: `Relaunch ${count} lost recovery instance(s) of wave ${wave} from a recovery snapshot, losing data`,
      calls: [
        {
          call: 'StartRecovery',
          target: `${count} source server(s)`,
          region: null,
          consequence: describeRelaunch(context),
          irreversible: true,
        },
      ],
    };
  }
  const servers = context.resolved.filter(isEc2Origin).length;
  if (kind === 'reprotect') {
    return {
      kind,
      title: `Protect the new primaries of wave ${wave} again`,
      calls: [
        {
          call: 'ReverseReplication',
          target: `${servers} new primary instance(s)`,
          region: 'their origin region',
          consequence: 'they are protected again by DRS',
          irreversible: false,
        },
      ],
    };
  }
  // The clean-up covers every server of the wave, on-premises or EC2 origin.
  const instances = context.resolved.length;
  if (cleanupModeOf(context.afterFailback) === 'disconnect') {
    return {
      kind,
      title: `Disconnect the old recovery instances of wave ${wave}`,
      calls: [
        {
          call: 'DisconnectRecoveryInstance',
          target: `${instances} old recovery instance(s)`,
          region: 'the DR region',
          consequence: 'DRS stops tracking them (their EC2 instances keep running); irreversible',
          irreversible: true,
        },
      ],
    };
  }
  return {
    kind,
    title: `Terminate the old recovery instances of wave ${wave}`,
    calls: [
      {
        call: 'TerminateRecoveryInstances',
        target: `${instances} old recovery instance(s)`,
        region: 'the DR region',
        consequence: 'the instances and their data are deleted; irreversible',
        irreversible: true,
      },
    ],
  };
}

/** What StartFailbackLaunch does, for the approval prompt and the docs. */
export function describePointOfNoReturn(recoveryInstanceCount: number): string {
  return `StartFailbackLaunch for ${recoveryInstanceCount} recovery instance(s); the target machines will be converted and rebooted`;
}

/** What the wave's point of no return does, per flow (on-premises origin and EC2 origin). */
export function describeWavePointOfNoReturn(resolved: readonly ResolvedServer[]): string {
  return describeCalls(pointOfNoReturnCalls(resolved));
}

/** One sentence for the calls (the `approval.requested` event's words). */
function describeCalls(calls: readonly ApprovedCall[]): string {
  return calls
    .map((c) => `${c.call} for ${c.target}${c.region === null ? '' : ` in ${c.region}`}; ${c.consequence}`)
    .join('; and ');
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
export function describeApproval(kind: ApprovalKind, context: ApprovalContext): string {
  if (kind === 'pointOfNoReturn') return describeWavePointOfNoReturn(context.resolved);
  if (kind === 'quiesce') return describeQuiesce(context.resolved);
  if (kind === 'relaunch') return describeRelaunch(context);
  return describeAfterFailbackStep(kind, context);
}
