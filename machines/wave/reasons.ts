// Why a wave left the happy path: the FailureReason of each way out, in one place.
import type { AwsFailure, CheckResult, FailureReason, ServerHealth, ServerLag } from '../types.js';

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export const awsReason = (f: AwsFailure | undefined): FailureReason => ({
  code: 'aws-error',
  message: f?.message ?? 'AWS call failed',
});

/** A start that did not start anything: the wave ends before the point of no return. */
export const startNotStartedReason = (f: AwsFailure | undefined): FailureReason => ({
  code: 'aws-error',
  message: `${f?.message ?? 'the start failed'}; nothing was started, so no StopFailback was sent and the failback replication stays ready: fix the cause and run again`,
});

/**
 * A backout (ABORT) whose read of the in-doubt start found no job of this run: the wave ends
 * before its point of no return, without StopFailback (it would throw the readiness away).
 */
export const abortNothingStartedReason = (abort: FailureReason | null): FailureReason => ({
  code: 'operator-abort',
  message: `${abort?.message ?? 'aborted'}; a re-read shows no failback job of this run: nothing was started, so no StopFailback was sent and the failback replication stays ready`,
});

/** An activity that threw instead of returning its typed failure: the outcome is unknown. */
export const activityErrorReason = (error: unknown): FailureReason => ({
  code: 'aws-error',
  message: errorMessage(error),
});

export function abortReason(event: { by?: string; reason?: string }): FailureReason {
  const by = event.by ? ` by ${event.by}` : '';
  return { code: 'operator-abort', message: event.reason ?? `aborted${by}` };
}

export function refusedReason(by: string): FailureReason {
  return { code: 'approval-refused', message: `approval refused by ${by}` };
}

export function rtoReason(during: string): FailureReason {
  return { code: 'rto-exceeded', message: `the RTO deadline passed during ${during}` };
}

export const approvalExpiredReason: FailureReason = {
  code: 'approval-expired',
  message: 'the approval expired unanswered (approvalTimeout); nothing was changed',
};

export const approvalRtoReason: FailureReason = {
  code: 'rto-exceeded',
  message: 'the RTO deadline passed while awaiting approval',
};

export function precheckReason(checks: readonly CheckResult[]): FailureReason {
  return {
    code: 'precheck',
    message: checks
      .filter((c) => c.status === 'fail')
      .map((c) => `${c.server} ${c.name}: ${c.detail}`)
      .join('; '),
  };
}

export function jobTimeoutReason(jobIds: readonly string[]): FailureReason {
  return { code: 'job-timeout', message: `job ${jobIds.join(', ')} did not finish within the job timeout` };
}

export function restoreReason(message: string | undefined): FailureReason {
  return { code: 'restore-failed', message: message ?? 'restore failed' };
}

export function verifyReason(
  code: 'verify-failed' | 'verify-timeout',
  servers: ServerHealth[],
  marker?: { found: boolean; detail: string },
): FailureReason {
  const bad = servers.filter((s) => s.status !== 'healthy').map((s) => `${s.sourceServerID}: ${s.detail}`);
  if (marker && !marker.found) bad.push(`marker: ${marker.detail}`);
  const lead =
    code === 'verify-timeout' ? 'verification did not pass within the verify timeout' : 'verification failed';
  return { code, message: bad.length > 0 ? `${lead}: ${bad.join('; ')}` : lead };
}

/** A StopFailback activity that threw: recorded beside the per-server failures of the backout. */
export function stopActivityFailure(error: unknown): AwsFailure {
  return {
    kind: 'unknown',
    name: error instanceof Error ? error.name : 'Error',
    operation: 'StopFailback',
    message: errorMessage(error),
    retryable: false,
  };
}

/** A duration for people, e.g. `2m 5s`, `30s`. */
function seconds(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m ${s % 60}s` : `${s}s`;
}

/** The drain did not finish in time: which servers, by how much, and what the operator must do. */
export function drainTimeoutReason(servers: readonly ServerLag[], maxLagMs: number): FailureReason {
  const behind = servers.filter((s) => !s.drained);
  const list = behind
    .slice(0, 10)
    .map(
      (s) =>
        `${s.sourceServerID} ${s.lagMs === null ? 'lag unknown' : `lag ${seconds(s.lagMs)}`} (${s.detail})`,
    )
    .join('; ');
  const more = behind.length > 10 ? `; and ${behind.length - 10} more` : '';
  return {
    code: 'drain-timeout',
    message: `the replication home did not drain to ${seconds(maxLagMs)} within the cutover timeout: ${list || 'no reading'}${more}. Nothing was changed in AWS; re-enable the application's writes on the DR side`,
  };
}

/** The quiesce step failed: nothing crossed; the writes may have been stopped. */
export function quiesceReason(message: string): FailureReason {
  return {
    code: 'quiesce-failed',
    message: `stopping the writes failed: ${message}. Nothing was changed in AWS; re-enable the application's writes on the DR side`,
  };
}
