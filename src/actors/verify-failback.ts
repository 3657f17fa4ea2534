import type { RecoveryInstance } from '@aws-sdk/client-drs';
import type {
  AwsFailure,
  ServerHealth,
  ServerPlan,
  VerifyFailbackInput,
  VerifyOutput,
  VerifyVerdict,
} from '../../machines/types.js';
import { classifyAwsError } from '../aws/errors.js';
import { classifyFailbackState } from '../classify/failback-state.js';
import { type Ec2Observation, healthOf, observeInstances } from './describe-ec2.js';
import { describeRecoveryInstances, groupBySourceServer } from './describe-recovery-instances.js';
import type { ActorDeps } from './types.js';
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
 * One verification pass after the launch: DRS failback state, the target EC2 instance and the
 * plan's probes. Pending is retried by the machine until its grace deadline.
 */
export async function verifyFailback(deps: ActorDeps, input: VerifyFailbackInput): Promise<VerifyOutput> {
  const log = deps.log.child({ runId: input.runId, wave: input.wave, activity: 'verifyFailback' });
  const sourceServerIDs = input.servers.map((s) => s.sourceServerID);

  let instances: RecoveryInstance[];
  try {
    instances = await describeRecoveryInstances(deps.drs, { sourceServerIDs });
  } catch (err) {
    const failure = classifyAwsError(err, 'DescribeRecoveryInstances');
    log.warn({ failure }, 'verify could not read recovery instances');
    return {
      now: deps.clock.now(),
      verdict: 'pending',
      servers: sourceServerIDs.map((id) => ({
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

  const ec2Ids = input.servers.flatMap((s) => (s.verify?.ec2InstanceId ? [s.verify.ec2InstanceId] : []));
  const observations =
    ec2Ids.length > 0 ? await observeInstances(deps.ec2, ec2Ids) : new Map<string, Ec2Observation>();

  let failure: AwsFailure | undefined;
  const servers: ServerHealth[] = [];
  for (const server of input.servers) {
    const serverLog = log.child({ server: server.sourceServerID });
    const parts: Part[] = [failbackPart(server.sourceServerID, instanceOf(server.sourceServerID))];
    const ec2Id = server.verify?.ec2InstanceId;
    if (ec2Id) {
      const health = healthOf(ec2Id, observations.get(ec2Id), server.verify?.expect);
      if (health.failure) failure ??= health.failure;
      parts.push(health);
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
    serverLog.info({ status }, detail);
    servers.push({ sourceServerID: server.sourceServerID, status, detail });
  }
  const out: VerifyOutput = { now: deps.clock.now(), verdict: waveVerdict(servers), servers };
  if (failure) out.failure = failure;
  return out;
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
