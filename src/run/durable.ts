// Durable wiring: a run saves a snapshot after every step of its machines, and a run restored
// from one continues where it stood: waits end at once (timers do not survive a restore),
// transitions logged without their notification are notified again.
import type { Actor, InspectionEvent, Snapshot } from 'xstate';
import type { planMachine } from '../../machines/plan.machine.js';
import type { Clock } from '../clock.js';
import type { RunEvent } from '../events.js';
import type { Notifier } from '../notify/notifier.js';
import type { Plan } from '../plan/types.js';
import type { MachineSnapshotLike } from './announcer.js';

type StateEvent = Extract<RunEvent, { type: 'state' }>;

/** Transitions of a run's log whose notification never finished, and the next sequence number. */
export function unnotifiedTransitions(history: readonly RunEvent[]): {
  nextSeq: number;
  pending: StateEvent[];
} {
  const states = history.filter((e): e is StateEvent => e.type === 'state');
  // Notifications go out one at a time in transition order: the first N transitions are done.
  const notified = history.filter((e) => e.type === 'notification').length;
  return { nextSeq: states.length + 1, pending: states.slice(notified) };
}

/**
 * Queues the notifications of `unnotifiedTransitions` again, with their first sequence numbers,
 * so FIFO topics drop the ones that did go out.
 */
export function renotify(
  notifier: Notifier,
  replay: ReturnType<typeof unnotifiedTransitions>,
  runId: string,
  plan: Plan,
): void {
  if (!plan.notifications) return;
  const firstPendingSeq = replay.nextSeq - replay.pending.length;
  replay.pending.forEach((e, i) => {
    notifier.notify({
      runId,
      plan: plan.name,
      machine: e.machine,
      wave: e.wave,
      from: e.from,
      to: e.to,
      at: e.at,
      seq: firstPendingSeq + i,
      topicArn: plan.notifications?.topicArn ?? '',
    });
  });
}

/**
 * Calls `onSnapshot` with the persisted snapshot after every step of the plan or a wave.
 * A stopped actor (paused run) reports a snapshot without its wave: never persisted, it would
 * overwrite the resumable state.
 */
export function persistSteps(
  onSnapshot: (snapshot: Snapshot<unknown>) => void,
  actor: () => Actor<typeof planMachine> | undefined,
): (ev: InspectionEvent) => void {
  return (ev) => {
    if (ev.type !== '@xstate.snapshot') return;
    const machineId = (ev.snapshot as unknown as MachineSnapshotLike).machine?.id;
    const ref = actor();
    if ((machineId === 'plan' || machineId === 'wave') && ref && ref.getSnapshot().status !== 'stopped') {
      onSnapshot(ref.getPersistedSnapshot() as Snapshot<unknown>);
    }
  };
}

/**
 * Timers do not survive a restore: end every wait now and read AWS again. An actor restored
 * in a final state has nothing to wake (and must not be sent events).
 */
export function wakeRestored(actor: Actor<typeof planMachine>, clock: Pick<Clock, 'now'>): void {
  if (actor.getSnapshot().status === 'active') actor.send({ type: 'WAKE', now: clock.now() });
}
