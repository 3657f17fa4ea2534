// The contract's events of one step of the Step Functions engine: the same `state`, approval and
// run events the CLI's announcer emits, read off the microsteps of the step's transition (xstate's
// pure getMicrosteps), so the run's event log in DynamoDB reads like the `--json` stream.
import type { AnyMachineSnapshot } from 'xstate';
import { lifecyclePath, planLifecycle, waveLifecycle } from '../../machines/lifecycle.js';
import type { PlanContext, PlanOutput, PlanRunInput } from '../../machines/plan.machine.js';
import type { WaveContext } from '../../machines/wave.machine.js';
import { EVENT_FORMAT_VERSION, type RunEventBody } from '../events.js';
import { type NoticeFields, planNoticeFields, waveNoticeFields } from '../notify/notice-fields.js';
import type { MachineName } from './structure.js';

const LIFECYCLE: Record<MachineName, ReadonlySet<string>> = {
  plan: planLifecycle.paths,
  wave: waveLifecycle.paths,
};

/** The lifecycle state a machine stands in (null: none of its states is a lifecycle state). */
export function lifecycleOf(machine: MachineName, value: unknown): string | null {
  return lifecyclePath(value as Parameters<typeof lifecyclePath>[0], LIFECYCLE[machine]);
}

/**
 * What the notification of one `state` event says (src/notify/message.ts adds the run, the plan,
 * the time, the sequence number and the topic), as the CLI's announcer reads it off the microstep.
 */
export interface StepNotice extends NoticeFields {
  machine: MachineName;
  wave?: string;
  from: string | null;
  to: string;
}

/**
 * `state` events (and `approval.requested` when a wave enters a state that waits for a person)
 * for the microsteps of a transition, starting from the lifecycle state `from`, as the CLI's
 * announcer and approvals do for each microstep. `notices` receives one entry per `state` event.
 */
export function transitionEvents(
  machine: MachineName,
  from: string | null,
  microsteps: readonly AnyMachineSnapshot[],
  notices: StepNotice[] = [],
): RunEventBody[] {
  const events: RunEventBody[] = [];
  let last = from;
  for (const snapshot of microsteps) {
    const to = lifecycleOf(machine, snapshot.value);
    if (to === null || to === last) continue;
    if (machine === 'plan') {
      events.push({ type: 'state', machine, from: last, to });
      const context = snapshot.context as Pick<PlanContext, 'outcome'>;
      notices.push({ machine, from: last, to, ...planNoticeFields(context, snapshot.status === 'done') });
    } else {
      const context = snapshot.context as WaveContext;
      const reason = context.failure?.message;
      notices.push({
        machine,
        wave: context.wave.name,
        from: last,
        to,
        ...waveNoticeFields(context, to, context.runId),
      });
      events.push({
        type: 'state',
        machine,
        wave: context.wave.name,
        from: last,
        to,
        ...(reason !== undefined ? { reason } : {}),
      });
      const prompt = waveLifecycle.approvalPrompt(to, context);
      const details = waveLifecycle.approvalDetails(to, context);
      if (prompt !== null && details !== null)
        events.push({
          type: 'approval.requested',
          wave: context.wave.name,
          kind: details.kind,
          pointOfNoReturn: prompt,
        });
    }
    last = to;
  }
  return events;
}

/** `run.started` of a run on Step Functions: the plan machine's first step writes it. */
export function runStartedEvent(input: PlanRunInput): RunEventBody {
  return {
    type: 'run.started',
    plan: input.planName,
    waves: input.waves.length,
    servers: input.waves.reduce((n, w) => n + w.servers.length, 0),
    simulated: false,
    format: EVENT_FORMAT_VERSION,
  };
}

/** `run.finished` once the plan machine is done: the outcome, each wave's, and why it stopped. */
export function runFinishedEvent(output: PlanOutput): RunEventBody {
  const stopped = output.waves.find((w) => w.outcome !== 'completed' && w.outcome !== 'not-started');
  const reason = output.outcome !== 'completed' ? stopped?.failure?.message : undefined;
  return {
    type: 'run.finished',
    outcome: output.outcome,
    waves: output.waves.map((w) => ({ name: w.name, outcome: w.outcome })),
    ...(reason !== undefined ? { reason } : {}),
  };
}

/** An answer that reached a wave through its approval Task: `approval.given` / `approval.refused`. */
export function answerEvent(
  context: { wave: { name: string } },
  event: { type: string; by?: unknown },
): RunEventBody | null {
  if (event.type !== 'APPROVE' && event.type !== 'REFUSE') return null;
  const approver = typeof event.by === 'string' ? event.by : 'unknown';
  const fields = { wave: context.wave.name, approver, via: 'api' as const, by: approver };
  return event.type === 'APPROVE'
    ? { type: 'approval.given', ...fields }
    : { type: 'approval.refused', ...fields };
}
