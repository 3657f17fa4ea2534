// EC2 as the failback sees it: instances with a state and two status checks, each a
// timeline read at the current virtual time.

import { EC2InstanceState } from '@aws-sdk/client-drs';
import type {
  DescribeInstanceStatusCommandInput,
  DescribeInstancesCommandInput,
  Instance,
  InstanceStateName,
  InstanceStatus,
  SummaryStatus,
} from '@aws-sdk/client-ec2';
import { ec2Error } from './errors.js';
import { HEX, ID_PATTERNS } from './ids.js';
import { decodeToken, encodeToken } from './pagination.js';
import type { Ec2InstanceRecord, Ec2StateName, Ec2StatusValue } from './state.js';
import { addEntry, valueAt } from './time.js';
import type { World } from './world.js';

const STATE_CODES: Record<Ec2StateName, number> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};
/** Terminated instances stay listed about an hour, then EC2 forgets them. */
const TERMINATED_VISIBLE_MS = 60 * 60_000;

export function ec2StateAt(record: Ec2InstanceRecord, t: number): Ec2StateName | undefined {
  return t < record.launchedAt ? undefined : valueAt(record.state, t);
}

/** The instance's state as DRS reports it on a recovery instance. */
export function drsEc2State(world: World, instanceId: string): EC2InstanceState {
  const record = world.ec2Instance(instanceId);
  const state = record ? ec2StateAt(record, world.now) : undefined;
  switch (state) {
    case 'pending':
      return EC2InstanceState.PENDING;
    case 'running':
      return EC2InstanceState.RUNNING;
    case 'shutting-down':
      return EC2InstanceState.SHUTTING_DOWN;
    case 'terminated':
      return EC2InstanceState.TERMINATED;
    case 'stopping':
      return EC2InstanceState.STOPPING;
    case 'stopped':
      return EC2InstanceState.STOPPED;
    default:
      return EC2InstanceState.NOT_FOUND;
  }
}

/** Whether EC2 would answer for this instance now (launched, not long terminated, consistent). */
function visible(record: Ec2InstanceRecord, t: number): boolean {
  const state = ec2StateAt(record, t);
  if (state === undefined) return false;
  if (record.notFoundUntil !== undefined && t < record.notFoundUntil) return false;
  if (state === 'terminated') {
    const terminatedAt = [...record.state].reverse().find((e) => e.value === 'terminated')?.at ?? t;
    return t - terminatedAt < TERMINATED_VISIBLE_MS;
  }
  return true;
}

function statusAt(
  record: Ec2InstanceRecord,
  which: 'instanceStatus' | 'systemStatus',
  t: number,
): Ec2StatusValue {
  if (ec2StateAt(record, t) !== 'running') return 'not-applicable';
  return valueAt(record[which], t) ?? 'insufficient-data';
}

/** Resolves requested ids like EC2: malformed ids and unknown ids fail the whole call. */
function resolveIds(world: World, ids: readonly string[]): Ec2InstanceRecord[] {
  for (const id of ids) {
    if (!ID_PATTERNS.ec2InstanceID.test(id)) {
      throw ec2Error('InvalidInstanceID.Malformed', `Invalid id: "${id}"`, world.requestId);
    }
  }
  const unique = [...new Set(ids)];
  const found = unique.map((id) => world.ec2Instance(id));
  const missing = unique.filter((_id, i) => {
    const record = found[i];
    return !record || !visible(record, world.now);
  });
  if (missing.length === 1) {
    throw ec2Error(
      'InvalidInstanceID.NotFound',
      `The instance ID '${missing[0]}' does not exist`,
      world.requestId,
    );
  }
  if (missing.length > 1) {
    throw ec2Error(
      'InvalidInstanceID.NotFound',
      `The instance IDs '${missing.join(', ')}' do not exist`,
      world.requestId,
    );
  }
  return found.filter((r): r is Ec2InstanceRecord => r !== undefined);
}

