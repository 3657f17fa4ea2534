// How a wave's servers are launched as DRS jobs: the plan's figures and the limits a start honours.

/** The plan's job figures (`job.maxServers`, `job.maxInFlight`), and whether DRS's live quotas are read. */
export interface JobSettings {
  maxServers: number;
  maxInFlight: number;
  readQuotas: boolean;
}

/**
 * How a wave's servers are launched as DRS jobs: at most `maxServers` per job, at most
 * `maxInFlight` servers in the wave's active (PENDING/STARTED) jobs and at most `maxJobs` of them
 * at once. The plan's figures, lowered to the live quotas where the precheck read them.
 */
export interface JobLimits {
  maxServers: number;
  maxInFlight: number;
  maxJobs: number;
}
