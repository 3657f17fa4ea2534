// Never twice, even when Lambda retries: a start Task whose call succeeded but whose answer was
// lost is retried by Step Functions; the activity adopts the job it already started (job tags
// with run and wave) instead of sending StartFailbackLaunch / StartRecovery again.
import { describe, expect, it } from 'vitest';
import { loadPlan } from '../../src/plan/load.js';
import { createSimulatedAws } from '../../src/sim/index.js';
import { type LocalEngineRun, normalizeMintedIds, runOnLocalStepFunctions } from './local-engine.js';

const count = (run: LocalEngineRun, operation: string) =>
  run.requests.filter((r) => r.operation === operation).length;
const retried = (run: LocalEngineRun, state: string) =>
  run.executions.flatMap((e) => e.log).filter((e) => e.type === 'StateRetried' && e.state.name === state)
    .length;

async function runTwice(example: string, losing: string) {
  const plan = await loadPlan(`examples/${example}/plan.yaml`);
  const scenario = `examples/${example}/scenario.yaml`;
  const clean = await runOnLocalStepFunctions(plan, createSimulatedAws(scenario));
  const lossy = await runOnLocalStepFunctions(plan, createSimulatedAws(scenario), {
    loseFirstAnswerOf: [losing],
  });
  return { clean, lossy };
}

const ids = (run: LocalEngineRun, operation: string) =>
  run.requests
    .filter((r) => r.operation === operation)
    .flatMap((r) => {
      const input = r.input as {
        recoveryInstanceIDs?: string[];
        sourceServers?: { sourceServerID: string }[];
      };
      return input.recoveryInstanceIDs ?? input.sourceServers?.map((s) => s.sourceServerID) ?? [];
    });

// mixed-wave starts both flows in one Task: StartFailbackLaunch (on premises) and StartRecovery
// in the origin region (EC2 origin).
describe('a start Task retried after its call succeeded', () => {
  it('adopts its jobs: one StartFailbackLaunch and one StartRecovery, the run as without the retry', async () => {
    const { clean, lossy } = await runTwice('mixed-wave', 'startingFailback.sending');
    // Non-vacuous: the start Task really was retried, and the clean run does start both flows.
    expect(retried(lossy, 'startingFailback.sending')).toBe(1);
    expect(count(clean, 'StartFailbackLaunch')).toBe(1);
    expect(count(clean, 'StartRecovery')).toBe(1);
    expect(count(lossy, 'StartFailbackLaunch')).toBe(1);
    expect(count(lossy, 'StartRecovery')).toBe(1);
    // The retry only adds the adoption reads; the machine never notices.
    expect(lossy.traces).toEqual(clean.traces);
    expect(normalizeMintedIds(lossy.outcome)).toEqual(normalizeMintedIds(clean.outcome));
  });

  it('without adoption the retry would start the same servers twice (the test can fail)', async () => {
    const plan = await loadPlan('examples/mixed-wave/plan.yaml');
    const lossy = await runOnLocalStepFunctions(
      plan,
      createSimulatedAws('examples/mixed-wave/scenario.yaml'),
      {
        loseFirstAnswerOf: ['startingFailback.sending'],
        blindAdoption: true,
      },
    );
    const launched = [...ids(lossy, 'StartFailbackLaunch'), ...ids(lossy, 'StartRecovery')];
    expect(new Set(launched).size).toBeLessThan(launched.length);
  });
});
