// The in-flight quota around the activities of the actor Lambda: a wave takes its servers from
// its account's and region's semaphore (semaphore.ts) before StartFailbackLaunch, renews the
// share on each poll of its jobs, and gives it back when the jobs ended. A full quota is answered
// as DRS answers a throttled start (nothing sent, retry later): the machine waits and tries again
// (its start retries), so every execution in the estate stays under the quota together.
import type { FailbackActivities } from '../actors/types.js';
import { waveTarget } from '../plan/targets.js';
import type { Plan } from '../plan/types.js';
import { type QuotaSemaphore, quotaKey } from './semaphore.js';

/**
 * DRS's quota of servers across all active jobs, per account and region ("Disaster recovery at
 * scale": 500): the capacity when the run's plan is not at hand (its `job.maxInFlight` otherwise).
 */
export const DEFAULT_MAX_IN_FLIGHT = 500;

/** Where the actor acts when the plan says nothing else: the Lambda's own account and DR region. */
export interface QuotaHome {
  /** `DR_ACCOUNT_ID`, else `self`. */
  account: string;
  /** `DR_REGION`. */
  region: string;
}

const roleAccount = (arn: string | undefined) =>
  arn === undefined ? undefined : /^arn:aws[a-z-]*:iam::(\d{12}):/.exec(arn)?.[1];

/**
 * The semaphore key of each wave and the capacity, from the run's plan: a wave's account is its
 * `aws.accounts` entry's `accountId`, else the account of the plan's `aws.role`, else `home`'s; its
 * region is `waves[].region`, else the plan's. Without the plan (an execution started by hand,
 * whose record holds none): `home`'s account and region, and DEFAULT_MAX_IN_FLIGHT.
 */
export function planQuota(
  plan: Plan | undefined,
  home: QuotaHome,
): { keyOf: (wave: string) => string; capacity: number } {
  const fallback = quotaKey(home.account, home.region);
  if (!plan) return { keyOf: () => fallback, capacity: DEFAULT_MAX_IN_FLIGHT };
  const ownAccount = roleAccount(plan.aws?.role?.arn) ?? home.account;
  const keys = new Map(
    plan.waves.map((w) => {
      const target = waveTarget(plan, w);
      return [w.name, quotaKey(target.accountId ?? ownAccount, target.region)];
    }),
  );
  return {
    // An input naming no wave of the plan acts at home, as routeByWave sends it (src/run/targets.ts).
    keyOf: (wave) => keys.get(wave) ?? quotaKey(ownAccount, plan.region),
    capacity: plan.job.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT,
  };
}

export interface QuotaOptions {
  semaphore: QuotaSemaphore;
  /** The semaphore key of a wave: its account and region (`quotaKey`). */
  keyOf: (runId: string, wave: string) => string | Promise<string>;
  /** Servers in flight allowed per key (default DEFAULT_MAX_IN_FLIGHT). */
  capacity?: number;
  now: () => number;
  /** The wait suggested when the quota is full (default one minute). */
  retryAfterMs?: number;
}

/** The holder of a wave's share: the run and the wave (a retried Task holds the same share). */
export const quotaHolder = (runId: string, wave: string): string => `${runId}#${wave}`;

/** The activities, with the in-flight quota taken before each failback launch and given back after. */
export function withInFlightQuota(activities: FailbackActivities, options: QuotaOptions): FailbackActivities {
  const capacity = options.capacity ?? DEFAULT_MAX_IN_FLIGHT;
  return {
    ...activities,
    async startFailback(input, signal) {
      // Reading what already started takes no share of the quota.
      if (input.adoptOnly) return activities.startFailback(input, signal);
      const key = await options.keyOf(input.runId, input.wave);
      const holder = quotaHolder(input.runId, input.wave);
      const servers = input.recoveryInstanceIDs.length + (input.ec2Origin?.length ?? 0);
      const taken = await options.semaphore.acquire(key, holder, servers, capacity);
      if (!taken.acquired) {
        return {
          now: options.now(),
          jobIds: [],
          failure: {
            kind: 'throttled',
            name: 'InFlightQuotaFull',
            operation: 'StartFailbackLaunch',
            message: `${taken.inFlight} of ${capacity} servers are in flight in ${key} across all runs; ${servers} more do not fit (${taken.available} free): not sent, tried again later`,
            retryable: true,
            retryAfterMs: options.retryAfterMs ?? 60_000,
          },
        };
      }
      const started = await activities.startFailback(input, signal);
      // Nothing started: the share goes back at once.
      if (started.jobIds.length === 0) await options.semaphore.release(key, holder);
      return started;
    },
    async pollJobs(input) {
      const polled = await activities.pollJobs(input);
      const key = await options.keyOf(input.runId, input.wave);
      const holder = quotaHolder(input.runId, input.wave);
      if (polled.verdict === 'pending') await options.semaphore.renew(key, holder);
      else await options.semaphore.release(key, holder);
      return polled;
    },
  };
}

export interface PlanQuotaOptions {
  semaphore: QuotaSemaphore;
  /** The run's plan (from its record); undefined for an execution started by hand. */
  plan: Plan | undefined;
  /** The actor Lambda's own account and region (`DR_ACCOUNT_ID`, `DR_REGION`). */
  home: QuotaHome;
  now: () => number;
}

/**
 * The actor Lambda's activities under the in-flight quota of each wave's account and region
 * (`planQuota`): what `src/sfn/entry.ts` wraps them with, and the local runner's harness too.
 */
export function withPlanQuota(activities: FailbackActivities, options: PlanQuotaOptions): FailbackActivities {
  const quota = planQuota(options.plan, options.home);
  return withInFlightQuota(activities, {
    semaphore: options.semaphore,
    keyOf: (_runId, wave) => quota.keyOf(wave),
    capacity: quota.capacity,
    now: options.now,
  });
}
