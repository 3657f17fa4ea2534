// drill-instance: a warning when the recovery instance was launched by a drill.
import { singleRecoveryInstance, waveServerIds } from './resolve.js';
import type { Precheck } from './types.js';

export const DRILL_INSTANCE = 'drill-instance';

export type DrillInstanceData = {
  recoveryInstanceId: string;
};

export const drillInstance: Precheck<typeof DRILL_INSTANCE, DrillInstanceData> = {
  name: DRILL_INSTANCE,
  evaluate(reads) {
    return waveServerIds(reads).flatMap((id) => {
      const instance = singleRecoveryInstance(reads, id);
      if (!instance?.recoveryInstanceID || !instance.isDrill) return [];
      return [
        {
          server: id,
          status: 'warn' as const,
          detail: `recovery instance ${instance.recoveryInstanceID} was launched by a drill`,
          data: { recoveryInstanceId: instance.recoveryInstanceID },
        },
      ];
    });
  },
};
