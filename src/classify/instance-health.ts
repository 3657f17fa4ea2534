import { type Instance, InstanceStateName, type InstanceStatus, SummaryStatus } from '@aws-sdk/client-ec2';
import type { NetworkExpectation, VerifyVerdict } from '../../machines/types.js';

export interface InstanceHealth {
  status: VerifyVerdict;
  detail: string;
}

const UNHEALTHY_STATES: ReadonlySet<string> = new Set([
  InstanceStateName.stopping,
  InstanceStateName.stopped,
  InstanceStateName.shutting_down,
  InstanceStateName.terminated,
]);

const sameSet = (a: readonly string[], b: readonly string[]): boolean => {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((x) => right.has(x));
};

/** The network expectations the instance breaks, each naming expected vs actual. */
export function networkMismatches(instance: Instance, expect: NetworkExpectation | undefined): string[] {
  if (!expect) return [];
  const mismatches: string[] = [];
  if (expect.subnetId !== undefined && instance.SubnetId !== expect.subnetId) {
    mismatches.push(`subnet expected ${expect.subnetId}, actual ${instance.SubnetId ?? 'none'}`);
  }
  if (expect.securityGroupIds !== undefined) {
    const actual = (instance.SecurityGroups ?? []).flatMap((g) => (g.GroupId ? [g.GroupId] : []));
    if (!sameSet(expect.securityGroupIds, actual)) {
      mismatches.push(
        `security groups expected [${[...expect.securityGroupIds].sort().join(', ')}], actual [${actual
          .sort()
          .join(', ')}]`,
      );
    }
  }
  if (expect.privateIp !== undefined && instance.PrivateIpAddress !== expect.privateIp) {
    mismatches.push(`private IP expected ${expect.privateIp}, actual ${instance.PrivateIpAddress ?? 'none'}`);
  }
  return mismatches;
}

/**
 * Health of one EC2 instance from DescribeInstances + DescribeInstanceStatus (IncludeAllInstances).
 * Healthy means running, both status checks ok, and the network as the plan expects.
 */
export function classifyInstanceHealth(
  instance: Instance,
  status: InstanceStatus | undefined,
  expect?: NetworkExpectation,
): InstanceHealth {
  const id = instance.InstanceId ?? 'instance';
  const state = (instance.State?.Name as string | undefined) ?? status?.InstanceState?.Name;
  if (state !== undefined && UNHEALTHY_STATES.has(state)) {
    return { status: 'unhealthy', detail: `${id} is ${state}` };
  }
  const mismatches = networkMismatches(instance, expect);
  if (mismatches.length > 0) {
    return { status: 'unhealthy', detail: `${id} network differs from the plan: ${mismatches.join('; ')}` };
  }
  if (state === InstanceStateName.pending) {
    return { status: 'pending', detail: `${id} is pending` };
  }
  if (state !== InstanceStateName.running) {
    return {
      status: 'pending',
      detail: `${id} has ${state === undefined ? 'no state' : `unknown state '${state}'`}`,
    };
  }
  const instanceCheck = status?.InstanceStatus?.Status as string | undefined;
  const systemCheck = status?.SystemStatus?.Status as string | undefined;
  const checks = `instance status ${instanceCheck ?? 'unknown'}, system status ${systemCheck ?? 'unknown'}`;
  if (instanceCheck === SummaryStatus.impaired || systemCheck === SummaryStatus.impaired) {
    return { status: 'unhealthy', detail: `${id} is running but impaired (${checks})` };
  }
  if (instanceCheck === SummaryStatus.ok && systemCheck === SummaryStatus.ok) {
    return { status: 'healthy', detail: `${id} is running, ${checks}` };
  }
  // initializing, insufficient-data, not-applicable, missing or unknown: not decided yet.
  return { status: 'pending', detail: `${id} is running, ${checks}` };
}
