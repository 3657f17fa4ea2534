// Comparing a run of waves side by side in both engines, wave by wave: in process (the plan
// machine's `running.sideBySide` spawns wave actors) and on the local Step Functions runner (a Map
// of wave child executions per round). Per wave the leaf trace and the aws.request sequence
// (operation, input, region, account) must be identical; the interleaving of the waves' requests
// may differ, and so may the instant a wave starts: a Map round ends with its last wave, so a wave
// that became ready while another of the round still ran starts later (docs/step-functions.md,
// "The schedule difference").
import { expect } from 'vitest';
import type { RunEvent } from '../../src/events.js';
import type { Plan } from '../../src/plan/types.js';
import {
  createSimulatedAws,
  createSimulatedEstate,
  estateForPlan,
  loadSimulationFileSync,
  type WorldState,
} from '../../src/sim/index.js';
import { type AwsRequest, type EngineRun, normalizeMintedIds, type SimulatedRun } from './local-engine.js';

const WAVE_TAG = 'drs-failback:wave';

/** The simulated AWS of an example's scenario file (one world or an estate), and every world's state. */
export function exampleWorlds(plan: Plan, scenarioPath: string): SimulatedRun & { states(): WorldState[] } {
  const file = loadSimulationFileSync(scenarioPath);
  if (file.kind === 'world') {
    const sim = createSimulatedAws(file.scenario);
    return Object.assign(sim, { states: () => [sim.save()] });
  }
  const estate = createSimulatedEstate(estateForPlan(file.estate, plan, scenarioPath));
  return Object.assign(estate, { states: () => estate.save() });
}

/**
 * Every id that names one wave: its source servers, their recovery instances (and EC2 instances),
 * and the jobs of the run that carry its tag or launch its servers, in every world.
 */
function waveIds(plan: Plan, worlds: readonly WorldState[]): string[][] {
  return plan.waves.map((wave) => {
    const servers = new Set(wave.servers.map((s) => s.sourceServerID));
    const instances = worlds.flatMap((w) =>
      w.recoveryInstances
        .filter((r) => servers.has(r.sourceServerID))
        .flatMap((r) => [r.recoveryInstanceID, r.ec2InstanceID, r.targetEc2InstanceID ?? '']),
    );
    const jobs = worlds.flatMap((w) =>
      w.jobs
        .filter(
          (j) => j.tags?.[WAVE_TAG] === wave.name || j.servers.some((s) => servers.has(s.sourceServerID)),
        )
        .map((j) => j.jobID),
    );
    return [...servers, ...instances, ...jobs].filter((id) => id !== '');
  });
}

/**
 * The run's requests by wave name: a request belongs to the wave whose server, instance or job it
 * names; ids the world minted are then numbered per wave, by order of appearance. Requests naming
 * no wave, or several, are `shared`.
 */
export function requestsByWave(
  plan: Plan,
  requests: readonly AwsRequest[],
  worlds: readonly WorldState[],
): Record<string, AwsRequest[]> {
  const ids = waveIds(plan, worlds);
  const out: Record<string, AwsRequest[]> = {};
  for (const request of requests) {
    const text = JSON.stringify(request.input);
    const named = plan.waves.filter((_, i) => (ids[i] ?? []).some((id) => text.includes(id)));
    const key = named.length === 1 ? (named[0]?.name ?? 'shared') : 'shared';
    out[key] ??= [];
    out[key].push(request);
  }
  for (const key of Object.keys(out)) out[key] = normalizeMintedIds(out[key] ?? []);
  return out;
}

/** A run of one engine with its requests by wave. */
export type WaveRun = EngineRun & { byWave: Record<string, AwsRequest[]> };

/** Consecutive repeats of a leaf collapsed (in process: once per wave's end; Map: once per round). */
export const collapsed = (trace: readonly string[] = []) => trace.filter((leaf, i) => leaf !== trace[i - 1]);

/** When each wave entered its first state (virtual time, ms). */
export const waveStarts = (events: readonly RunEvent[]) => {
  const starts: Record<string, number> = {};
  for (const e of events) if (e.type === 'state' && e.wave !== undefined) starts[e.wave] ??= Date.parse(e.at);
  return starts;
};

/** Every instant in a value (epoch ms, ISO-8601 text) moved by `ms`. */
export function shiftedBy<T>(value: T, ms: number): T {
  if (ms === 0) return value;
  const text = JSON.stringify(value)
    .replace(
      /"(\d{4}-\d\d-\d\dT[\d:.]+Z)"/g,
      (_, iso: string) => `"${new Date(Date.parse(iso) + ms).toISOString()}"`,
    )
    .replace(/(?<=[:[,])1\d{12}(?=[,\]}])/g, (n) => String(Number(n) + ms));
  return JSON.parse(text) as T;
}

/**
 * The same run wave by wave. `startedLater`: waves the Map may start later than in process (they
 * became ready while another wave of the round still ran): their job scan before the start
 * (DescribeJobs from a day before the wave starts, naming no wave) differs by that delay, and every
 * instant of their result by as much; without it every wave starts at the same instant in both.
 */
export function expectSameRunPerWave(
  { inProcess, local }: { inProcess: WaveRun; local: WaveRun },
  { startedLater = false } = {},
): void {
  const waveKeys = (traces: Record<string, string[]>) => Object.keys(traces).filter((k) => k !== 'plan');
  // The same waves ran (the skipped ones in neither), each through the same leaves.
  expect(waveKeys(local.traces).sort()).toEqual(waveKeys(inProcess.traces).sort());
  for (const key of waveKeys(inProcess.traces)) expect(local.traces[key], key).toEqual(inProcess.traces[key]);
  expect(collapsed(local.traces.plan)).toEqual(collapsed(inProcess.traces.plan));
  // Per wave, the same requests in the same order; across waves the interleaving may differ.
  expect(Object.keys(local.byWave).sort()).toEqual(Object.keys(inProcess.byWave).sort());
  for (const [wave, requests] of Object.entries(inProcess.byWave)) {
    if (wave === 'shared') continue;
    expect(local.byWave[wave], wave).toEqual(requests);
  }
  const sorted = (r: readonly AwsRequest[] = []) =>
    r
      .map((x) => JSON.stringify(x))
      .map((x) =>
        startedLater ? x.replace(/"fromDate":"[^"]*"/, '"fromDate":"(the wave start, less a day)"') : x,
      )
      .sort();
  expect(sorted(local.byWave.shared)).toEqual(sorted(inProcess.byWave.shared));
  expect(local.requests.length).toBe(inProcess.requests.length);
  const { waves: localWaves, ...localRest } = local.outcome as { waves: { name: string }[] };
  const { waves: inWaves, ...inRest } = inProcess.outcome as { waves: { name: string }[] };
  expect(normalizeMintedIds(localRest)).toEqual(normalizeMintedIds(inRest));
  // Per wave, its result with its own minted ids numbered.
  expect(localWaves.map((w) => w.name)).toEqual(inWaves.map((w) => w.name));
  // A wave started later has every instant of its result later by as much, nothing else.
  const [inStarts, localStarts] = [waveStarts(inProcess.events), waveStarts(local.events)];
  for (const [i, w] of inWaves.entries()) {
    const delay = (localStarts[w.name] ?? 0) - (inStarts[w.name] ?? 0);
    if (!startedLater) expect(delay, w.name).toBe(0);
    expect(normalizeMintedIds(localWaves[i]), w.name).toEqual(normalizeMintedIds(shiftedBy(w, delay)));
  }
}
