import type { ApprovalMode, PollingSettings, RestoreMode, WavePlan } from '../../machines/types.js';

/** A plan after validation: durations are milliseconds, defaults are filled in. */
export interface Plan {
  version: 1;
  name: string;
  /** DR region, where the recovery instances run. */
  region: string;
  notifications?: { topicArn: string };
  objectives: { rpoMs: number; rtoMs: number };
  approval: ApprovalMode;
  polling: PollingSettings;
  verify: { timeoutMs: number };
  /** How long one wave's DRS launch job may take before the wave backs out. */
  job: { timeoutMs: number };
  backout: { restore: RestoreMode };
  waves: WavePlan[];
}

/** Defaults applied where the plan file is silent (documented in docs/plan-file.md). */
export const PLAN_DEFAULTS = {
  approval: 'per-wave',
  polling: { intervalMs: 15_000, maxMs: 5 * 60_000 },
  verify: { timeoutMs: 20 * 60_000 },
  job: { timeoutMs: 2 * 60 * 60_000 },
  backout: { restore: 'if-unhealthy' },
} as const satisfies Partial<Record<keyof Plan, unknown>>;
