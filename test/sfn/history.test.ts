// Waves as child executions, their history counted from the local runner's event log (estimates:
// AWS's own counts need AWS), and continue as new before a configurable limit.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadPlan } from '../../src/plan/load.js';
import type { Plan } from '../../src/plan/types.js';
import { generateAsl } from '../../src/sfn/asl.js';
import { createSimulatedAws } from '../../src/sim/index.js';
import {
  estimatedHistoryEvents,
  type LocalEngineRun,
  type LocalExecution,
  normalizeMintedIds,
  runOnLocalStepFunctions,
} from './local-engine.js';

const EXAMPLE = 'three-wave';
const LIMIT = 300;
const definitions = { plan: generateAsl('plan'), wave: generateAsl('wave') };
const eventsOf = (e: LocalExecution) => estimatedHistoryEvents(e.log, definitions[e.machine]);

let plan: Plan;
let unlimited: LocalEngineRun;
let limited: LocalEngineRun;

beforeAll(async () => {
  plan = await loadPlan(`examples/${EXAMPLE}/plan.yaml`);
  unlimited = await runOnLocalStepFunctions(plan, createSimulatedAws(`examples/${EXAMPLE}/scenario.yaml`));
  limited = await runOnLocalStepFunctions(plan, createSimulatedAws(`examples/${EXAMPLE}/scenario.yaml`), {
    historyLimit: LIMIT,
  });
}, 120_000);

describe('history of the executions', () => {
  it('runs each wave as its own child execution', () => {
    expect(unlimited.executions.map((e) => e.key)).toEqual(['plan', 'wave:0', 'wave:1', 'wave:2']);
  });

  it("the steps' running estimate agrees with the event log (plus the final state and the end)", () => {
    for (const execution of unlimited.executions) {
      expect(eventsOf(execution), execution.key).toBe((execution.estimatedEvents ?? 0) + 2 + 1);
    }
  });

  it('a job poll cycle adds 25 history events (poll Task, step, route, callback wait Task, step, route)', () => {
    const wave = unlimited.executions.find((e) => e.key === 'wave:0');
    const log = wave?.log ?? [];
    const polls = log.flatMap((e, i) =>
      e.type === 'StateEntered' && e.state.name === 'monitoringJob.polling' ? [i] : [],
    );
    expect(polls.length).toBeGreaterThan(2);
    const cycle = log.slice(polls[0], polls[1]);
    // The job poll wait is a callback Task events can end (6 events; a Wait state would be 2).
    expect(definitions.wave.States['monitoringJob.waiting']?.Resource).toBe(
      'arn:aws:states:::lambda:invoke.waitForTaskToken',
    );
    // estimatedHistoryEvents counts the execution's own start and end too: 5 + 5 + 2 + 6 + 5 + 2.
    expect(estimatedHistoryEvents(cycle, definitions.wave) - 2).toBe(25);
  });

  it('continues as new before the limit: every execution stays under it, the run is unchanged', () => {
    const continued = limited.executions.filter((e) => e.continued);
    // Non-vacuous: waves and the plan itself continued.
    expect(continued.some((e) => e.machine === 'wave')).toBe(true);
    expect(continued.some((e) => e.machine === 'plan')).toBe(true);
    expect(limited.executions.length).toBeGreaterThan(unlimited.executions.length);
    for (const execution of limited.executions)
      expect(eventsOf(execution), execution.key).toBeLessThanOrEqual(LIMIT);
    const { plan: planTrace, ...waveTraces } = limited.traces;
    const { plan: unlimitedPlanTrace, ...unlimitedWaveTraces } = unlimited.traces;
    expect(waveTraces).toEqual(unlimitedWaveTraces);
    // The plan enters its wave state once per child execution, continuations included.
    const waveExecutions = limited.executions.filter((e) => e.machine === 'wave').length;
    expect(planTrace?.filter((s) => s === 'running.wave').length).toBe(waveExecutions);
    expect(planTrace?.at(-1)).toBe(unlimitedPlanTrace?.at(-1));
    expect(normalizeMintedIds(limited.requests)).toEqual(normalizeMintedIds(unlimited.requests));
    expect(normalizeMintedIds(limited.outcome)).toEqual(normalizeMintedIds(unlimited.outcome));
  });

  it('without the limit no execution continues (the default is far above a wave)', () => {
    expect(unlimited.executions.every((e) => !e.continued)).toBe(true);
    expect(Math.max(...unlimited.executions.map(eventsOf))).toBeLessThan(25_000);
  });
});
