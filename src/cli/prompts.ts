// The questions guided mode asks. Streams are injectable so tests drive them headless.
import type { Readable, Writable } from 'node:stream';
import { confirm, isCancel, select } from '@clack/prompts';

export interface PromptStreams {
  input?: Readable;
  output?: Writable;
  signal?: AbortSignal;
}

export interface ApprovalQuestion {
  wave: string;
  /** The run's own words for what the call does, from the `approval.requested` event. */
  pointOfNoReturn: string;
  region: string;
}

/** `cancel`: the operator pressed Ctrl-C or Escape at the prompt. */
export type ApprovalAnswer = 'approve' | 'refuse' | 'cancel';

/** The exact question for a point of no return: what call, how many instances, which region. */
export function approvalMessage(q: ApprovalQuestion): string {
  const [call, ...consequence] = q.pointOfNoReturn.split('; ');
  const where = `${call} in ${q.region}`;
  return `Wave ${q.wave}: ${consequence.length > 0 ? `${where}; ${consequence.join('; ')}` : where}. Approve?`;
}

export async function askApproval(q: ApprovalQuestion, streams: PromptStreams = {}): Promise<ApprovalAnswer> {
  const answer = await confirm({
    message: approvalMessage(q),
    active: 'Yes, start the failback',
    inactive: 'No, stop here (nothing changes)',
    initialValue: false,
    ...streams,
  });
  if (isCancel(answer)) return 'cancel';
  return answer ? 'approve' : 'refuse';
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
