import {
  DescribeInstanceStatusCommand,
  type DescribeInstanceStatusCommandInput,
  DescribeInstancesCommand,
  type DescribeInstancesCommandInput,
  type Instance,
  type InstanceStatus,
} from '@aws-sdk/client-ec2';
import type { AwsFailure, NetworkExpectation } from '../../machines/types.js';
import { chunk, unique } from '../aws/batch.js';
import type { Ec2Sender } from '../aws/clients.js';
import { classifyAwsError } from '../aws/errors.js';
import { collectItems, EC2_TOKENS } from '../aws/paginate.js';
import { classifyInstanceHealth, type InstanceHealth } from '../classify/instance-health.js';

/** DescribeInstanceStatus takes at most 100 InstanceIds; DescribeInstances gets the same batches. */
export const EC2_ID_BATCH = 100;

const NOT_FOUND = 'InvalidInstanceID.NotFound';

export type Ec2Observation =
  | { kind: 'found'; instance: Instance; status?: InstanceStatus }
  /** EC2 does not (yet) know the id: right after a launch this is eventual consistency. */
  | { kind: 'not-visible'; detail: string }
  | { kind: 'error'; failure: AwsFailure };

// The `async`/`await` around each send below is not redundant: it keeps one extra turn per page,
// as these reads always had, so concurrent requests interleave as the golden streams recorded.

async function describeInstances(ec2: Ec2Sender, ids: string[]): Promise<Instance[]> {
  // Never MaxResults together with InstanceIds: EC2 rejects the combination.
  const reservations = await collectItems(
    async (input: DescribeInstancesCommandInput) => await ec2.send(new DescribeInstancesCommand(input)),
    { InstanceIds: ids },
    EC2_TOKENS,
    (page) => page.Reservations,
  );
  return reservations.flatMap((r) => r.Instances ?? []);
}

async function describeInstanceStatus(ec2: Ec2Sender, ids: string[]): Promise<InstanceStatus[]> {
  return collectItems(
    async (input: DescribeInstanceStatusCommandInput) =>
      await ec2.send(new DescribeInstanceStatusCommand(input)),
    { InstanceIds: ids, IncludeAllInstances: true },
    EC2_TOKENS,
    (page) => page.InstanceStatuses,
  );
}

async function observeBatch(
  ec2: Ec2Sender,
  ids: string[],
  withStatus: boolean,
  into: Map<string, Ec2Observation>,
): Promise<void> {
  let operation = 'DescribeInstances';
  try {
    const instances = await describeInstances(ec2, ids);
    let statuses: InstanceStatus[] = [];
    if (withStatus) {
      operation = 'DescribeInstanceStatus';
      statuses = await describeInstanceStatus(ec2, ids);
    }
    for (const id of ids) {
      const instance = instances.find((i) => i.InstanceId === id);
      if (!instance) {
        into.set(id, { kind: 'not-visible', detail: `${id} is not in the DescribeInstances answer yet` });
        continue;
      }
      const status = statuses.find((s) => s.InstanceId === id);
      into.set(id, status ? { kind: 'found', instance, status } : { kind: 'found', instance });
    }
  } catch (err) {
    const failure = classifyAwsError(err, operation, ids.length === 1 ? ids[0] : undefined);
    if (failure.name === NOT_FOUND) {
      // One unknown id fails the whole batch: narrow it down so the known ones still report.
      if (ids.length > 1) {
        const half = Math.ceil(ids.length / 2);
        await observeBatch(ec2, ids.slice(0, half), withStatus, into);
        await observeBatch(ec2, ids.slice(half), withStatus, into);
        return;
      }
      const id = ids[0] ?? '';
      into.set(id, { kind: 'not-visible', detail: `EC2 does not know ${id} (yet): ${NOT_FOUND}` });
      return;
    }
    for (const id of ids) into.set(id, { kind: 'error', failure });
  }
}

/**
 * DescribeInstances (+ DescribeInstanceStatus with IncludeAllInstances when `withStatus`) for the
 * ids, 100 per call. Never throws: each id gets an observation.
 */
export async function observeInstances(
  ec2: Ec2Sender,
  ids: readonly string[],
  options: { withStatus: boolean } = { withStatus: true },
): Promise<Map<string, Ec2Observation>> {
  const observations = new Map<string, Ec2Observation>();
  for (const batch of chunk(unique(ids), EC2_ID_BATCH)) {
    await observeBatch(ec2, batch, options.withStatus, observations);
  }
  return observations;
}

export interface ObservedHealth extends InstanceHealth {
  failure?: AwsFailure;
}

/** Health of an observed instance. Not visible (yet) and read errors are pending, never unhealthy. */
export function healthOf(
  id: string,
  observation: Ec2Observation | undefined,
  expect?: NetworkExpectation,
): ObservedHealth {
  if (!observation) return { status: 'pending', detail: `${id} was not observed` };
  switch (observation.kind) {
    case 'found':
      return classifyInstanceHealth(observation.instance, observation.status, expect);
    case 'not-visible':
      return { status: 'pending', detail: observation.detail };
    case 'error':
      return { status: 'pending', detail: observation.failure.message, failure: observation.failure };
  }
}
