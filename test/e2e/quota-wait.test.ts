// Quota-aware jobs over whole runs against the simulated AWS (which enforces DRS's job quotas):
// jobs sized by job.maxServers, never more than job.maxInFlight servers in active jobs over the
// whole run, the named wait entered and left, a resume during the wait that starts nothing twice,
// and a run whose caller may not read Service Quotas.
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/events.js';
import { parsePlan } from '../../src/plan/load.js';
import type { Plan } from '../../src/plan/types.js';
import { resumeRun } from '../../src/resume.js';
import { createStoredRun } from '../../src/run/stored.js';
import { createSimulatedAws, type ScenarioFile, type SimulatedAws, toScenario } from '../../src/sim/index.js';
import { RunStore } from '../../src/store/index.js';
import { tempStateDir } from '../store/helpers.js';
import { callsOf, expectRunInvariants, recoveryInstanceIdsOf, runOnSimulation } from './harness.js';

const WAIT = 'startingFailback.waitingForQuota';
const sid = (n: number) => `s-7800000000000${String(n).padStart(4, '0')}`;

function planOf(servers: number, job: string): { plan: Plan; text: string } {
  const text = `version: 1
name: quota
region: us-east-1
notifications: { topicArn: arn:aws:sns:us-east-1:111122223333:failback }
objectives: { rpo: 15m, rto: 6h }
approval: none
polling: { interval: 30s, max: 5m }
job: ${job}
waves:
  - name: big
    servers:
${Array.from({ length: servers }, (_, i) => `      - sourceServerID: ${sid(i + 1)}\n`).join('')}`;
  return { plan: parsePlan(text, 'plan.yaml'), text };
}

function worldOf(servers: number, extra: Partial<ScenarioFile> = {}): SimulatedAws {
  return createSimulatedAws(
    toScenario({
      seed: 'quota',
      topics: ['arn:aws:sns:us-east-1:111122223333:failback'],
      servers: Array.from({ length: servers }, (_, i) => ({
        sourceServerID: sid(i + 1),
        // Jobs end at different times: the first servers launch faster.
        launch: { duration: i < servers / 3 ? '12m' : '20m' },
      })),
      ...extra,
    }),
  );
}

/** The most servers in active (PENDING/STARTED) jobs at any instant a job was created. */
function peakInFlight(sim: SimulatedAws): number {
  const jobs = sim.world.jobs();
  return Math.max(
    0,
    ...jobs.map((created) =>
      jobs
        .filter((j) => j.createdAt <= created.createdAt && (j.endAt === null || j.endAt > created.createdAt))
        .reduce((n, j) => n + j.servers.length, 0),
    ),
  );
}

const waveStates = (events: readonly RunEvent[]) =>
  events.flatMap((e) => (e.type === 'state' && e.machine === 'wave' ? [e.to] : []));
const startedInstances = (sim: SimulatedAws) =>
  callsOf(sim.calls(), 'StartFailbackLaunch')
    .filter((c) => c.ok)
    .flatMap((c) => recoveryInstanceIdsOf(c));

