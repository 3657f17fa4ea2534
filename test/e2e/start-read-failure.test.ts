// Issue 11 item 5 / issue 10 §3: a failed read is not a possible start. A single HTTP 500 on the
// DescribeJobs read that comes right before StartFailbackLaunch (the read of what already runs)
// used to send the wave into backout with StopFailback for every instance, though nothing had
// been started. Now the read is sent again and the failback goes on: no StopFailback, one
// StartFailbackLaunch per instance.
import { DescribeJobsCommand, InternalServerException } from '@aws-sdk/client-drs';
import { describe, expect, it } from 'vitest';
import { loadPlan } from '../../src/plan/load.js';
import { createFailbackRun } from '../../src/run.js';
import { createSimulatedAws } from '../../src/sim/index.js';
import { callsOf, RUN_ID } from './harness.js';

describe('a failed read before the start (issue 11 item 5)', () => {
  it('one HTTP 500 on the DescribeJobs read before the launch: read again, no StopFailback, completed', async () => {
    const plan = await loadPlan('test/cli/fixtures/plan.yaml');
    const sim = createSimulatedAws('test/cli/fixtures/scenario.yaml');
    // The second DescribeJobs of the run is the start's read of what already runs (the first is
    // the precheck's); it fails once with a 500, as a load balancer might.
    let describeJobs = 0;
    let failed = 0;
    const drs = {
      send: (command: unknown) => {
        if (command instanceof DescribeJobsCommand && ++describeJobs === 2) {
          failed += 1;
          return Promise.reject(
            new InternalServerException({ message: 'internal error', $metadata: { httpStatusCode: 500 } }),
          );
        }
        return sim.clients.drs.send(command as never);
      },
    };
    const run = createFailbackRun({
      plan,
      clients: { ...sim.clients, drs } as typeof sim.clients,
      clock: sim.clock,
      probes: sim.probes,
      writes: sim.writes,
      simulated: true,
      runId: RUN_ID,
    });
    run.on((event) => {
      if (event.type === 'approval.requested') queueMicrotask(() => run.approve('tester'));
    });
    const result = await sim.clock.run(run.start());
    expect(failed).toBe(1);
    expect(result.outcome).toBe('completed');
    const calls = sim.calls();
    expect(callsOf(calls, 'StopFailback')).toEqual([]);
    const launched = callsOf(calls, 'StartFailbackLaunch').flatMap(
      (c) => (c.input as { recoveryInstanceIDs?: string[] }).recoveryInstanceIDs ?? [],
    );
    expect(new Set(launched).size).toBe(launched.length);
  });
});
