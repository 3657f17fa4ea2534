// Whole runs against the simulated AWS, and the invariants every run must keep whatever the
// world does. Shared by the example tests and the generated fault sequences.
import { expect } from 'vitest';
import type { RunEvent } from '../../src/events.js';
import type { Plan } from '../../src/plan/types.js';
import { createFailbackRun, type RunResult } from '../../src/run.js';
import type { RecordedCall, SimulatedAws } from '../../src/sim/index.js';

export const RUN_ID = 'run-20260301T020000Z-abcdef';

/** Operations that lose data or DR capacity: a failback or a backout must never send them. */
export const DESTRUCTIVE_OPERATIONS = [
  'TerminateRecoveryInstances',
  'StopReplication',
  'DisconnectSourceServer',
  'DisconnectRecoveryInstance',
  'DeleteRecoveryInstance',
] as const;

/** Operations that change either side; a precheck failure must send none of them. */
export const MUTATING_OPERATIONS = [
  'StartFailbackLaunch',
  'StopFailback',
  'StartRecovery',
  'ReverseReplication',
  ...DESTRUCTIVE_OPERATIONS,
] as const;

/** The run's outcomes in the public contract. */
export const CONTRACT_OUTCOMES = ['completed', 'backed-out', 'backout-failed', 'aborted', 'precheck-failed'];

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
}

/** Runs a plan to its end in virtual time, approving every wave as soon as it asks. */
export async function runOnSimulation(plan: Plan, sim: SimulatedAws): Promise<SimulatedRun> {
  const run = createFailbackRun({
    plan,
    clients: sim.clients,
    clock: sim.clock,
    probes: sim.probes,
    simulated: true,
    runId: RUN_ID,
  });
  const events: RunEvent[] = [];
  run.on((event) => {
    events.push(event);
    if (event.type === 'approval.requested') queueMicrotask(() => run.approve('tester'));
  });
  const result = await sim.clock.run(run.start());
  return { result, events, calls: sim.calls() };
}

export function callsOf(calls: readonly RecordedCall[], operation: string): RecordedCall[] {
  return calls.filter((c) => c.operation === operation);
}

export function recoveryInstanceIdsOf(call: RecordedCall): string[] {
  return (call.input as { recoveryInstanceIDs?: string[] }).recoveryInstanceIDs ?? [];
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
export function expectRunInvariants({ result, events, calls }: SimulatedRun): void {
  expect(CONTRACT_OUTCOMES).toContain(result.outcome);
  expect(relaunchedRecoveryInstances(calls)).toEqual([]);
  expect(calls.filter((c) => (DESTRUCTIVE_OPERATIONS as readonly string[]).includes(c.operation))).toEqual(
    [],
  );
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
