// Why a wave left the happy path: the FailureReason of each way out, in one place.
import type { AwsFailure, CheckResult, FailureReason, ServerHealth } from '../types.js';

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export const awsReason = (f: AwsFailure | undefined): FailureReason => ({
  code: 'aws-error',
  message: f?.message ?? 'AWS call failed',
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
): FailureReason {
  const bad = servers.filter((s) => s.status !== 'healthy').map((s) => `${s.sourceServerID}: ${s.detail}`);
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