function checkPaging(
  world: World,
  input: { InstanceIds?: string[]; MaxResults?: number },
  min: number,
): void {
  if (input.MaxResults !== undefined && input.InstanceIds && input.InstanceIds.length > 0) {
    throw ec2Error(
      'InvalidParameterCombination',
      'The parameter instancesSet cannot be used with the parameter maxResults',
      world.requestId,
    );
  }
  if (input.MaxResults !== undefined && (input.MaxResults < min || input.MaxResults > 1000)) {
    throw ec2Error(
      'InvalidParameterValue',
      `Value ( ${input.MaxResults} ) for parameter maxResults is invalid. Expecting a value between ${min} and 1000.`,
      world.requestId,
    );
  }
}

function page<T>(
  world: World,
  op: string,
  items: T[],
  maxResults: number | undefined,
  token: string | undefined,
) {
  let offset = 0;
  if (token) {
    const cursor = decodeToken(token, op);
    if (!cursor)
      throw ec2Error('InvalidParameterValue', 'Invalid value for parameter nextToken', world.requestId);
    offset = cursor.offset;
  }
  const size = maxResults ?? 1000;
  const slice = items.slice(offset, offset + size);
  const end = offset + slice.length;
  return {
    slice,
    ...(end < items.length ? { NextToken: encodeToken({ op, asOf: world.now, offset: end }) } : {}),
  };
}

function rejectFilters(world: World, filters: unknown[] | undefined): void {
  if (filters && filters.length > 0) {
    throw ec2Error(
      'InvalidParameterValue',
      'the simulated EC2 does not model Filters; ask by InstanceIds',
      world.requestId,
    );
  }
}

function instanceView(world: World, r: Ec2InstanceRecord): Instance {
  const name = ec2StateAt(r, world.now) ?? 'pending';
  const groups = r.securityGroupIds.map((id) => ({ GroupId: id, GroupName: `sg-name-${id.slice(3, 9)}` }));
  const live = name !== 'terminated';
  return {
    InstanceId: r.instanceId,
    InstanceType: r.instanceType as Instance['InstanceType'],
    LaunchTime: new Date(r.launchedAt),
    State: { Code: STATE_CODES[name], Name: name as InstanceStateName },
    Placement: { AvailabilityZone: r.availabilityZone },
    ...(live
      ? {
          SubnetId: r.subnetId,
          VpcId: r.vpcId,
          PrivateIpAddress: r.privateIp,
          SecurityGroups: groups,
          NetworkInterfaces: [
            {
              NetworkInterfaceId: `eni-${r.instanceId.slice(2)}`,
              SubnetId: r.subnetId,
              VpcId: r.vpcId,
              PrivateIpAddress: r.privateIp,
              Groups: groups,
              Attachment: { DeviceIndex: 0, Status: 'attached' },
            },
          ],
        }
      : {}),
    Tags: Object.entries(r.tags).map(([Key, Value]) => ({ Key, Value })),
  };
}

export function describeInstances(world: World, input: DescribeInstancesCommandInput) {
  rejectFilters(world, input.Filters);
  checkPaging(world, input, 5);
  const ids = input.InstanceIds ?? [];
  const records =
    ids.length > 0 ? resolveIds(world, ids) : world.ec2Instances().filter((r) => visible(r, world.now));
  const { slice, ...next } = page(world, 'DescribeInstances', records, input.MaxResults, input.NextToken);
  return {
    Reservations: slice.map((r) => ({
      ReservationId: `r-${r.instanceId.slice(2)}`,
      OwnerId: world.scenario.accountId,
      Groups: [],
      Instances: [instanceView(world, r)],
    })),
    ...next,
  };
}

const detail = (status: Ec2StatusValue): SummaryStatus => status as SummaryStatus;

