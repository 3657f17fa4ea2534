// Where each wave acts: its DR account (an `aws.accounts` entry, or the plan's own) and its DR
// region (`waves[].region`, or the plan's). A plan without those keys has one target for all
// its waves, the plan's region with the plan's credentials: exactly the run of a one-account plan.
import type { WavePlan } from '../../machines/types.js';
import type { DrTarget } from '../aws/clients.js';
import type { Plan } from './types.js';

/** A stable key of a target, for maps: `<account name or "">/<region>`. */
export const targetKey = (target: Pick<DrTarget, 'account' | 'region'>): string =>
  `${target.account ?? ''}/${target.region}`;

/** The target of `wave`; `drRegion` is the plan's DR region as the run uses it (`--region`). */
export function waveTarget(
  plan: Plan,
  wave: Pick<WavePlan, 'account' | 'region'>,
  drRegion = plan.region,
): DrTarget {
  const region = wave.region ?? drRegion;
  if (wave.account === undefined) return { region };
  const entry = plan.aws?.accounts?.[wave.account];
  // The schema refuses unknown names; a Plan built in code may still hold one.
  if (entry === undefined) throw new Error(`wave account "${wave.account}" is not in aws.accounts`);
  return {
    account: wave.account,
    accountId: entry.accountId,
    region,
    ...(entry.role ? { role: entry.role } : {}),
  };
}

/** Whether `target` is the plan's own account in the run's DR region (the clients a run is given). */
export const isHomeTarget = (target: DrTarget, drRegion: string): boolean =>
  target.account === undefined && target.region === drRegion;

/** Every distinct target of the plan's waves, in wave order. */
export function planTargets(plan: Plan, drRegion = plan.region): DrTarget[] {
  const byKey = new Map<string, DrTarget>();
  for (const wave of plan.waves) {
    const target = waveTarget(plan, wave, drRegion);
    if (!byKey.has(targetKey(target))) byKey.set(targetKey(target), target);
  }
  return [...byKey.values()];
}

/** Whether any wave acts outside the plan's account and DR region. */
export const hasRemoteTargets = (plan: Plan, drRegion = plan.region): boolean =>
  planTargets(plan, drRegion).some((t) => !isHomeTarget(t, drRegion));
