// createFailbackRun's `inspect`: an embedder's xstate inspector sees the run's actors, and one
// that throws cannot stop a failback.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { InspectionEvent } from 'xstate';
import { createLogger } from '../../src/log.js';
import { loadPlan } from '../../src/plan/load.js';
import { type CreateRunOptions, createFailbackRun } from '../../src/run.js';
import { createSimulatedAws } from '../../src/sim/index.js';

const PLAN = 'examples/three-wave/plan.yaml';
const SCENARIO = 'examples/three-wave/scenario.yaml';

async function runWith(inspect: CreateRunOptions['inspect'], log?: CreateRunOptions['log']) {
  const sim = createSimulatedAws(SCENARIO);
  const run = createFailbackRun({
    plan: await loadPlan(PLAN),
    clients: sim.clients,
    clock: sim.clock,
    probes: sim.probes,
    runId: sim.runId(),
    ...(inspect ? { inspect } : {}),
    ...(log ? { log } : {}),
  });
  const events: string[] = [];
  run.on((event) => {
    events.push(event.type === 'state' ? `${event.wave ?? 'plan'}:${event.to}` : event.type);
    if (event.type === 'approval.requested') queueMicrotask(() => run.approve('test'));
  });
  const result = await sim.clock.run(run.start());
  return { result, events };
}

describe('createFailbackRun({ inspect })', () => {
  it('gives every inspection event of the plan and wave actors to a function inspector', async () => {
    const seen: InspectionEvent[] = [];
    const { result } = await runWith((event) => seen.push(event));
    expect(result.outcome).toBe('completed');
    const machines = new Set(
      seen
        .filter((e) => e.type === '@xstate.microstep')
        .map((e) => (e.snapshot as { machine?: { id: string } }).machine?.id),
    );
    expect(machines).toEqual(new Set(['plan', 'wave']));
    expect(seen.some((e) => e.type === '@xstate.event' && e.event.type === 'APPROVE')).toBe(true);
  });

  it('takes an observer, and one that throws changes nothing but a logged error', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    let calls = 0;
    const throwing = await runWith(
      {
        next: () => {
          calls += 1;
          throw new Error('broken inspector');
        },
      },
      createLogger({ level: 'error', destination }),
    );
    const plain = await runWith(undefined);
    expect(calls).toBeGreaterThan(100);
    expect(throwing.result.outcome).toBe('completed');
    expect(throwing.events).toEqual(plain.events);
    expect(lines.some((line) => line.includes('inspector failed'))).toBe(true);
  });
});
