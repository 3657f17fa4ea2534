// Approvals: which wave waits for a person and what approving does there, asked on entry
// (and again when a run resumes in such a state); answers are logged, then sent to the machine.

import { waveLifecycle } from '../../machines/lifecycle.js';
import type { PlanEvent } from '../../machines/plan.machine.js';
import type { WaveContext } from '../../machines/wave.machine.js';
import type { Clock } from '../clock.js';
import type { EmitEvent } from '../events.js';

export interface PendingApproval {
  wave: string;
  /** What approving does, in the words of `approval.requested`. */
  pointOfNoReturn: string;
}

/** What approving does in a state that waits for a person; null when the state does not wait. */
function approvalPrompt(state: string | undefined, context: WaveContext): string | null {
  return waveLifecycle.approvalPrompt(state, context);
}

export interface Approvals {
  pending(): PendingApproval | null;
  /** A wave stepped; `entering` when its lifecycle state changed. Asks when the new state waits. */
  onWaveStep(state: string, context: WaveContext, entering: boolean): void;
  /** A restored run: the wave's state, which may wait for a person (asked again by `askAgain`). */
  restore(state: string | undefined, context: WaveContext): void;
  /** Re-emits `approval.requested` for the approval a resumed run still waits for. */
  askAgain(): void;
  approve(by: string): boolean;
  refuse(by: string): boolean;
}

type Answer = Extract<PlanEvent, { type: 'APPROVE' | 'REFUSE' }>;

export function createApprovals(
  emit: EmitEvent,
  clock: Pick<Clock, 'now'>,
  send: (answer: Answer) => void,
): Approvals {
  let waiting: PendingApproval | null = null;
  return {
    pending: () => waiting,
    onWaveStep(state, context, entering) {
      if (!entering) return;
      const prompt = approvalPrompt(state, context);
      if (prompt !== null) {
        waiting = { wave: context.wave.name, pointOfNoReturn: prompt };
        emit({ type: 'approval.requested', ...waiting });
      } else if (waiting?.wave === context.wave.name) {
        waiting = null;
      }
    },
    restore(state, context) {
      const prompt = approvalPrompt(state, context);
      if (prompt !== null) waiting = { wave: context.wave.name, pointOfNoReturn: prompt };
    },
    askAgain() {
      if (waiting) emit({ type: 'approval.requested', ...waiting });
    },
    approve(by) {
      if (!waiting) return false;
      emit({ type: 'approval.given', wave: waiting.wave, by });
      send({ type: 'APPROVE', by, at: clock.now() });
      return true;
    },
    refuse(by) {
      if (!waiting) return false;
      emit({ type: 'approval.refused', wave: waiting.wave, by });
      send({ type: 'REFUSE', by });
      return true;
    },
  };
}
