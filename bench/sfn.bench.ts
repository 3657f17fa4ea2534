// The Step Functions engine measured under aws-local-stepfunctions over the simulated AWS:
// state transitions and estimated history events per wave and per poll cycle, the largest state
// payload, and the cost of the transitions. Estimates: AWS's own counts need AWS (docs/step-functions.md).
// Run: npx tsx bench/sfn.bench.ts

import { generateAsl } from '../src/sfn/asl.js';
import { createMemorySnapshotStore, DEFAULT_MAX_INLINE_BYTES } from '../src/sfn/spill.js';
import { createSimulatedAws, toScenario } from '../src/sim/index.js';
import { estimatedHistoryEvents, runOnLocalStepFunctions } from '../test/sfn/local-engine.js';
import { generateFleet } from './lib/fleet.js';

/** Standard workflows: $0.025 per 1,000 state transitions (us-east-1, after the free tier). */
const USD_PER_TRANSITION = 0.025 / 1000;
const definitions = { plan: generateAsl('plan'), wave: generateAsl('wave') };

async function measure(servers: number, waves: number) {
  const fleet = generateFleet({ servers, waves });
  const sim = createSimulatedAws(toScenario(fleet.scenario, `fleet-${servers}`));
  const t0 = performance.now();
  // Snapshots above 96 KiB spill (to DynamoDB on AWS; to memory here), as the deployed step does.
  const run = await runOnLocalStepFunctions(fleet.plan, sim, {
    spill: { store: createMemorySnapshotStore(), maxInlineBytes: DEFAULT_MAX_INLINE_BYTES },
  });
  const wallMs = performance.now() - t0;
  let maxPayload = { bytes: 0, state: '' };
  const maxByMachine: Record<string, number> = {};
  let transitions = 0;
  const perWave: { transitions: number; events: number }[] = [];
  for (const execution of run.executions) {
    let entered = 0;
    for (const e of execution.log) {
      if (e.type !== 'StateEntered') continue;
      entered += 1;
      const bytes = Buffer.byteLength(JSON.stringify(e.state.input));
      if (bytes > maxPayload.bytes) maxPayload = { bytes, state: `${execution.machine}:${e.state.name}` };
      maxByMachine[execution.machine] = Math.max(maxByMachine[execution.machine] ?? 0, bytes);
    }
    transitions += entered;
    if (execution.machine === 'wave')
      perWave.push({ transitions: entered, events: estimatedHistoryEvents(execution.log, definitions.wave) });
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  return {
    servers,
    waves,
    outcome: (run.outcome as { outcome: string }).outcome,
    wallMs: Math.round(wallMs),
    transitions,
    meanWaveTransitions: Math.round(mean(perWave.map((w) => w.transitions))),
    meanWaveEvents: Math.round(mean(perWave.map((w) => w.events))),
    maxWaveEvents: Math.max(...perWave.map((w) => w.events)),
    maxPayloadKiB: Math.round((maxPayload.bytes / 1024) * 10) / 10,
    maxPayloadState: maxPayload.state,
    maxPayloadKiBByMachine: Object.fromEntries(
      Object.entries(maxByMachine).map(([m, b]) => [m, Math.round((b / 1024) * 10) / 10]),
    ),
    costUsd: Math.round(transitions * USD_PER_TRANSITION * 1000) / 1000,
  };
}

for (const [servers, waves] of [
  [100, 10],
  [1000, 10],
] as const) {
  console.log(JSON.stringify(await measure(servers, waves)));
}
