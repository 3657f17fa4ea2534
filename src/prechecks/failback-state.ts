// failback-state: an on-premises server's recovery instance is FAILBACK_READY_FOR_LAUNCH (the
// failback client is connected). EC2-origin servers are judged on their reversed replication.
import { FailbackState } from '@aws-sdk/client-drs';
import { classifyFailbackState } from '../classify/failback-state.js';
import { isEc2OriginServer, singleRecoveryInstance, waveServerIds } from './resolve.js';
import type { CheckOutcome, Precheck } from './types.js';

export const FAILBACK_STATE = 'failback-state';

export type FailbackStateData = {
  recoveryInstanceId: string;
  /** failback.state as DRS reported it; null when absent. */
  failbackState: string | null;
  /** `ready`, `unknown`, or how far from ready (classify/failback-state.ts). */
  classification: string;
  expected: string;
};

export const failbackState: Precheck<typeof FAILBACK_STATE, FailbackStateData> = {
  name: FAILBACK_STATE,
  evaluate(reads) {
    return waveServerIds(reads).flatMap((id): CheckOutcome<FailbackStateData>[] => {
      const instance = singleRecoveryInstance(reads, id);
      if (!instance?.recoveryInstanceID || isEc2OriginServer(reads, id)) return [];
      const state = instance.failback?.state as string | undefined;
      const classification = classifyFailbackState(state);
      const data = {
        recoveryInstanceId: instance.recoveryInstanceID,
        failbackState: state ?? null,
        classification,
        expected: FailbackState.FAILBACK_READY_FOR_LAUNCH as string,
      };
      if (classification === 'ready') {
        return [{ server: id, status: 'pass', detail: `failback state ${state}`, data }];
      }
      const detail =
        classification !== 'unknown'
          ? `failback state is ${state}, needs FAILBACK_READY_FOR_LAUNCH`
          : state === undefined
            ? 'recovery instance reports no failback state'
            : `unknown failback state '${state}'`;
      return [{ server: id, status: 'fail', detail, data }];
    });
  },
};
