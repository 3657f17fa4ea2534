// The runbook loop this tool replaces, for comparison: one server at a time, resolve its
// recovery instance, StartFailbackLaunch, then DescribeJobs every `pollMs` (60 s, as runbooks
// usually have it) until the job is done.
import {
  DescribeJobsCommand,
  DescribeRecoveryInstancesCommand,
  JobStatus,
  StartFailbackLaunchCommand,
} from '@aws-sdk/client-drs';
import type { SimulatedAws } from '../../src/sim/index.js';

export const NAIVE_POLL_MS = 60_000;

export async function naiveRunbook(
  sim: SimulatedAws,
  sourceServerIDs: readonly string[],
  pollMs = NAIVE_POLL_MS,
): Promise<void> {
  const { drs } = sim.clients;
  const sleep = (ms: number) => new Promise<void>((resolve) => sim.clock.setTimeout(resolve, ms));
  for (const sourceServerID of sourceServerIDs) {
    const found = await drs.send(
      new DescribeRecoveryInstancesCommand({ filters: { sourceServerIDs: [sourceServerID] } }),
    );
    const recoveryInstanceID = found.items?.[0]?.recoveryInstanceID;
    if (!recoveryInstanceID) throw new Error(`no recovery instance for ${sourceServerID}`);
    const started = await drs.send(
      new StartFailbackLaunchCommand({ recoveryInstanceIDs: [recoveryInstanceID] }),
    );
    const jobID = started.job?.jobID;
    if (!jobID) throw new Error(`no job for ${sourceServerID}`);
    for (;;) {
      await sleep(pollMs);
      const out = await drs.send(new DescribeJobsCommand({ filters: { jobIDs: [jobID] } }));
      if (out.items?.[0]?.status === JobStatus.COMPLETED) break;
    }
  }
}
