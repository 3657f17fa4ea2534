// The in-flight quota around the activities of the actor Lambda: a wave takes its servers from
// its account's and region's semaphore (semaphore.ts) before StartFailbackLaunch, renews the
// share on each poll of its jobs, and gives it back when the jobs ended. A full quota is answered
// as DRS answers a throttled start (nothing sent, retry later): the machine waits and tries again
// (its start retries), so every execution in the estate stays under the quota together.
import type { FailbackActivities } from '../actors/types.js';
import type { QuotaSemaphore } from './semaphore.js';

/**
 * DRS's quota of servers across all active jobs, per account and region ("Disaster recovery at
 * scale": 500). A caller that knows the run's plan passes its `job.maxInFlight` (issue 14) as
 * `capacity`; the actor Lambda of src/sfn/entry.ts does not read the plan yet and uses this.
 */
export const DEFAULT_MAX_IN_FLIGHT = 500;

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
    async startFailback(input) {
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
      const started = await activities.startFailback(input);
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
