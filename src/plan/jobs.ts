// The plan's job figures as the run uses them: how many servers one DRS job takes, how many may
// be in active jobs at once, and whether DRS's live quotas are read to lower them.
import type { JobSettings } from '../../machines/types.js';
import { usesServiceQuotas } from '../aws/quotas.js';
import { PLAN_DEFAULTS, type Plan } from './types.js';

/** The plan's job figures (defaults where an older stored plan has none). */
export function jobSettings(plan: Plan): JobSettings {
  return {
    maxServers: plan.job.maxServers ?? PLAN_DEFAULTS.job.maxServers,
    maxInFlight: plan.job.maxInFlight ?? PLAN_DEFAULTS.job.maxInFlight,
    readQuotas: usesServiceQuotas(plan),
  };
}
