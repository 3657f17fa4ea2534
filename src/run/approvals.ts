// Approvals: which wave waits for a person and what approving lets through, asked on entry (and
// again when a run resumes in such a state). The rules every client (the terminal, a web page, an
// API) answers under live here: who may answer (the plan's `approvers`), the first answer wins, an
// answer to an approval that no longer waits (answered, expired, or another step's) is refused
// with a sentence saying why. Accepted answers are logged, then sent to the machine.

import { waveLifecycle } from '../../machines/lifecycle.js';
import type { PlanEvent } from '../../machines/plan.machine.js';
import type { ApprovalKind, ApprovedCall } from '../../machines/wave/approvals.js';
import type { WaveContext } from '../../machines/wave.machine.js';
import type { Clock } from '../clock.js';
import type { EmitEvent } from '../events.js';

/** Where an answer came from, as `approval.given` / `approval.refused` record it. */
export const APPROVAL_CHANNELS = ['terminal', 'web', 'api'] as const;
export type ApprovalChannel = (typeof APPROVAL_CHANNELS)[number];

export interface PendingApproval {
  wave: string;
  /** What approving does, in the words of `approval.requested`. */
  pointOfNoReturn: string;
  kind: ApprovalKind;
  /** The approval's title, specific to its step. */
  title: string;
  /** The calls approving lets through: the servers, the region, the consequence. */
  calls: ApprovedCall[];
  /** The word a person types to approve it on a terminal (the wave's name at a point of no return). */
  confirmWord: string;
  /** When it expires unanswered (epoch ms); null when it waits until the RTO deadline only. */
  expiresAt: number | null;
}

/** Who answers, and through what. */
export interface Approver {
  /** The OS user at the terminal, the name typed on a web page, the AWS principal of an API call. */
  approver: string;
  via: ApprovalChannel;
  /** Recorded in the older `by` field after the name, e.g. `--yes`. */
  note?: string;
}

/** What the answer was about: answers to a different (older) approval are refused as stale. */
export interface AnswerTarget {
  wave?: string;
  kind?: ApprovalKind;
}

export type AnswerResult =
  | { ok: true }
  | { ok: false; code: 'not-waiting' | 'stale' | 'not-allowed'; message: string };

export interface Approvals {
  /** The oldest approval waiting for an answer (waves side by side may wait at once). */
  pending(): PendingApproval | null;
  /** Every approval waiting for an answer, oldest first. */
  allPending(): PendingApproval[];
  /** A wave stepped; `entering` when its lifecycle state changed. Asks when the new state waits. */
  onWaveStep(state: string, context: WaveContext, entering: boolean): void;
  /** A restored run: the wave's state, which may wait for a person (asked again by `askAgain`). */
  restore(state: string | undefined, context: WaveContext): void;
  /** Re-emits `approval.requested` for the approval a resumed run still waits for. */
  askAgain(): void;
  answer(decision: 'approve' | 'refuse', who: Approver, target?: AnswerTarget): AnswerResult;
}

type Answer = Extract<PlanEvent, { type: 'APPROVE' | 'REFUSE' }>;

/** The word typed to approve: the wave's name at a point of no return, the step's verb after it. */
export function confirmWordFor(kind: ApprovalKind, wave: string): string {
  if (kind === 'reprotect') return 'reprotect';
  if (kind === 'cleanup') return 'terminate';
  if (kind === 'quiesce') return 'stopped';
  if (kind === 'relaunch') return 'relaunch';
  return wave;
}

const IAM_ROLE = /^arn:(aws[\w-]*):iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/;
const ASSUMED_ROLE = /^arn:(aws[\w-]*):sts::(\d{12}):assumed-role\/([\w+=,.@-]+)\/[^/]+$/;

/**
 * Whether `approver` is one of `allowed`: the same name or ARN, or a session of a named role
 * (`arn:aws:sts::111122223333:assumed-role/oncall/alice` is the role `...:role/oncall`).
 */
