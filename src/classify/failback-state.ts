import { FailbackState } from '@aws-sdk/client-drs';

/**
 * What a recovery instance's `failback.state` means for the orchestrator. `not-ready` covers the
 * known states before replication back is ready (NOT_STARTED, NOT_READY_FOR_LAUNCH,
 * LAUNCH_STATE_NOT_AVAILABLE); `unknown` is any string this SDK does not know.
 */
export type FailbackStateClass = 'ready' | 'completed' | 'in-progress' | 'not-ready' | 'error' | 'unknown';

export function classifyFailbackState(state: string | undefined): FailbackStateClass {
  switch (state) {
    case FailbackState.FAILBACK_READY_FOR_LAUNCH:
      return 'ready';
    case FailbackState.FAILBACK_COMPLETED:
      return 'completed';
    case FailbackState.FAILBACK_IN_PROGRESS:
      return 'in-progress';
    case FailbackState.FAILBACK_NOT_STARTED:
    case FailbackState.FAILBACK_NOT_READY_FOR_LAUNCH:
    case FailbackState.FAILBACK_LAUNCH_STATE_NOT_AVAILABLE:
      return 'not-ready';
    case FailbackState.FAILBACK_ERROR:
      return 'error';
    default:
      return 'unknown';
  }
}
