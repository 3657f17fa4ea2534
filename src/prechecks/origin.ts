// origin: which failback flow a server takes. EC2 origin (originEnvironment AWS) fails back by
// reverse replication; an unknown origin is warned about and takes the on-premises flow.
import { OriginEnvironment } from '@aws-sdk/client-drs';
import { singleRecoveryInstance, waveServerIds } from './resolve.js';
import type { CheckOutcome, Precheck } from './types.js';

export const ORIGIN = 'origin';

export type OriginData = {
  /** originEnvironment as DRS reported it. */
  originEnvironment: string;
  /** The flow the server takes. */
  flow: 'ec2-origin' | 'on-premises';
};

export const origin: Precheck<typeof ORIGIN, OriginData> = {
  name: ORIGIN,
  evaluate(reads) {
    return waveServerIds(reads).flatMap((id): CheckOutcome<OriginData>[] => {
      const environment = singleRecoveryInstance(reads, id)?.originEnvironment as string | undefined;
      if (environment === OriginEnvironment.AWS) {
        return [
          {
            server: id,
            status: 'pass',
            detail: `${id} came from EC2 (originEnvironment AWS): reverse replication flow`,
            data: { originEnvironment: environment, flow: 'ec2-origin' },
          },
        ];
      }
      if (environment !== undefined && environment !== OriginEnvironment.ON_PREMISES) {
        return [
          {
            server: id,
            status: 'warn',
            detail: `unknown originEnvironment '${environment}'; taking the on-premises flow`,
            data: { originEnvironment: environment, flow: 'on-premises' },
          },
        ];
      }
      return [];
    });
  },
};
