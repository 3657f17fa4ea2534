// The plan's HTTP and TCP probes, answered from the scenario on the virtual clock.
import type { Probe } from '../../machines/types.js';
import type { ProbeResult, ProbeRunner } from '../actors/types.js';
import { readSimulatedMarker, writeSimulatedMarker } from './marker.js';
import type { ScenarioProbe } from './scenario.js';
import type { World } from './world.js';

const keyOf = (probe: Probe): string => (probe.kind === 'http' ? probe.url : `${probe.host}:${probe.port}`);
const keyOfScenario = (p: ScenarioProbe): string => p.http ?? p.tcp ?? '';

export function createSimulatedProbes(world: World): ProbeRunner {
  return {
    writeMarker: async (call, ids) => writeSimulatedMarker(world, call, ids),
    readMarker: async (call) => readSimulatedMarker(world, call),
    async run(probe: Probe): Promise<ProbeResult> {
      const key = keyOf(probe);
      const entry = world.scenario.probes.find((p) => keyOfScenario(p) === key);
      const elapsed = world.now - world.startAt;
      const ok = entry
        ? entry.result === 'ok' ||
          (entry.result === 'fail-until' && entry.until !== undefined && elapsed >= entry.until)
        : world.scenario.probeDefault === 'ok';
      const what = probe.kind === 'http' ? `GET ${probe.url}` : `connect ${key}`;
      const detail =
        probe.kind === 'http'
          ? ok
            ? `${what}: ${probe.expectStatus} (simulated)`
            : `${what}: 503, expected ${probe.expectStatus} (simulated)`
          : ok
            ? `${what}: connected (simulated)`
            : `${what}: connection refused (simulated)`;
      return { ok, detail };
    },
  };
}
