// The questions guided mode asks. Streams are injectable so tests drive them headless.
import type { Readable, Writable } from 'node:stream';
import { isCancel, select, text } from '@clack/prompts';
import type { ApprovedCall } from '../../machines/wave/approvals.js';
import type { PendingApproval } from '../run/approvals.js';

export interface PromptStreams {
  input?: Readable;
  output?: Writable;
  signal?: AbortSignal;
}

export interface ApprovalQuestion
  extends Pick<PendingApproval, 'wave' | 'title' | 'calls' | 'confirmWord' | 'pointOfNoReturn'> {
  /** The run's (DR) region: where the calls that name no region of their own act. */
  region: string;
  /** When it expires unanswered, for people (e.g. `at 03:12:00 UTC (in 59m 30s)`); absent: never. */
  expires?: string;
}

/** `cancel`: the operator pressed Ctrl-C or Escape at the prompt. */
export type ApprovalAnswer = 'approve' | 'refuse' | 'cancel';

/** The word that refuses (nothing changes). */
export const REFUSE_WORD = 'no';

function callLine(call: ApprovedCall, region: string): string {
  const irreversible = call.irreversible ? ' (cannot be undone)' : '';
  return `${call.call} for ${call.target} in ${call.region ?? region}: ${call.consequence}${irreversible}`;
}

/** The exact question: the step, every call with its servers and region, and how to answer. */
export function approvalMessage(q: ApprovalQuestion): string {
  const lines = [`${q.title}?`, ...q.calls.map((c) => `  ${callLine(c, q.region)}`)];
  if (q.expires !== undefined)
    lines.push(`  Expires unanswered ${q.expires}: the wave then ends, nothing changed.`);
  lines.push(`Type ${q.confirmWord} to approve, or ${refuseWord(q)} to refuse (nothing changes).`);
  return lines.join('\n');
}

/** `no`, unless the approving word is `no` itself (a wave named `no`). */
function refuseWord(q: Pick<ApprovalQuestion, 'confirmWord'>): string {
  return q.confirmWord === REFUSE_WORD ? 'refuse' : REFUSE_WORD;
}

/** What a typed answer means: only the exact word approves; anything else but the refusal asks again. */
export function readApprovalAnswer(
  q: Pick<ApprovalQuestion, 'confirmWord'>,
  typed: string,
): ApprovalAnswer | null {
  const answer = typed.trim();
  if (answer === q.confirmWord) return 'approve';
  if (answer.toLowerCase() === refuseWord(q)) return 'refuse';
  return null;
}

export async function askApproval(q: ApprovalQuestion, streams: PromptStreams = {}): Promise<ApprovalAnswer> {
  const typed = await text({
    message: approvalMessage(q),
    placeholder: `${q.confirmWord} or ${refuseWord(q)}`,
    validate: (value) =>
      readApprovalAnswer(q, value ?? '') === null
        ? `Type ${q.confirmWord} exactly to approve, or ${refuseWord(q)} to refuse`
        : undefined,
    ...streams,
  });
  if (isCancel(typed)) return 'cancel';
  return readApprovalAnswer(q, typed) ?? 'refuse';
}

export type InterruptAnswer = 'backout' | 'pause';

/**
 * Asked on Ctrl-C after the point of no return, where aborting is no longer free.
 * Cancelling this question leaves the run paused: the choice that changes nothing more.
 */
export async function askAfterInterrupt(
  q: { waves: string[] },
  streams: PromptStreams = {},
): Promise<InterruptAnswer> {
  const answer = await select<InterruptAnswer>({
    message: `Wave(s) ${q.waves.join(', ')} are past the point of no return. Back out now, or leave the run paused for resume?`,
    options: [
      { value: 'pause', label: 'Leave the run paused', hint: 'DRS jobs continue; resume later' },
      { value: 'backout', label: 'Back out now', hint: 'StopFailback; keep the DR side serving' },
    ],
    initialValue: 'pause',
    ...streams,
  });
  if (isCancel(answer)) return 'pause';
  return answer;
}
