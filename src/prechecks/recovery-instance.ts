// recovery-instance: each server has exactly one recovery instance in the DR region (the one
// that serves now and fails back).
import { readFailedOutcome } from './read-failure.js';
import { recoveryInstancesOf, waveServerIds } from './resolve.js';
import type { CheckOutcome, Precheck, ReadFailedData } from './types.js';

export const RECOVERY_INSTANCE = 'recovery-instance';

export type RecoveryInstanceData =
  | {
      /** Every recovery instance DRS lists for the server (empty: none). */
      recoveryInstanceIds: string[];
      /** The one it resolves to; null unless there is exactly one with an id. */
      recoveryInstanceId: string | null;
      /** Its EC2 instance in the DR region. */
      ec2InstanceId: string | null;
    }
  | ReadFailedData;

export const recoveryInstance: Precheck<typeof RECOVERY_INSTANCE, RecoveryInstanceData> = {
  name: RECOVERY_INSTANCE,
  evaluate(reads) {
    const read = reads.recoveryInstances;
    if (!read) return [];
    if (!read.ok) return [readFailedOutcome('*', read.error, 'DescribeRecoveryInstances')];
    return waveServerIds(reads).map((id): CheckOutcome<RecoveryInstanceData> => {
      const instances = recoveryInstancesOf(reads, id) ?? [];
      const listed = instances.flatMap((i) => (i.recoveryInstanceID ? [i.recoveryInstanceID] : []));
      const data = { recoveryInstanceIds: listed, recoveryInstanceId: null, ec2InstanceId: null };
      const [instance] = instances;
      if (!instance) {
        return { server: id, status: 'fail', detail: `no recovery instance for ${id}`, data };
      }
      if (instances.length > 1) {
        return {
          server: id,
          status: 'fail',
          detail: `${instances.length} recovery instances for ${id} (${instances.map((i) => i.recoveryInstanceID).join(', ')}); expected exactly one`,
          data,
        };
      }
      if (!instance.recoveryInstanceID) {
        return {
          server: id,
          status: 'fail',
          detail: `the recovery instance of ${id} has no recoveryInstanceID`,
          data,
        };
      }
      return {
        server: id,
        status: 'pass',
        detail: `recovery instance ${instance.recoveryInstanceID}${instance.ec2InstanceID ? ` (EC2 ${instance.ec2InstanceID})` : ''}`,
        data: {
          ...data,
          recoveryInstanceId: instance.recoveryInstanceID,
          ec2InstanceId: instance.ec2InstanceID ?? null,
        },
      };
    });
  },
};
