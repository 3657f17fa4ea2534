import type { RecoveryInstance } from '@aws-sdk/client-drs';
import type { MarkerCall } from '../../machines/cutover.js';
import {
  type AwsFailure,
  isEc2Origin,
  type ResolvedServer,
  type ServerHealth,
  type ServerLaunchStatus,
  type ServerPlan,
  type VerifyFailbackInput,
  type VerifyOutput,
  type VerifyVerdict,
} from '../../machines/types.js';
import { classifyAwsError } from '../aws/errors.js';
import { classifyFailbackState } from '../classify/failback-state.js';
import { type Ec2Observation, healthOf, observeInstances } from './describe-ec2.js';
import { describeRecoveryInstances, groupBySourceServer } from './describe-recovery-instances.js';
import { endpointLabel } from './quiesce.js';
import { clientsFor } from './regional.js';
import { groupBy, inRegion } from './shared.js';
import type { ActorDeps, MarkerReading } from './types.js';
import { waveVerdict, worstVerdict } from './verdict.js';

interface Part {
  status: VerifyVerdict;
  detail: string;
}

function failbackPart(id: string, instance: RecoveryInstance | undefined): Part {
  if (!instance) return { status: 'pending', detail: `no recovery instance visible for ${id}` };
  const state = instance.failback?.state as string | undefined;
  switch (classifyFailbackState(state)) {
    case 'completed':
      return { status: 'healthy', detail: `failback state ${state}` };
    case 'error':
      return { status: 'unhealthy', detail: `failback state ${state}` };
    case 'unknown':
      return {
        status: 'pending',
        detail: state === undefined ? 'no failback state reported' : `unknown failback state '${state}'`,
      };
    default:
      return { status: 'pending', detail: `failback state ${state}` };
  }
}

/**
 * One verification pass after the launch. ON_PREMISES: DRS failback state, the target EC2
 * instance and the plan's probes. EC2 origin: the recovery instance the launch job reported in the
 * origin region, its EC2 instance there (state, status checks, the plan's network) and the probes.
 * Pending is retried by the machine until its grace deadline.
 */
export async function verifyFailback(deps: ActorDeps, input: VerifyFailbackInput): Promise<VerifyOutput> {
  const log = deps.log.child({ runId: input.runId, wave: input.wave, activity: 'verifyFailback' });
  const ec2OriginIds = new Set(input.resolved.filter(isEc2Origin).map((r) => r.sourceServerID));
  const sourceServerIDs = input.servers.map((s) => s.sourceServerID).filter((id) => !ec2OriginIds.has(id));

  let instances: RecoveryInstance[] = [];
  try {
    if (sourceServerIDs.length > 0) {
      instances = await describeRecoveryInstances(deps.drs, { sourceServerIDs });
    }
  } catch (err) {
    const failure = classifyAwsError(err, 'DescribeRecoveryInstances');
    log.warn({ failure }, 'verify could not read recovery instances');
    return {
      now: deps.clock.now(),
      verdict: 'pending',
      servers: input.servers.map(({ sourceServerID: id }) => ({
        sourceServerID: id,
        status: 'pending',
        detail: failure.message,
      })),
      failure,
    };
  }
  const groups = groupBySourceServer(instances);
  const resolvedIds = new Map(input.resolved.map((r) => [r.sourceServerID, r.recoveryInstanceID]));
  const instanceOf = (id: string): RecoveryInstance | undefined => {
    const candidates = groups.get(id) ?? [];
    const expected = resolvedIds.get(id);
    return expected ? candidates.find((c) => c.recoveryInstanceID === expected) : candidates[0];
  };

  const ec2Ids = input.servers.flatMap((s) =>
    s.verify?.ec2InstanceId && !ec2OriginIds.has(s.sourceServerID) ? [s.verify.ec2InstanceId] : [],
  );
  const observations =
    ec2Ids.length > 0 ? await observeInstances(deps.ec2, ec2Ids) : new Map<string, Ec2Observation>();
  const originParts = await verifyInOriginRegions(
    deps,
    input.resolved.filter((r) => ec2OriginIds.has(r.sourceServerID)),
    input.servers,
    input.launched ?? [],
  );

  let failure: AwsFailure | undefined;
  const servers: ServerHealth[] = [];
  for (const server of input.servers) {
    const parts: Part[] = [];
    const originPart = originParts.get(server.sourceServerID);
    if (originPart) {
      if (originPart.failure) failure ??= originPart.failure;
      parts.push({ status: originPart.status, detail: originPart.detail });
    } else {
      parts.push(failbackPart(server.sourceServerID, instanceOf(server.sourceServerID)));
      const ec2Id = server.verify?.ec2InstanceId;
      if (ec2Id) {
        const health = healthOf(ec2Id, observations.get(ec2Id), server.verify?.expect);
        if (health.failure) failure ??= health.failure;
        parts.push(health);
      }
    }
    // Probes only once everything else is healthy: a machine still rebooting would just time out.
    if (worstVerdict(parts.map((p) => p.status)) === 'healthy') {
      parts.push(...(await runProbes(deps, server)));
    }
    const status = worstVerdict(parts.map((p) => p.status));
    const detail = parts
      .filter((p) => p.status === status)
      .map((p) => p.detail)
      .join('; ');
    // No child logger per server: building one (bindings, redaction) per server per round cost
    // more than the verdict itself on large waves.
    log.info({ server: server.sourceServerID, status }, detail);
    servers.push({ sourceServerID: server.sourceServerID, status, detail });
  }
  const out: VerifyOutput = { now: deps.clock.now(), verdict: waveVerdict(servers), servers };
  // The marker only once every server is healthy: before that the application may not answer.
  if (input.marker && out.verdict === 'healthy') {
    const marker = await readMarker(deps, input.marker);
    out.marker = { found: marker.status === 'found', detail: marker.detail };
    if (marker.status !== 'found') out.verdict = marker.status === 'missing' ? 'unhealthy' : 'pending';
    log.info({ endpoint: endpointLabel(input.marker.url), status: marker.status }, marker.detail);
  }
  if (failure) out.failure = failure;
  return out;
}