export function describeInstanceStatus(world: World, input: DescribeInstanceStatusCommandInput) {
  rejectFilters(world, input.Filters);
  checkPaging(world, input, 5);
  const ids = input.InstanceIds ?? [];
  if (ids.length > 100) {
    throw ec2Error(
      'InvalidParameterValue',
      `The maximum number of instance IDs is 100; the request has ${ids.length}`,
      world.requestId,
    );
  }
  const all = input.IncludeAllInstances === true;
  const records = (
    ids.length > 0 ? resolveIds(world, ids) : world.ec2Instances().filter((r) => visible(r, world.now))
  ).filter((r) => all || ec2StateAt(r, world.now) === 'running');
  const { slice, ...next } = page(
    world,
    'DescribeInstanceStatus',
    records,
    input.MaxResults,
    input.NextToken,
  );
  const statuses: InstanceStatus[] = slice.map((r) => {
    const name = ec2StateAt(r, world.now) ?? 'pending';
    const instance = statusAt(r, 'instanceStatus', world.now);
    const system = statusAt(r, 'systemStatus', world.now);
    const reachability = (s: Ec2StatusValue) =>
      s === 'ok'
        ? 'passed'
        : s === 'impaired'
          ? 'failed'
          : s === 'initializing'
            ? 'initializing'
            : 'insufficient-data';
    return {
      InstanceId: r.instanceId,
      AvailabilityZone: r.availabilityZone,
      InstanceState: { Code: STATE_CODES[name], Name: name as InstanceStateName },
      InstanceStatus: {
        Status: detail(instance),
        Details: [{ Name: 'reachability', Status: reachability(instance) as 'passed' }],
      },
      SystemStatus: {
        Status: detail(system),
        Details: [{ Name: 'reachability', Status: reachability(system) as 'passed' }],
      },
    };
  });
  return { InstanceStatuses: statuses, ...next };
}

// ---- building instances: the scenario's, and those a recovery launches

export interface Ec2Spec {
  instanceId: string;
  region: string;
  subnetId: string;
  vpcId: string;
  privateIp: string;
  securityGroupIds: string[];
  availabilityZone: string;
  launchedAt: number;
  tags: Record<string, string>;
  /** Status checks read this until `healthyAt`, then `health`. */
  healthyAt?: number;
  health?: Ec2StatusValue;
}

export function addEc2Instance(world: World, spec: Ec2Spec): Ec2InstanceRecord {
  const record: Ec2InstanceRecord = {
    instanceId: spec.instanceId,
    region: spec.region,
    subnetId: spec.subnetId,
    vpcId: spec.vpcId,
    availabilityZone: spec.availabilityZone,
    privateIp: spec.privateIp,
    securityGroupIds: [...spec.securityGroupIds],
    instanceType: 'm5.large',
    launchedAt: spec.launchedAt,
    state: [{ at: spec.launchedAt, value: 'running' }],
    instanceStatus: [
      { at: spec.launchedAt, value: spec.healthyAt === undefined ? (spec.health ?? 'ok') : 'initializing' },
    ],
    systemStatus: [{ at: spec.launchedAt, value: spec.healthyAt === undefined ? 'ok' : 'initializing' }],
    tags: spec.tags,
  };
  if (spec.healthyAt !== undefined) {
    addEntry(record.instanceStatus, spec.healthyAt, spec.health ?? 'ok');
    addEntry(record.systemStatus, spec.healthyAt, 'ok');
  }
  world.addEc2Instance(record);
  return record;
}

/** A region's default network, derived once so every instance launched there shares it. */
export interface DrNetwork {
  vpcId: string;
  subnetId: string;
  securityGroupId: string;
  availabilityZone: string;
}

export function drNetwork(world: World, region = world.scenario.region): DrNetwork {
  // Derived from the account and region (not the rng) so it is the same after a load.
  const suffix = (salt: string) =>
    Array.from({ length: 17 }, (_, i) =>
      HEX.charAt((salt.charCodeAt(i % salt.length) * (i + 7) + i) % 16),
    ).join('');
  const key = `${world.scenario.accountId}${region}`;
  return {
    vpcId: `vpc-${suffix(`dr-vpc${key}`)}`,
    subnetId: `subnet-${suffix(`dr-subnet${key}`)}`,
    securityGroupId: `sg-${suffix(`dr-sg${key}`)}`,
    availabilityZone: `${region}a`,
  };
}

/** 10.100.0.10, 10.100.0.11, ...: one address a recovery instance. */
export function drPrivateIp(n: number): string {
  return `10.100.${Math.floor(n / 250) % 250}.${10 + (n % 250)}`;
}
