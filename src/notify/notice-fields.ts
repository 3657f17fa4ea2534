// What a notification says beyond the state change itself, read from the machine's context as it
// stands in the new state: the same for both engines (src/run/announcer.ts, src/sfn/step-events.ts).
import type { PlanContext } from '../../machines/plan.machine.js';
import type { Outcome } from '../../machines/types.js';
import type { WaveContext } from '../../machines/wave.machine.js';
import { cutoverSummary } from './cutover-summary.js';

export interface NoticeFields {
  outcome?: Outcome;
  reason?: string;
  summary?: string;
}

/** A wave entering `to`: its outcome and failure so far, and the RPO achieved when it crosses after a drain. */
export function waveNoticeFields(context: WaveContext, to: string, runId: string): NoticeFields {
  const drain = context.cutoverRecord;
  const summary =
    to === 'startingFailback' && drain?.drainedAt != null
      ? cutoverSummary(drain.servers, context.cutover?.maxLagMs ?? 0, runId)
      : undefined;
  const outcome = context.outcome ?? undefined;
  const reason = context.failure?.message;
  return {
    ...(outcome !== undefined ? { outcome } : {}),
    ...(reason !== undefined ? { reason } : {}),
    ...(summary !== undefined ? { summary } : {}),
  };
}

/** The plan entering a state: its outcome once the machine is done. */
export function planNoticeFields(context: Pick<PlanContext, 'outcome'>, done: boolean): NoticeFields {
  const outcome = done ? (context.outcome ?? undefined) : undefined;
  return outcome !== undefined ? { outcome } : {};
}
