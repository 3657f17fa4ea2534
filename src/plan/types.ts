import type {
  AfterFailbackSettings,
  ApprovalMode,
  CutoverSettings,
  PollingSettings,
  RestoreMode,
  WavePlan,
} from '../../machines/types.js';

/** A role the SDK assumes, with the external id the role's trust policy may require. */
export interface PlanRole {
  arn: string;
  externalId?: string;
}

/** Which AWS accounts and roles the plan acts with (absent: the usual credential chain). */
export interface PlanAws {
  /** The accounts the plan may act in: any other stops the command before it changes anything. */
  allowedAccounts?: string[];
  /** Assumed for the DR region. */
  role?: PlanRole;
  /** EC2-origin regions: the account expected there and the role to assume. */
  origins?: Record<string, { account?: string; role?: PlanRole }>;
  /**
   * DR accounts other than the plan's own, by the name waves give in `waves[].account`: the
   * account's id and the role assumed there (absent: the plan's credentials, checked against the id).
   */
  accounts?: Record<string, PlanAccount>;
}

/** A DR account named in `aws.accounts`. */
export interface PlanAccount {
  accountId: string;
  role?: PlanRole;
}

/** A plan after validation: durations are milliseconds, defaults are filled in. */
export interface Plan {
  version: 1;
  name: string;
  /** DR region, where the recovery instances run. */
  region: string;
  aws?: PlanAws;
  notifications?: { topicArn: string };
  objectives: { rpoMs: number; rtoMs: number };
  approval: ApprovalMode;
  /** Who may answer an approval (names or ARNs); absent: anyone who can reach the run. */
  approvers?: string[];
  /** How long an approval may wait unanswered before the wave ends before its point of no return. */
  approvalTimeoutMs?: number;
  polling: PollingSettings;
  verify: { timeoutMs: number };
  /**
   * How long one wave's DRS launch jobs may take before the wave backs out; how many servers one
   * job takes, and how many may be in active (PENDING/STARTED) jobs at once across the run
   * (absent in plans stored by older versions: PLAN_DEFAULTS).
   */
  job: { timeoutMs: number; maxServers?: number; maxInFlight?: number };
  /**
   * Before each wave's point of no return: stop the writes, let the replication drain. Always
   * filled in by validation; absent only in plans built in code (no cutover phase then).
   */
  cutover?: CutoverSettings;
  /** allowDataLoss (absent: false): script mode may relaunch a lost recovery instance from a snapshot. */
  backout: { restore: RestoreMode; allowDataLoss?: boolean };
  /** Opt-in steps after a verified EC2-origin failback, each behind its own approval. */
  afterFailback?: AfterFailbackSettings;
  /** How many waves may run at once (absent: 1; `waves[].after` says which may run together). */
  concurrency?: number;
  waves: WavePlan[];
}

/** Defaults applied where the plan file is silent (documented in docs/plan-file.md). */
export const PLAN_DEFAULTS = {
  approval: 'per-wave',
  polling: { intervalMs: 15_000, maxMs: 5 * 60_000 },
  verify: { timeoutMs: 20 * 60_000 },
  job: { timeoutMs: 2 * 60 * 60_000, maxServers: 100, maxInFlight: 500 },
  // quiesce none by default: a plan without `cutover` keeps running unattended as before; the
  // drain still runs, and docs/plan-file.md recommends confirm (see there for why).
  cutover: { quiesce: 'none', maxLagMs: 30_000, timeoutMs: 30 * 60_000 },
  backout: { restore: 'if-unhealthy', allowDataLoss: false },
  afterFailback: { reprotect: false, cleanup: false },
} as const satisfies Partial<Record<keyof Plan, unknown>>;
