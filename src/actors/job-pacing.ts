// Which of a wave's servers may start as DRS jobs now: jobs of at most `maxServers`, while the
// wave's active jobs hold fewer than `maxInFlight` servers and `maxJobs` jobs. Pure.
import type { JobLimits } from '../../machines/types.js';

/** What the wave's jobs hold now: servers and jobs that are PENDING or STARTED. */
export interface InFlight {
  servers: number;
  jobs: number;
}

/**
 * The batches that fit now, in order, and how many servers must wait for capacity. A batch may
 * be smaller than `maxServers` when only that much in-flight capacity is left.
 */
export function batchesThatFit<T>(
  remaining: readonly T[],
  limits: JobLimits,
  inFlight: InFlight,
): { batches: T[][]; waiting: number } {
  const batches: T[][] = [];
  let free = limits.maxInFlight - inFlight.servers;
  let jobs = limits.maxJobs - inFlight.jobs;
  let next = 0;
  while (next < remaining.length && free > 0 && jobs > 0) {
    const size = Math.min(limits.maxServers, free, remaining.length - next);
    batches.push(remaining.slice(next, next + size));
    next += size;
    free -= size;
    jobs -= 1;
  }
  return { batches, waiting: remaining.length - next };
}