export function isAllowedApprover(allowed: readonly string[] | undefined, approver: string): boolean {
  if (allowed === undefined || allowed.length === 0) return true;
  if (allowed.includes(approver)) return true;
  const session = ASSUMED_ROLE.exec(approver);
  if (!session) return false;
  return allowed.some((name) => {
    const role = IAM_ROLE.exec(name);
    return role !== null && role[1] === session[1] && role[2] === session[2] && role[3] === session[3];
  });
}

function pendingFor(state: string | undefined, context: WaveContext): PendingApproval | null {
  const details = waveLifecycle.approvalDetails(state, context);
  const prompt = waveLifecycle.approvalPrompt(state, context);
  if (details === null || prompt === null) return null;
  return {
    wave: context.wave.name,
    pointOfNoReturn: prompt,
    kind: details.kind,
    title: details.title,
    calls: details.calls,
    confirmWord: confirmWordFor(details.kind, context.wave.name),
    expiresAt: details.kind === 'pointOfNoReturn' ? (context.approvalDeadlineAt ?? null) : null,
  };
}

export interface ApprovalRules {
  /** Who may answer; absent or empty: anyone who can reach the run. */
  approvers?: readonly string[];
}

export function createApprovals(
  emit: EmitEvent,
  clock: Pick<Clock, 'now'>,
  send: (answer: Answer) => void,
  rules: ApprovalRules = {},
): Approvals {
  // Every wave that waits for a person, in the order they asked: waves that run side by side may
  // wait at once. `pending()` is the oldest; an answer names its wave (or takes the oldest).
  let waiting: PendingApproval[] = [];
  const requested = (p: PendingApproval) =>
    emit({ type: 'approval.requested', wave: p.wave, kind: p.kind, pointOfNoReturn: p.pointOfNoReturn });
  const without = (wave: string) => waiting.filter((p) => p.wave !== wave);
  return {
    pending: () => waiting[0] ?? null,
    allPending: () => [...waiting],
    onWaveStep(state, context, entering) {
      if (!entering) return;
      const next = pendingFor(state, context);
      waiting = without(context.wave.name);
      if (next !== null) {
        waiting.push(next);
        requested(next);
      }
    },
    restore(state, context) {
      const next = pendingFor(state, context);
      if (next !== null) waiting = [...without(context.wave.name), next];
    },
    askAgain() {
      for (const p of waiting) requested(p);
    },
    answer(decision, who, target = {}) {
      const about = target.wave === undefined ? 'the approval' : `the approval of wave ${target.wave}`;
      const oldest = waiting[0];
      if (oldest === undefined) {
        return { ok: false, code: 'not-waiting', message: `${about} no longer waits for an answer` };
      }
      const open = target.wave === undefined ? oldest : waiting.find((p) => p.wave === target.wave);
      if (open === undefined || (target.kind !== undefined && target.kind !== open.kind)) {
        const now = open ?? oldest;
        return {
          ok: false,
          code: 'stale',
          message: `${about} was already answered or has expired; wave ${now.wave} now waits for: ${now.title}`,
        };
      }
      if (!isAllowedApprover(rules.approvers, who.approver)) {
        return {
          ok: false,
          code: 'not-allowed',
          message: `${who.approver} is not one of the plan's approvers (${(rules.approvers ?? []).join(', ')}); the answer is ignored`,
        };
      }
      // First answer wins: the approval stops waiting before the machine hears of it.
      waiting = without(open.wave);
      const by = who.note === undefined ? who.approver : `${who.approver} (${who.note})`;
      const fields = { wave: open.wave, approver: who.approver, via: who.via, by };
      if (decision === 'approve') {
        emit({ type: 'approval.given', ...fields });
        send({ type: 'APPROVE', by, at: clock.now(), wave: open.wave });
      } else {
        emit({ type: 'approval.refused', ...fields });
        send({ type: 'REFUSE', by, wave: open.wave });
      }
      return { ok: true };
    },
  };
}