describe('quota-aware jobs, whole runs', () => {
  it('250 servers, jobs of 100, at most 150 in flight: sizes, peak, the wait entered and left', async () => {
    const { plan } = planOf(250, '{ maxServers: 100, maxInFlight: 150 }');
    const sim = worldOf(250);
    const run = await runOnSimulation(plan, sim);
    expectRunInvariants(run);
    expect(run.result.outcome).toBe('completed');
    const sizes = callsOf(sim.calls(), 'StartFailbackLaunch').map((c) => recoveryInstanceIdsOf(c).length);
    expect(sizes.every((n) => n <= 100)).toBe(true);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(250);
    expect(sizes.slice(0, 2)).toEqual([100, 50]);
    // Never above maxInFlight, and not vacuously: the limit was reached.
    expect(peakInFlight(sim)).toBe(150);
    // Every server started exactly once, and DRS never refused a start.
    expect(new Set(startedInstances(sim)).size).toBe(250);
    expect(startedInstances(sim)).toHaveLength(250);
    expect(callsOf(sim.calls(), 'StartFailbackLaunch').every((c) => c.ok)).toBe(true);
    const states = waveStates(run.events);
    expect(states).toContain(WAIT);
    expect(states.slice(states.indexOf(WAIT))).toContain('monitoringJob');
    // The quota wait is announced once while the wave waits, not once per re-check.
    expect(states.filter((s) => s === WAIT).length).toBeLessThan(sizes.length);
  });

  it('default limits split a wave of 250 into jobs of 100 (DRS quota), all at once', async () => {
    const { plan } = planOf(250, '{ timeout: 2h }');
    const sim = worldOf(250);
    const run = await runOnSimulation(plan, sim);
    expect(run.result.outcome).toBe('completed');
    expect(callsOf(sim.calls(), 'StartFailbackLaunch').map((c) => recoveryInstanceIdsOf(c).length)).toEqual([
      100, 100, 50,
    ]);
    expect(waveStates(run.events)).not.toContain(WAIT);
    expect(callsOf(sim.calls(), 'GetServiceQuota')).toHaveLength(3);
  });

  it("a DRS quota below the plan's: DRS's applies, read from Service Quotas", async () => {
    const { plan } = planOf(30, '{ maxServers: 20, maxInFlight: 40 }');
    const sim = worldOf(30, { limits: { serversPerJob: 10, serversInAllJobs: 20 } });
    const run = await runOnSimulation(plan, sim);
    expect(run.result.outcome).toBe('completed');
    const sizes = callsOf(sim.calls(), 'StartFailbackLaunch').map((c) => recoveryInstanceIdsOf(c).length);
    expect(sizes).toEqual([10, 10, 10]);
    expect(peakInFlight(sim)).toBe(20);
    expect(callsOf(sim.calls(), 'StartFailbackLaunch').every((c) => c.ok)).toBe(true);
  });

  it('AccessDenied on GetServiceQuota: a warning, and the run goes on with the plan values', async () => {
    const { plan } = planOf(12, '{ maxServers: 4, maxInFlight: 8 }');
    const sim = worldOf(12, { faults: [{ operation: 'GetServiceQuota', error: 'AccessDeniedException' }] });
    const run = await runOnSimulation(plan, sim);
    expectRunInvariants(run);
    expect(run.result.outcome).toBe('completed');
    const quota = run.events.find((e) => e.type === 'check' && e.name === 'quota');
    expect(quota).toMatchObject({ status: 'warn' });
    expect(quota?.type === 'check' && quota.detail).toContain('grant servicequotas:GetServiceQuota');
    expect(callsOf(sim.calls(), 'GetServiceQuota').map((c) => c.ok)).toEqual([false]);
    const sizes = callsOf(sim.calls(), 'StartFailbackLaunch').map((c) => recoveryInstanceIdsOf(c).length);
    expect(sizes).toEqual([4, 4, 4]);
    expect(peakInFlight(sim)).toBe(8);
  });

  it('resumed during the quota wait, the run starts no server twice and completes', async () => {
    const { plan, text } = planOf(12, '{ maxServers: 4, maxInFlight: 8 }');
    const sim = worldOf(12);
    const store = new RunStore({ stateDir: tempStateDir(), now: () => sim.clock.now() });
    const stored = store.create(plan, text, 'run-20260101T000000Z-quotaw');
    const first = createStoredRun(stored, { clients: sim.clients, clock: sim.clock, probes: sim.probes });
    const waiting = new Promise<void>((resolve) => {
      first.on((event) => {
        if (event.type === 'state' && event.to === WAIT) {
          // Killed while waiting for capacity: the snapshot is in the wait.
          queueMicrotask(() => {
            first.actor.stop();
            resolve();
          });
        }
      });
    });
    void first.start();
    await sim.clock.run(waiting);
    stored.close();
    const saved = stored.loadSnapshot() as unknown as {
      children: { wave: { snapshot: { value: unknown } } };
    };
    expect(saved.children.wave.snapshot.value).toEqual({ startingFailback: { waitingForQuota: 'waiting' } });
    expect(startedInstances(sim)).toHaveLength(8);

    const resumed = await resumeRun({
      store,
      runId: 'run-20260101T000000Z-quotaw',
      clients: sim.clients,
      clock: sim.clock,
      probes: sim.probes,
    });
    const result = await sim.clock.run(resumed.start());
    expect(result.outcome).toBe('completed');
    // Each of the 12 recovery instances in exactly one start, over both processes.
    expect(startedInstances(sim)).toHaveLength(12);
    expect(new Set(startedInstances(sim)).size).toBe(12);
    expect(peakInFlight(sim)).toBe(8);
    const events = store.open('run-20260101T000000Z-quotaw').readEvents();
    const after = events.slice(events.findLastIndex((e) => e.type === 'run.started'));
    // The resumed wait read what runs before it started the last job.
    const ops = after.flatMap((e) => (e.type === 'aws.request' ? [e.operation] : []));
    expect(ops.indexOf('DescribeJobs')).toBeLessThan(ops.indexOf('StartFailbackLaunch'));
    expect(ops.filter((o) => o === 'StartFailbackLaunch')).toHaveLength(1);
  });
});
