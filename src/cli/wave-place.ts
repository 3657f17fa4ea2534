// Where a wave acts, for people: in a plan whose waves act in several accounts or regions every
// wave line says which (`account prod, eu-west-1`); a plan that acts in one place says nothing new.
import type { WavePlan } from '../../machines/types.js';
import { hasRemoteTargets, waveTarget } from '../plan/targets.js';
import type { Plan } from '../plan/types.js';

/** `account prod, eu-west-1` / `own account, us-east-1`; undefined when the plan acts in one place. */
export function wavePlace(plan: Plan, wave: Pick<WavePlan, 'account' | 'region'>): string | undefined {
  if (!hasRemoteTargets(plan)) return undefined;
  const target = waveTarget(plan, wave);
  return `${target.account === undefined ? 'own account' : `account ${target.account}`}, ${target.region}`;
}

/** The place of the plan's wave named `name` (see wavePlace). */
export function wavePlaceByName(plan: Plan, name: string | undefined): string | undefined {
  const wave = plan.waves.find((w) => w.name === name);
  return wave ? wavePlace(plan, wave) : undefined;
}
