// The announcer: turns the machines' steps into the contract's `state` events and their
// notifications. Each lifecycle state is announced once per wave and run, including across a
// resume (the event log says what was already announced).
import type { Actor } from 'xstate';
import { lifecyclePath, lifecycleStates } from '../../machines/lifecycle.js';
import { type PlanContext, planMachine } from '../../machines/plan.machine.js';
import type { Outcome } from '../../machines/types.js';
import { type WaveContext, waveMachine } from '../../machines/wave.machine.js';
import type { Clock } from '../clock.js';
import type { EmitEvent, RunEvent } from '../events.js';
import { planNoticeFields, waveNoticeFields } from '../notify/notice-fields.js';
import type { Notifier } from '../notify/notifier.js';
import type { Plan } from '../plan/types.js';

const PLAN_LIFECYCLE = new Set(lifecycleStates(planMachine).map((s) => s.path));
const WAVE_LIFECYCLE = new Set(lifecycleStates(waveMachine).map((s) => s.path));

/** What the inspection API hands over for a step of the plan or a wave machine. */
export interface MachineSnapshotLike {
  status: string;
  value: Parameters<typeof lifecyclePath>[0];
  context: WaveContext;
  machine?: { id: string };
}

export interface AnnouncerOptions {
  runId: string;
  plan: Plan;
  clock: Pick<Clock, 'now'>;
  emit: EmitEvent;
  notifier: Notifier;
  /** Sequence number of the last transition notified (or queued) before this process. */
  notificationSeq: number;
  /** Every step of a wave, after its state was announced; `entering` when its lifecycle state changed. */
  onWaveStep: (state: string, context: WaveContext, entering: boolean) => void;
}

export interface Announcer {
  /** A step of the plan or a wave machine (other actors are ignored). */
  onMachineStep(snapshot: MachineSnapshotLike): void;
  /** A restored run: where its machines stand, and what its event log already announced. */
  restore(actor: Actor<typeof planMachine>, history: readonly RunEvent[]): void;
  /** The lifecycle state a wave's machine stands in. */
  waveState(waveIndex: number): string | undefined;
}

export function createAnnouncer(options: AnnouncerOptions): Announcer {
  const { runId, plan, clock, emit, notifier } = options;
  let transitionSeq = options.notificationSeq;
  // Two views of where each machine stands: what the event log already announced (a resumed
  // run may replay a transition the log has: it is not announced twice), and where the machine
  // really is (what an approval prompt depends on).
  const lastState = new Map<string, string>();
  const machineState = new Map<string, string>();
  const alreadyLogged = new Map<string, Set<string>>();

  const announce = (
    machine: 'plan' | 'wave',
    key: string,
    to: string,
    wave: string | undefined,
    outcome?: Outcome,
    reason?: string,
    summary?: string,
  ) => {
    const from = lastState.get(key) ?? null;
    // A lifecycle state is entered at most once per wave and run: one the log already holds is
    // a replay after a resume, already announced (and notified, or queued for re-notification).
    if (from === to || alreadyLogged.get(key)?.has(to)) return;
    lastState.set(key, to);
    emit({
      type: 'state',
      machine,
      ...(wave !== undefined ? { wave } : {}),
      from,
      to,
      ...(machine === 'wave' && reason !== undefined ? { reason } : {}),
    });
    transitionSeq += 1;
    notifier.notify({
      runId,
      plan: plan.name,
      machine,
      wave,
      from,
      to,
      outcome,
      reason,
      ...(summary !== undefined ? { summary } : {}),
      at: new Date(clock.now()).toISOString(),
      seq: transitionSeq,
      topicArn: plan.notifications?.topicArn ?? '',
    });
  };

  const onMachineStep = (snap: MachineSnapshotLike) => {
    const machineId = snap.machine?.id;
    if (machineId === 'plan') {
      const to = lifecyclePath(snap.value, PLAN_LIFECYCLE);
      if (to === null) return;
      const ctx = snap.context as unknown as Pick<PlanContext, 'outcome'>;
      announce('plan', 'plan', to, undefined, planNoticeFields(ctx, snap.status === 'done').outcome);
    } else if (machineId === 'wave') {
      const ctx = snap.context;
      const to = lifecyclePath(snap.value, WAVE_LIFECYCLE);
      if (to === null) return;
      const key = `wave:${ctx.waveIndex}`;
      const entering = machineState.get(key) !== to;
      machineState.set(key, to);
      // Crossing the point of no return after a drain: the RPO achieved, summarised.
      const { outcome, reason, summary } = waveNoticeFields(ctx, to, runId);
      announce('wave', key, to, ctx.wave.name, outcome, reason, summary);
      options.onWaveStep(to, ctx, entering);
    }
  };

  return {
    onMachineStep,
    restore(actor, history) {
      seedLifecycleStates(actor, lastState);
      seedLifecycleStates(actor, machineState);
      // The log may be ahead of the snapshot (the process died between the two writes).
      for (const e of history) {
        if (e.type !== 'state') continue;
        const index = plan.waves.findIndex((w) => w.name === e.wave);
        const key = e.machine === 'plan' ? 'plan' : `wave:${index}`;
        lastState.set(key, e.to);
        alreadyLogged.set(key, (alreadyLogged.get(key) ?? new Set()).add(e.to));
      }
    },
    waveState: (waveIndex) => machineState.get(`wave:${waveIndex}`),
  };
}

/** The running wave of a plan actor, when one runs (side by side: the first of them). */
export function currentWave(actor: Actor<typeof planMachine>): MachineSnapshotLike | undefined {
  return runningWaves(actor)[0];
}

/** Every running wave of a plan actor: one, or several when the plan runs waves side by side. */
export function runningWaves(actor: Actor<typeof planMachine>): MachineSnapshotLike[] {
  const children = Object.values(actor.getSnapshot().children) as { getSnapshot(): unknown }[];
  return children
    .map((child) => child?.getSnapshot() as MachineSnapshotLike | undefined)
    .filter(
      (wave): wave is MachineSnapshotLike => wave?.status === 'active' && wave.context?.wave !== undefined,
    );
}

/** A resumed run already stands in some states: announce only the changes from there. */
function seedLifecycleStates(actor: Actor<typeof planMachine>, states: Map<string, string>): void {
  const planState = lifecyclePath(actor.getSnapshot().value, PLAN_LIFECYCLE);
  if (planState !== null) states.set('plan', planState);
  for (const wave of runningWaves(actor)) {
    const waveState = lifecyclePath(wave.value, WAVE_LIFECYCLE);
    if (waveState !== null) states.set(`wave:${wave.context.waveIndex}`, waveState);
  }
}
