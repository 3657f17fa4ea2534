// Whole runs against the simulated AWS, and the invariants every run must keep whatever the
// world does. Shared by the example tests and the generated fault sequences.
import { expect } from 'vitest';
import { cleanupModeOf } from '../../machines/types.js';
import { isDestructive } from '../../src/aws/operations.js';
import type { RunEvent } from '../../src/events.js';
import type { Plan } from '../../src/plan/types.js';
import { checkData } from '../../src/prechecks/check-data.js';
import { createFailbackRun, type RunResult } from '../../src/run.js';
import type { RecordedCall, SimulatedAws } from '../../src/sim/index.js';

export const RUN_ID = 'run-20260301T020000Z-abcdef';

/** The run's outcomes in the public contract. */
export const CONTRACT_OUTCOMES = [
  'completed',
  'backed-out',
  'backout-failed',
  'needs-attention',
  'aborted',
  'precheck-failed',
];

/**
 * Errors after which a StartFailbackLaunch certainly did nothing, so sending it again is safe.
 * Anything else (success, 5xx, conflict, unknown) may have started the launch.
 */
const REJECTED_BEFORE_ACTING: ReadonlySet<string> = new Set([
  'ThrottlingException',
  'ValidationException',
  'AccessDeniedException',
  'ResourceNotFoundException',
  'UninitializedAccountException',
]);

export interface SimulatedRun {
  result: RunResult;
  events: RunEvent[];
  calls: RecordedCall[];
  /** The plan that ran: its DR region and opt-in steps decide what a run may send. */
  plan: Plan;
}

/** Runs a plan to its end in virtual time, approving every wave as soon as it asks. */
export async function runOnSimulation(plan: Plan, sim: SimulatedAws): Promise<SimulatedRun> {
  const run = createFailbackRun({
    plan,
    clients: sim.clients,
    clock: sim.clock,
    probes: sim.probes,
    writes: sim.writes,
    simulated: true,
    runId: RUN_ID,
  });
  const events: RunEvent[] = [];
  run.on((event) => {
    events.push(event);
    if (event.type === 'approval.requested') queueMicrotask(() => run.approve('tester'));
  });
  const result = await sim.clock.run(run.start());
  return { result, events, calls: sim.calls(), plan };
}

export function callsOf(calls: readonly RecordedCall[], operation: string): RecordedCall[] {
  return calls.filter((c) => c.operation === operation);
}

export function recoveryInstanceIdsOf(call: RecordedCall): string[] {
  const input = call.input as { recoveryInstanceIDs?: string[]; recoveryInstanceID?: string };
  return input.recoveryInstanceIDs ?? (input.recoveryInstanceID ? [input.recoveryInstanceID] : []);
}

/**
 * Recovery instances for which StartFailbackLaunch was sent again after a call that may have
 * started their launch. Empty when the invariant holds.
 */
export function relaunchedRecoveryInstances(calls: readonly RecordedCall[]): string[] {
  const mayHaveStarted = new Set<string>();
  const repeated: string[] = [];
  for (const call of callsOf(calls, 'StartFailbackLaunch')) {
    for (const id of recoveryInstanceIdsOf(call)) {
      if (mayHaveStarted.has(id)) repeated.push(id);
      if (call.ok || !REJECTED_BEFORE_ACTING.has(call.errorName ?? '')) mayHaveStarted.add(id);
    }
  }
  return repeated;
}

/** The reversed source servers a StartRecovery call names. */
export function sourceServerIdsOf(call: RecordedCall): string[] {
  const servers = (call.input as { sourceServers?: { sourceServerID?: string }[] }).sourceServers ?? [];
  return servers.flatMap((s) => (s.sourceServerID ? [s.sourceServerID] : []));
}

/**
 * Reversed source servers for which StartRecovery was sent again in an origin region (outside
 * `drRegion`) after a call that may have launched them. Empty when the invariant holds.
 */
export function relaunchedReversedServers(calls: readonly RecordedCall[], drRegion: string): string[] {
  const mayHaveStarted = new Set<string>();
  const repeated: string[] = [];
  for (const call of callsOf(calls, 'StartRecovery').filter((c) => c.region !== drRegion)) {
    for (const id of sourceServerIdsOf(call)) {
      if (mayHaveStarted.has(id)) repeated.push(id);
      if (call.ok || !REJECTED_BEFORE_ACTING.has(call.errorName ?? '')) mayHaveStarted.add(id);
    }
  }
  return repeated;
}

/**
 * Destructive calls the run was not allowed to send. The only one ever allowed is the opt-in
 * clean-up: TerminateRecoveryInstances (`afterFailback.cleanup: terminate` or `true`) or
 * DisconnectRecoveryInstance (`cleanup: disconnect`) in the DR region, after a person approved
 * that wave's clean-up (`approval.given` after its `cleaningUp.awaitingApproval`) before the
 * call, for that wave's own DR recovery instances.
 */
