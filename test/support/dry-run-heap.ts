// Run as a child process with --expose-gc (test/sim/memory.test.ts): the live heap a generated
// fleet's dry run holds, measured after full collections, printed as one JSON object.
import type { Plan } from '../../src/plan/types.js';
import { createFailbackRun } from '../../src/run.js';
import { createSimulatedAws, type ScenarioFile, toScenario } from '../../src/sim/index.js';

const collect = (globalThis as { gc?: () => void }).gc;
if (!collect) throw new Error('run with --expose-gc');
const live = () => {
  collect();
  collect();
  return process.memoryUsage().heapUsed;
};

const MIN = 60_000;
const id = (prefix: string, n: number, width: number) =>
  [prefix, n.toString(16).padStart(width, '0')].join('');

/** `servers` on-premises servers verified on their EC2 targets, in waves of 100 (like the benchmark's fleet, bench/lib/fleet.ts). */
function generateFleet(servers: number): { plan: Plan; scenario: ScenarioFile } {
  const all = Array.from({ length: servers }, (_, i) => ({
    sourceServerID: id('s-', i + 1, 17),
    target: id('i-0', i + 1, 16),
    launch: `${1200 + ((i * 7919) % 600)}s`,
  }));
  const plan: Plan = {
    version: 1,
    name: `fleet-${servers}`,
    region: 'us-east-1',
    objectives: { rpoMs: 15 * MIN, rtoMs: 48 * 60 * MIN },
    approval: 'none',
    polling: { intervalMs: 15_000, maxMs: 5 * MIN },
    verify: { timeoutMs: 20 * MIN },
    job: { timeoutMs: 2 * 60 * MIN },
    backout: { restore: 'if-unhealthy' },
    waves: Array.from({ length: Math.ceil(servers / 100) }, (_, w) => ({
      name: `wave-${w + 1}`,
      servers: all.slice(w * 100, (w + 1) * 100).map((s) => ({
        sourceServerID: s.sourceServerID,
        verify: { ec2InstanceId: s.target, probes: [] },
      })),
    })),
  };
  const scenario: ScenarioFile = {
    seed: `fleet-${servers}`,
    startAt: '2026-03-01T02:00:00Z',
    defaults: { jobStartDelay: '30s', health: { after: '4m' } },
    limits: { concurrentJobs: 20, serversInAllJobs: Math.max(500, servers) },
    servers: all.map((s) => ({
      sourceServerID: s.sourceServerID,
      target: { ec2InstanceID: s.target },
      launch: { duration: s.launch },
    })),
  };
  return { plan, scenario };
}

const servers = Number(process.argv[2] ?? 2000);
const before = live();
const fleet = generateFleet(servers);
const sim = createSimulatedAws(toScenario(fleet.scenario));
sim.world.keepCallInputs(false);
const run = createFailbackRun({
  plan: fleet.plan,
  clients: sim.clients,
  clock: sim.clock,
  probes: sim.probes,
  simulated: true,
  runId: 'run-20260301T020000Z-memory',
});
const atStart = live();
const result = await sim.clock.run(run.start());
const atEnd = live();
const calls = sim.world.state.calls.length;
sim.world.state.calls.length = 0;
const withoutCalls = live();
process.stdout.write(
  JSON.stringify({
    outcome: result.outcome,
    servers,
    calls,
    /** Plan, scenario and world before the run, per server. */
    startPerServer: (atStart - before) / servers,
    /** What the run added (world records, jobs, the record of calls), per server. */
    runPerServer: (atEnd - atStart) / servers,
    /** The record of calls, per call. */
    perCall: (atEnd - withoutCalls) / calls,
  }),
);
