// The Step Functions engine measured under aws-local-stepfunctions over the simulated AWS:
// state transitions and estimated history events per wave and per poll cycle, the largest state
// payload (snapshots over 96 KiB spilled, as deployed, and all inline), the AWS calls (Publish: one
// notification per transition, as the CLI sends) and the cost of the transitions. Estimates: AWS's
// own counts need AWS (docs/step-functions.md).
// Run: npx tsx bench/sfn.bench.ts

import { type AslState, generateAsl } from '../src/sfn/asl.js';
import { createMemorySnapshotStore, DEFAULT_MAX_INLINE_BYTES } from '../src/sfn/spill.js';
import { createSimulatedAws, toScenario } from '../src/sim/index.js';
import { estimatedHistoryEvents, runOnLocalStepFunctions } from '../test/sfn/local-engine.js';
import { generateFleet } from './lib/fleet.js';

/** Standard workflows: $0.025 per 1,000 state transitions (us-east-1, after the free tier). */
const USD_PER_TRANSITION = 0.025 / 1000;
const definitions = { plan: generateAsl('plan'), wave: generateAsl('wave') };

async function measure(servers: number, waves: number, spill: boolean) {
  const fleet = generateFleet({ servers, waves });
  const sim = createSimulatedAws(toScenario(fleet.scenario, `fleet-${servers}`));
  const t0 = performance.now();
  // Snapshots above 96 KiB spill (to DynamoDB on AWS; to memory here), as the deployed step does;
  // without spilling, every snapshot stays in the state (what the payload would be).
  const run = await runOnLocalStepFunctions(
    fleet.plan,
    sim,
    spill ? { spill: { store: createMemorySnapshotStore(), maxInlineBytes: DEFAULT_MAX_INLINE_BYTES } } : {},
  );
  const wallMs = performance.now() - t0;
  let maxPayload = { bytes: 0, state: '' };
  const maxByMachine: Record<string, number> = {};
  let transitions = 0;
  /** Task states entered: a Lambda invocation each, or the child execution of `running.wave`. */
  let tasks = 0;
  const stateTypes = Object.fromEntries(
    Object.entries(definitions).map(([m, d]) => [m, Object.fromEntries(allTypes(d.States))]),
  );
  const perWave: { transitions: number; events: number }[] = [];
  for (const execution of run.executions) {
    let entered = 0;
    for (const e of execution.log) {
      if (e.type !== 'StateEntered') continue;
      entered += 1;
      if (stateTypes[execution.machine]?.[e.state.name] === 'Task') tasks += 1;
      const bytes = Buffer.byteLength(JSON.stringify(e.state.input));
      if (bytes > maxPayload.bytes) maxPayload = { bytes, state: `${execution.machine}:${e.state.name}` };
      maxByMachine[execution.machine] = Math.max(maxByMachine[execution.machine] ?? 0, bytes);
    }
    transitions += entered;
    if (execution.machine === 'wave')
      perWave.push({ transitions: entered, events: estimatedHistoryEvents(execution.log, definitions.wave) });
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const calls = sim.calls();
  return {
    servers,
    waves,
    spill,
    outcome: (run.outcome as { outcome: string }).outcome,
    wallMs: Math.round(wallMs),
    transitions,
    tasks,
    // The step Lambda publishes to a topic outside the simulated world (test/sfn/local-engine.ts).
    awsCalls: calls.length + run.notifications.length,
    publish: run.notifications.length,
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

/** Every state of a definition by name, with the states inside Maps, and its type. */
function allTypes(states: Record<string, AslState>): [string, string][] {
  return Object.entries(states).flatMap(([name, state]): [string, string][] => {
    const processor = state.ItemProcessor as { States: Record<string, AslState> } | undefined;
    return [[name, String(state.Type)], ...(processor ? allTypes(processor.States) : [])];
  });
}

for (const spill of [true, false]) {
  for (const [servers, waves] of [
    [100, 10],
    [1000, 10],
  ] as const) {
    console.log(JSON.stringify(await measure(servers, waves, spill)));
  }
}
