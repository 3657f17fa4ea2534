import { EC2InstanceState, type RecoveryInstance } from '@aws-sdk/client-drs';
import type {
  AssessDrSideInput,
  AssessDrSideOutput,
  AwsFailure,
  ServerHealth,
} from '../../machines/types.js';
import { unique } from '../aws/batch.js';
import { classifyAwsError } from '../aws/errors.js';
import { assertValidIds } from '../aws/ids.js';
import { type Ec2Observation, healthOf, observeInstances } from './describe-ec2.js';
import { describeRecoveryInstances, groupBySourceServer } from './describe-recovery-instances.js';
import { validationFailure } from './shared.js';
import type { ActorDeps } from './types.js';
import { waveVerdict } from './verdict.js';

/** DRS itself says the EC2 instance is gone: no eventual-consistency doubt left. */
const GONE: ReadonlySet<string> = new Set([EC2InstanceState.TERMINATED, EC2InstanceState.NOT_FOUND]);

function pickInstance(candidates: readonly RecoveryInstance[]): RecoveryInstance | undefined {
  return candidates.find((c) => !GONE.has(c.ec2InstanceState ?? '')) ?? candidates[0];
}

function assessOne(
  id: string,
  instance: RecoveryInstance | undefined,
  observations: Map<string, Ec2Observation>,
): ServerHealth & { failure?: AwsFailure } {
  if (!instance) return { sourceServerID: id, status: 'unhealthy', detail: `no recovery instance for ${id}` };
  const label = `recovery instance ${instance.recoveryInstanceID ?? '?'}`;
  const drsState = instance.ec2InstanceState as string | undefined;
  if (drsState && GONE.has(drsState)) {
    return {
      sourceServerID: id,
      status: 'unhealthy',
      detail: `${label}: DRS reports its EC2 instance ${drsState}`,
    };
  }
  if (!instance.ec2InstanceID) {
    return { sourceServerID: id, status: 'unhealthy', detail: `${label} has no EC2 instance` };
  }
  const health = healthOf(instance.ec2InstanceID, observations.get(instance.ec2InstanceID));
  const result: ServerHealth & { failure?: AwsFailure } = {
    sourceServerID: id,
    status: health.status,
    detail: `${label}: ${health.detail}`,
  };
  if (health.failure) result.failure = health.failure;
  return result;
}

/**
 * Backout after a failed launch: is the DR side still serving? Decides which servers to relaunch
 * at a known-good recovery point according to the plan's restore mode.
 */
export async function assessDrSide(deps: ActorDeps, input: AssessDrSideInput): Promise<AssessDrSideOutput> {
  const log = deps.log.child({ runId: input.runId, wave: input.wave, activity: 'assessDrSide' });
  const sourceServerIDs = unique(input.sourceServerIDs);
  const pendingAll = (failure: AwsFailure): AssessDrSideOutput => ({
    now: deps.clock.now(),
    verdict: 'pending',
    servers: sourceServerIDs.map((id) => ({
      sourceServerID: id,
      status: 'pending',
      detail: failure.message,
    })),
    needsRestore: [],
    failure,
  });
  const invalid = validationFailure(() =>
    assertValidIds('sourceServerID', sourceServerIDs, { min: 1, max: Infinity }, 'DescribeRecoveryInstances'),
  );
  if (invalid) return pendingAll(invalid);

  let instances: RecoveryInstance[];
  try {
    instances = await describeRecoveryInstances(deps.drs, { sourceServerIDs });
  } catch (err) {
    const failure = classifyAwsError(err, 'DescribeRecoveryInstances');
    log.warn({ failure }, 'could not read recovery instances');
    return pendingAll(failure);
  }
  const groups = groupBySourceServer(instances);
  const chosen = new Map(sourceServerIDs.map((id) => [id, pickInstance(groups.get(id) ?? [])]));
  const ec2Ids = [...chosen.values()].flatMap((i) =>
    i?.ec2InstanceID && !GONE.has(i.ec2InstanceState ?? '') ? [i.ec2InstanceID] : [],
  );
  const observations =
    ec2Ids.length > 0 ? await observeInstances(deps.ec2, ec2Ids) : new Map<string, Ec2Observation>();

  let failure: AwsFailure | undefined;
  const servers: ServerHealth[] = [];
  for (const id of sourceServerIDs) {
    const { failure: serverFailure, ...health } = assessOne(id, chosen.get(id), observations);
    if (serverFailure) failure ??= serverFailure;
    servers.push(health);
    log.child({ server: id }).info({ status: health.status }, health.detail);
  }
  const needsRestore =
    input.restore === 'never'
      ? []
      : servers.filter((s) => s.status === 'unhealthy').map((s) => s.sourceServerID);
  const out: AssessDrSideOutput = {
    now: deps.clock.now(),
    verdict: waveVerdict(servers),
    servers,
    needsRestore,
  };
  if (failure) out.failure = failure;
  return out;
}