async function readMarker(deps: ActorDeps, call: MarkerCall): Promise<MarkerReading> {
  if (!deps.probes.readMarker)
    return { status: 'unreachable', detail: 'this run cannot reach the application to read the marker' };
  return deps.probes.readMarker(call);
}

interface OriginPart extends Part {
  failure?: AwsFailure;
}

/** The launch job's entry for an EC2-origin server: it names the reversed source server. */
function launchOf(
  server: ResolvedServer,
  launched: readonly ServerLaunchStatus[],
): ServerLaunchStatus | undefined {
  const candidates = launched.filter(
    (l) =>
      l.recoveryInstanceID !== undefined &&
      (l.sourceServerID === server.reversedSourceServerID || l.sourceServerID === server.sourceServerID),
  );
  return candidates.find((l) => l.region !== undefined) ?? candidates[0];
}

/**
 * EC2 origin, per origin region: the new recovery instances (DescribeRecoveryInstances), then their
 * EC2 instances (DescribeInstances + DescribeInstanceStatus, batched) against the plan's network.
 * No failback state: it belongs to the failback client flow. Never throws.
 */
async function verifyInOriginRegions(
  deps: ActorDeps,
  resolved: readonly ResolvedServer[],
  plans: readonly ServerPlan[],
  launched: readonly ServerLaunchStatus[],
): Promise<Map<string, OriginPart>> {
  const parts = new Map<string, OriginPart>();
  const targets: { server: ResolvedServer; region: string; recoveryInstanceID: string }[] = [];
  for (const server of resolved) {
    const launch = launchOf(server, launched);
    const region = launch?.region ?? server.originRegion;
    if (!launch?.recoveryInstanceID || !region) {
      parts.set(server.sourceServerID, {
        status: 'pending',
        detail: `the launch job has not reported a recovery instance in ${region ?? 'the origin region'} yet`,
      });
      continue;
    }
    targets.push({ server, region, recoveryInstanceID: launch.recoveryInstanceID });
  }

  for (const [region, group] of groupBy(targets, (t) => t.region)) {
    const clients = clientsFor(deps, region);
    let instances: RecoveryInstance[];
    try {
      instances = await describeRecoveryInstances(clients.drs, {
        recoveryInstanceIDs: group.map((t) => t.recoveryInstanceID),
      });
    } catch (err) {
      const failure = inRegion(classifyAwsError(err, 'DescribeRecoveryInstances'), region);
      for (const t of group) {
        parts.set(t.server.sourceServerID, { status: 'pending', detail: failure.message, failure });
      }
      continue;
    }
    const ec2IdOf = new Map<string, string>();
    for (const t of group) {
      const instance = instances.find((i) => i.recoveryInstanceID === t.recoveryInstanceID);
      const label = `recovery instance ${t.recoveryInstanceID} in ${region}`;
      if (!instance) {
        parts.set(t.server.sourceServerID, { status: 'pending', detail: `${label} not visible yet` });
      } else if (!instance.ec2InstanceID) {
        parts.set(t.server.sourceServerID, { status: 'pending', detail: `${label} has no EC2 instance yet` });
      } else {
        ec2IdOf.set(t.server.sourceServerID, instance.ec2InstanceID);
      }
    }
    if (ec2IdOf.size === 0) continue;
    const observations = await observeInstances(clients.ec2, [...ec2IdOf.values()]);
    for (const t of group) {
      const ec2Id = ec2IdOf.get(t.server.sourceServerID);
      if (!ec2Id) continue;
      const expect = plans.find((p) => p.sourceServerID === t.server.sourceServerID)?.verify?.expect;
      const health = healthOf(ec2Id, observations.get(ec2Id), expect);
      const part: OriginPart = {
        status: health.status,
        detail: `recovery instance ${t.recoveryInstanceID} in ${region}: ${health.detail}`,
      };
      if (health.failure) part.failure = inRegion(health.failure, region);
      parts.set(t.server.sourceServerID, part);
    }
  }
  return parts;
}

async function runProbes(deps: ActorDeps, server: ServerPlan): Promise<Part[]> {
  const parts: Part[] = [];
  for (const probe of server.verify?.probes ?? []) {
    const target = probe.kind === 'http' ? probe.url : `${probe.host}:${probe.port}`;
    try {
      const result = await deps.probes.run(probe);
      parts.push({
        status: result.ok ? 'healthy' : 'pending',
        detail: `${probe.kind} probe ${target}: ${result.detail}`,
      });
    } catch (err) {
      parts.push({
        status: 'pending',
        detail: `${probe.kind} probe ${target} failed: ${err instanceof Error ? err.message : String(err)}`,
      });
    }
  }
  return parts;
}
