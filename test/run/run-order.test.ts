import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/events.js';
import { loadPlan } from '../../src/plan/load.js';
import { createFailbackRun } from '../../src/run.js';
import { createSimulatedAws } from '../../src/sim/index.js';

describe('event order through the simulated AWS', () => {
  it("each wave's state event comes before the AWS calls made in that state", async () => {
    const plan = await loadPlan('examples/three-wave/plan.yaml');
    const sim = createSimulatedAws('examples/three-wave/scenario.yaml');
    const run = createFailbackRun({ plan, clients: sim.clients, clock: sim.clock, probes: sim.probes });
    const events: RunEvent[] = [];
    run.on((e) => {
      events.push(e);
      if (e.type === 'approval.requested') queueMicrotask(() => run.approve('test'));
    });
    await sim.clock.run(run.start());
    const indexOf = (pred: (e: RunEvent) => boolean) => events.flatMap((e, i) => (pred(e) ? [i] : []));
    const prechecks = indexOf((e) => e.type === 'state' && e.machine === 'wave' && e.to === 'precheck');
    const firstReads = indexOf((e) => e.type === 'aws.request' && e.operation === 'DescribeSourceServers');
    const starts = indexOf((e) => e.type === 'state' && e.machine === 'wave' && e.to === 'startingFailback');
    const launches = indexOf((e) => e.type === 'aws.request' && e.operation === 'StartFailbackLaunch');
    expect(prechecks).toHaveLength(3);
    expect(firstReads).toHaveLength(3);
    prechecks.forEach((p, i) => {
      expect(firstReads[i]).toBeGreaterThan(p);
      expect(launches[i]).toBeGreaterThan(starts[i] ?? Number.POSITIVE_INFINITY);
      expect(firstReads[i]).toBeLessThan(prechecks[i + 1] ?? Number.POSITIVE_INFINITY);
    });
  });
});
