// ec2-instance: the plan's `verify.ec2InstanceId` exists. An EC2-origin server fails back to a
// new instance in its origin region, so its target is not checked (a warning says so).
import { isEc2OriginServer, reversalOf } from './resolve.js';
import type { CheckOutcome, Precheck, WaveReads } from './types.js';

export const EC2_INSTANCE = 'ec2-instance';

export type Ec2InstanceData = {
  ec2InstanceId: string;
  /** False for an EC2-origin server: the id is not looked up. */
  checked: boolean;
  /** Whether EC2 knows the instance; null when not checked or the read failed. */
  found: boolean | null;
  /** Its state name when found. */
  state: string | null;
  /** EC2 origin: the region it fails back to. */
  originRegion: string | null;
  readFailed?: { operation: string; region: string | null; kind: string; name: string };
};

/** EC2 origin: the target in the plan is not where the server fails back to. Needs no read. */
export const ec2InstanceNotChecked: Precheck<typeof EC2_INSTANCE, Ec2InstanceData> = {
  name: EC2_INSTANCE,
  evaluate(reads) {
    return reads.input.servers.flatMap((server): CheckOutcome<Ec2InstanceData>[] => {
      const ec2InstanceId = server.verify?.ec2InstanceId;
      if (!ec2InstanceId || !isEc2OriginServer(reads, server.sourceServerID)) return [];
      const originRegion = reversalOf(reads, server.sourceServerID)?.originRegion ?? null;
      return [
        {
          server: server.sourceServerID,
          status: 'warn',
          detail: `verify.ec2InstanceId ${ec2InstanceId} is not checked: an EC2-origin server fails back to a new instance in ${originRegion ?? 'its origin region'}`,
          data: { ec2InstanceId, checked: false, found: null, state: null, originRegion },
        },
      ];
    });
  },
};

/** The servers whose `verify.ec2InstanceId` is looked up (DescribeInstances). */
export function ec2InstanceTargets(reads: WaveReads): { server: string; ec2InstanceId: string }[] {
  return reads.input.servers.flatMap((s) =>
    s.verify?.ec2InstanceId && !isEc2OriginServer(reads, s.sourceServerID)
      ? [{ server: s.sourceServerID, ec2InstanceId: s.verify.ec2InstanceId }]
      : [],
  );
}

export const ec2Instance: Precheck<typeof EC2_INSTANCE, Ec2InstanceData> = {
  name: EC2_INSTANCE,
  evaluate(reads) {
    const observations = reads.ec2Instances;
    if (!observations) return [];
    return ec2InstanceTargets(reads).map(({ server, ec2InstanceId }): CheckOutcome<Ec2InstanceData> => {
      const observation = observations.get(ec2InstanceId);
      const data = { ec2InstanceId, checked: true, found: false, state: null, originRegion: null };
      if (observation?.kind === 'found') {
        const state = observation.instance.State?.Name;
        return {
          server,
          status: 'pass',
          detail: `EC2 instance ${ec2InstanceId} exists (${state ?? 'unknown state'})`,
          data: { ...data, found: true, state: state ?? null },
        };
      }
      if (observation?.kind === 'error') {
        const { failure } = observation;
        return {
          server,
          status: 'fail',
          detail: failure.message,
          data: {
            ...data,
            found: null,
            readFailed: {
              operation: failure.operation,
              region: null,
              kind: failure.kind,
              name: failure.name,
            },
          },
        };
      }
      return { server, status: 'fail', detail: `EC2 instance ${ec2InstanceId} not found`, data };
    });
  },
};
