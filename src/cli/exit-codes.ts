// The contract's exit codes, and the pure mapping from command results and errors to them.
// Only the entry point (main.ts) calls these; commands return data or throw.
import type { Outcome } from '../../machines/types.js';

export const ExitCode = {
  ok: 0,
  backedOut: 1,
  usage: 2,
  notReady: 3,
  personMustAct: 4,
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A run's outcome, or `interrupted` when the operator left it paused after the point of no return. */
export type RunEnd = Outcome | 'interrupted';

/**
 * `partial`: an earlier wave completed (its servers run on the primary side now), so an aborted or
 * precheck-failed later wave does not mean "nothing was changed": a person decides what is next.
 */
export function exitCodeForRun(end: RunEnd, partial = false): ExitCode {
  if (partial && (end === 'aborted' || end === 'precheck-failed')) return ExitCode.personMustAct;
  switch (end) {
    case 'completed':
      return ExitCode.ok;
    case 'backed-out':
      return ExitCode.backedOut;
    case 'aborted':
    case 'precheck-failed':
      return ExitCode.notReady;
    case 'backout-failed':
    case 'needs-attention':
      return ExitCode.personMustAct;
    case 'interrupted':
      return ExitCode.interrupted;
  }
}

/** What every command returns to the entry point. */
export type CommandResult =
  | { command: 'validate' }
  | { command: 'check'; ready: boolean }
  | { command: 'run'; end: RunEnd; partial?: boolean }
  | { command: 'resume'; end: RunEnd; partial?: boolean }
  | { command: 'backout'; end: RunEnd; partial?: boolean }
  | { command: 'status' }
  | { command: 'report' }
  | { command: 'watch' }
  | { command: 'diagram' }
  | { command: 'iam-policy' }
  | { command: 'export' }
  | { command: 'approve' | 'refuse' }
  | { command: 'prepare'; ready: boolean; reversed: number; failed: number; interrupted: boolean };

export function exitCodeForResult(result: CommandResult): ExitCode {
  switch (result.command) {
    case 'check':
      return result.ready ? ExitCode.ok : ExitCode.notReady;
    case 'prepare':
      return exitCodeForPrepare(result);
    case 'run':
    case 'resume':
    case 'backout':
      return exitCodeForRun(result.end, result.partial);
    default:
      return ExitCode.ok;
  }
}

const USAGE_ERRORS: ReadonlySet<string> = new Set([
  'ConfigError',
  'UsageError',
  'NotAvailableError',
  'AwsSetupError',
  'CredentialsProviderError',
  'CredentialsError',
  'AccountMismatchError',
  // The state directory: an unknown run, a finished one, one held by a live process, a newer
  // format. Each is refused before anything is sent to AWS.
  'RunNotFoundError',
  // Step Functions engine: nothing waits for this answer (or another answer won); nothing sent.
  'NoPendingApprovalError',
  'NotAnApproverError',
  'RunFinishedError',
  'RunLockedError',
  'SnapshotFormatError',
  'RunIncompleteError',
  'StateFileError',
]);

/** Refusals where something may already have changed in AWS: a person must look (exit 4), no stack. */
const PERSON_MUST_ACT_ERRORS: ReadonlySet<string> = new Set(['ResumeRefusedError']);

export interface ErrorExit {
  code: ExitCode;
  /** The one line (or lines, for ConfigError) the operator sees on stderr. */
  message: string;
  /** Whether a stack trace helps: only for errors nobody anticipated. */
  unexpected: boolean;
}

/** Maps an error to its exit code and message. Unknown errors: a person must look (4). */
export function exitForError(error: unknown): ErrorExit {
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  if (USAGE_ERRORS.has(name)) {
    const text =
      name === 'CredentialsProviderError'
        ? `no AWS credentials found (${firstLine(message)}); set AWS_PROFILE or pass --profile, or use --simulate <scenario>`
        : name === 'ConfigError'
          ? `${message}\n${problemCount(error)}; nothing was sent to AWS.`
          : message;
    return { code: ExitCode.usage, message: text, unexpected: false };
  }
  // The AWS endpoint could not be reached: not ready, nothing was changed.
  if (name === 'EndpointUnreachableError') return { code: ExitCode.notReady, message, unexpected: false };
  // --from-wave: a wave before it did not fail back whole; only a read was sent.
  if (name === 'WavesNotFailedBackError') return { code: ExitCode.notReady, message, unexpected: false };
  if (PERSON_MUST_ACT_ERRORS.has(name)) return { code: ExitCode.personMustAct, message, unexpected: false };
  return { code: ExitCode.personMustAct, message: `unexpected error: ${message}`, unexpected: true };
}

function firstLine(text: string): string {
  return text.split('\n')[0]?.trim() ?? text;
}

function problemCount(error: unknown): string {
  const problems = (error as { problems?: unknown }).problems;
  const n = Array.isArray(problems) ? problems.length : 1;
  return n === 1 ? '1 problem' : `${n} problems`;
}

/**
 * prepare: 0 when ready, or when it started reverse replication that is still catching up
 * (it did its job; `check` or `--watch` tells when it is ready); 4 when a server could not be
 * reversed (a person must act); 130 when the operator stopped `--watch`; 3 when not ready and
 * nothing was sent (the contract's "not ready, nothing was changed").
 */
export function exitCodeForPrepare(result: {
  ready: boolean;
  reversed: number;
  failed: number;
  interrupted: boolean;
}): ExitCode {
  if (result.failed > 0) return ExitCode.personMustAct;
  if (result.ready) return ExitCode.ok;
  if (result.interrupted) return ExitCode.interrupted;
  return result.reversed > 0 ? ExitCode.ok : ExitCode.notReady;
}