export function unapprovedDestructiveCalls(
  calls: readonly RecordedCall[],
  events: readonly RunEvent[],
  plan: Plan,
): RecordedCall[] {
  // Per wave: when its clean-up was approved, and its DR recovery instances (from the precheck).
  const approvedAt = new Map<string, number>();
  const asked = new Set<string>();
  const drInstances = new Map<string, Set<string>>();
  for (const e of events) {
    if (e.type === 'state' && e.machine === 'wave' && e.wave !== undefined) {
      if (e.to === 'cleaningUp.awaitingApproval') asked.add(e.wave);
      else asked.delete(e.wave);
    } else if (e.type === 'approval.given' && asked.has(e.wave) && !approvedAt.has(e.wave)) {
      approvedAt.set(e.wave, Date.parse(e.at));
    } else if (e.type === 'check' && e.name === 'recovery-instance' && e.status === 'pass') {
      const resolved = checkData(e, 'recovery-instance');
      const id = resolved && 'recoveryInstanceId' in resolved ? resolved.recoveryInstanceId : null;
      if (id) drInstances.set(e.wave, (drInstances.get(e.wave) ?? new Set()).add(id));
    }
  }
  return calls.filter((c) => {
    if (!isDestructive(c.operation)) return false;
    const mode = cleanupModeOf(plan.afterFailback);
    const allowedOperation =
      mode === 'terminate'
        ? 'TerminateRecoveryInstances'
        : mode === 'disconnect'
          ? 'DisconnectRecoveryInstance'
          : undefined;
    if (c.operation !== allowedOperation) return true;
    if (c.region !== plan.region) return true;
    const ids = recoveryInstanceIdsOf(c);
    const allowed = [...approvedAt].some(
      ([wave, at]) => at <= Date.parse(c.at) && ids.every((id) => drInstances.get(wave)?.has(id) === true),
    );
    return !allowed;
  });
}

type EventOf<T extends RunEvent['type']> = Extract<RunEvent, { type: T }>;

function eventsOf<T extends RunEvent['type']>(events: readonly RunEvent[], type: T): EventOf<T>[] {
  return events.filter((e): e is EventOf<T> => e.type === type);
}

interface PublishAttempt {
  subject: string;
  message: string;
}

/** Publish requests, retries of the same notification folded into one. */
function publishedNotifications(events: readonly RunEvent[]): PublishAttempt[] {
  const folded: PublishAttempt[] = [];
  for (const request of eventsOf(events, 'aws.request')) {
    if (request.operation !== 'Publish') continue;
    const input = request.input as { Subject?: string; Message?: string };
    const attempt = { subject: input.Subject ?? '', message: input.Message ?? '' };
    if (folded.at(-1)?.message !== attempt.message) folded.push(attempt);
  }
  return folded;
}

/**
 * Every `state` event got exactly one notification: one Publish (retries of the same message
 * aside) and exactly one `notification` event saying how it went, in the same order. A
 * notification abandoned at the drain deadline has no Publish, only a failed `notification`.
 */
export function expectOneNotificationPerState(events: readonly RunEvent[]): void {
  const states = eventsOf(events, 'state');
  const notifications = eventsOf(events, 'notification');
  const published = publishedNotifications(events);
  expect(notifications).toHaveLength(states.length);
  expect(published.length).toBeLessThanOrEqual(states.length);
  states.forEach((state, i) => {
    const notification = notifications[i];
    const publish = published[i];
    if (publish === undefined) {
      expect(notification?.error, `state ${i} (${state.to}) was never published`).toBeDefined();
      return;
    }
    expect(publish.message).toContain(`From -> To: ${state.from ?? '(start)'} -> ${state.to}\n`);
    if (state.wave !== undefined) expect(publish.message).toContain(`Wave: ${state.wave}\n`);
    expect(notification?.subject).toBe(publish.subject);
  });
}

/** The invariants of every run, whatever the world did. */
export function expectRunInvariants({ result, events, calls, plan }: SimulatedRun): void {
  expect(CONTRACT_OUTCOMES).toContain(result.outcome);
  expect(relaunchedRecoveryInstances(calls)).toEqual([]);
  expect(relaunchedReversedServers(calls, plan.region)).toEqual([]);
  expect(unapprovedDestructiveCalls(calls, events, plan)).toEqual([]);
  for (const event of events) {
    expect(typeof event.type).toBe('string');
    expect(event.runId).toBe(RUN_ID);
    expect(new Date(event.at).toISOString()).toBe(event.at);
  }
  expect(events.at(-1)?.type).toBe('run.finished');
  expect(eventsOf(events, 'run.finished')).toHaveLength(1);
  expectOneNotificationPerState(events);
}

/** The event stream as the CLI's `--json` prints it. */
export function jsonLines(events: readonly RunEvent[]): string {
  return events.map((e) => JSON.stringify(e)).join('\n');
}
