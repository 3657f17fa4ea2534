// Waves side by side (`waves[].after`, `concurrency`) in both engines: in process (the plan
// machine's `running.sideBySide` spawns wave actors) and as the generated plan ASL under the local
// runner (a Map of wave child executions, the ready set chosen by the same machine in the step).
// Per wave: the same leaf trace and the same aws.request sequence (operation and input); the
// interleaving of the waves' requests may differ (a Map round ends when its last wave ends).
import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../src/plan/load.js';
import type { Plan } from '../../src/plan/types.js';
import { generateAsl } from '../../src/sfn/asl.js';
import { createMemorySnapshotStore } from '../../src/sfn/spill.js';
import { createSimulatedAws, type ScenarioFile, toScenario } from '../../src/sim/index.js';
import {
  type Answer,
  estimatedHistoryEvents,
  type LocalExecution,
  normalizeMintedIds,
  runInProcess,
  runOnLocalStepFunctions,
} from './local-engine.js';
import { expectSameRunPerWave, requestsByWave, waveStarts } from './per-wave.js';

const IDS = ['s-1234567890abcdef0', 's-abcdef01234567890', 's-0000000000000000a', 's-0000000000000000b'];
const RECOVERY = IDS.map((_, i) => `i-${String(i + 1).repeat(16)}a`);
const WAVES = ['db', 'app', 'web', 'batch'];

/** Four waves, one server each; `after` per wave (undefined: the default), and the plan's concurrency. */
function plan(after: (string[] | undefined)[], concurrency?: number, approval = 'none'): Plan {
  const waves = WAVES.map((name, i) => {
    const deps = after[i];
    const afterLine = deps === undefined ? '' : `    after: [${deps.join(', ')}]\n`;
    return `  - name: ${name}\n${afterLine}    servers: [{ sourceServerID: ${IDS[i]} }]\n`;
  }).join('');
  return parsePlan(
    `version: 1
name: side-by-side
region: us-east-1
objectives: { rpo: 15m, rto: 8h }
approval: ${approval}
polling: { interval: 15s, max: 5m }
${concurrency === undefined ? '' : `concurrency: ${concurrency}\n`}waves:
${waves}`,
    'plan.yaml',
  );
}

function scenario(failing: string[] = []): ScenarioFile {
  return {
    seed: 7,
    servers: IDS.map((id, i) => ({
      sourceServerID: id,
      recoveryInstanceID: RECOVERY[i] ?? '',
      ...(failing.includes(WAVES[i] ?? '') ? { launch: { result: 'failed' as const } } : {}),
    })),
  };
}

/** `abortAt`: the operator aborts once that wave stands in that leaf (`wave:<index>`). */
async function bothEngines(
  p: Plan,
  failing: string[] = [],
  answers: Answer[] = [],
  abortAt?: { key: string; leaf: string },
) {
  const inSim = createSimulatedAws(toScenario(scenario(failing)));
  const inProcess = await runInProcess(p, inSim, answers, abortAt && { ...abortAt });
  const localSim = createSimulatedAws(toScenario(scenario(failing)));
  const local = await runOnLocalStepFunctions(p, localSim, {
    answers,
    ...(abortAt ? { abortAt: { ...abortAt } } : {}),
  });
  return {
    inProcess: { ...inProcess, byWave: requestsByWave(p, inProcess.requests, [inSim.save()]) },
    local: { ...local, byWave: requestsByWave(p, local.requests, [localSim.save()]) },
  };
}

type Ran = Awaited<ReturnType<typeof bothEngines>>;

/** The per-wave comparison (test/sfn/per-wave.ts); `startedLater`: the Map may start a wave later. */
const expectSameRun = (ran: Ran, options: { startedLater?: boolean } = {}) =>
  expectSameRunPerWave(ran, options);

const outcomes = (ran: { outcome: unknown }) =>
  (ran.outcome as { waves: { name: string; outcome: string }[] }).waves.map((w) => `${w.name}:${w.outcome}`);

describe('waves side by side: in process and on Step Functions (local runner)', () => {
  it('independent waves under concurrency 2: the same run, never more than 2 wave executions at once', async () => {
    const ran = await bothEngines(plan([[], [], [], []], 2));
    expectSameRun(ran, { startedLater: true });
    // The schedule difference: in process web starts as soon as the first of db and app ended;
    // the Map round of db and app ends with the later of them, and web starts then.
    const inProcess = waveStarts(ran.inProcess.events);
    const local = waveStarts(ran.local.events);
    const ends = (events: Ran['local']['events'], wave: string) =>
      Date.parse(events.findLast((e) => e.type === 'state' && e.wave === wave)?.at ?? '');
    const [dbEnd, appEnd] = [ends(ran.local.events, 'db'), ends(ran.local.events, 'app')];
    expect(dbEnd).not.toBe(appEnd);
    expect(inProcess.web).toBe(Math.min(dbEnd, appEnd));
    expect(local.web).toBe(Math.max(dbEnd, appEnd));
    expect((ran.local.outcome as { outcome: string }).outcome).toBe('completed');
    expect(outcomes(ran.local)).toEqual([
      'db:completed',
      'app:completed',
      'web:completed',
      'batch:completed',
    ]);
    // Non-vacuous: the Map did run waves side by side, and no more than the concurrency.
    expect(ran.local.peakWaveExecutions).toBe(2);
    expect(Object.keys(ran.local.byWave).filter((k) => k !== 'shared')).toHaveLength(4);
  }, 60_000);

  it('all four at once with concurrency 4', async () => {
    const ran = await bothEngines(plan([[], [], [], []], 4));
    expectSameRun(ran);
    expect(ran.local.peakWaveExecutions).toBe(4);
  }, 60_000);

  it('a diamond: web after db and app, batch after web', async () => {
    const ran = await bothEngines(plan([[], [], ['db', 'app'], ['web']], 2));
    expectSameRun(ran);
    expect(outcomes(ran.local)).toEqual([
      'db:completed',
      'app:completed',
      'web:completed',
      'batch:completed',
    ]);
    expect(ran.local.peakWaveExecutions).toBe(2);
  }, 60_000);

  it('a failing wave skips its dependents while an independent wave completes', async () => {
    const ran = await bothEngines(plan([[], [], ['db'], ['web']], 2), ['db']);
    expectSameRun(ran);
    expect((ran.local.outcome as { outcome: string }).outcome).toBe('backed-out');
    expect(outcomes(ran.local)).toEqual([
      'db:backed-out',
      'app:completed',
      'web:not-started',
      'batch:not-started',
    ]);
    // The skipped waves never ran as executions.
    expect(
      ran.local.executions
        .filter((e) => e.machine === 'wave')
        .map((e) => e.key)
        .sort(),
    ).toEqual(['wave:0', 'wave:1']);
  }, 60_000);

  it('per-wave approvals, every one given', async () => {
    const ran = await bothEngines(plan([[], [], ['db'], undefined], 2, 'per-wave'));
    expectSameRun(ran);
    expect((ran.local.outcome as { outcome: string }).outcome).toBe('completed');
  }, 60_000);

  it('an abort while two waves run: both end aborted, the waves not started never start, in both engines', async () => {
    const ran = await bothEngines(plan([[], [], [], []], 2), [], [], {
      key: 'wave:0',
      leaf: 'precheck.checking',
    });
    // The plan step hears the recorded abort before the round's results, as the in-process plan
    // hears it while its waves run: no second round starts web and batch.
    expectSameRun(ran);
    for (const run of [ran.inProcess, ran.local]) {
      expect(outcomes(run)).toEqual(['db:aborted', 'app:aborted', 'web:not-started', 'batch:not-started']);
      expect((run.outcome as { outcome: string }).outcome).toBe('aborted');
      // Nothing crossed a point of no return in either engine.
      expect(run.requests.filter((r) => r.operation === 'StartFailbackLaunch')).toEqual([]);
    }
    // Only db and app ran as executions: the Map started no second round.
    expect(
      ran.local.executions
        .filter((e) => e.machine === 'wave')
        .map((e) => e.key)
        .sort(),
    ).toEqual(['wave:0', 'wave:1']);
  }, 60_000);

  it('the comparison fails when the engines disagree (a request of one wave dropped)', async () => {
    const ran = await bothEngines(plan([[], [], [], []], 2));
    const app = ran.local.byWave.app ?? [];
    const tampered = { ...ran, local: { ...ran.local, byWave: { ...ran.local.byWave, app: app.slice(1) } } };
    expect(() => expectSameRun(tampered)).toThrow();
  }, 60_000);
});

describe('history of a plan running waves under a Map', () => {
  const definitions = { plan: generateAsl('plan'), wave: generateAsl('wave') };
  const eventsOf = (e: LocalExecution) => estimatedHistoryEvents(e.log, definitions[e.machine]);
  const LIMIT = 200;

  it("the plan step's estimate agrees with the event log; under a low limit every execution stays under it, the run unchanged", async () => {
    const p = plan([[], [], ['db', 'app'], ['web']], 2);
    const unlimited = await runOnLocalStepFunctions(p, createSimulatedAws(toScenario(scenario())));
    const planExecution = unlimited.executions.find((e) => e.machine === 'plan');
    // The final state and the end of the execution come after the last step's estimate.
    expect(planExecution && eventsOf(planExecution)).toBe((planExecution?.estimatedEvents ?? 0) + 2 + 1);
    const limited = await runOnLocalStepFunctions(p, createSimulatedAws(toScenario(scenario())), {
      historyLimit: LIMIT,
    });
    // Non-vacuous: waves inside the Map continued as new, and so did the plan (during a round's step).
    const continued = limited.executions.filter((e) => e.continued);
    expect(continued.some((e) => e.machine === 'wave')).toBe(true);
    expect(continued.some((e) => e.machine === 'plan')).toBe(true);
    for (const execution of limited.executions.filter((e) => e.machine === 'wave'))
      expect(eventsOf(execution), execution.key).toBeLessThanOrEqual(LIMIT);
    // The plan checks its limit before each Map round; the waves' continuations inside a round (a
    // Pass, a Task and a Choice each) are counted once it ended, exactly, and may pass the limit.
    let continuations = 0;
    for (const execution of limited.executions.filter((e) => e.machine === 'plan')) {
      const inside = execution.log.filter(
        (e) => e.type === 'StateEntered' && e.state.name === 'running.sideBySide/next',
      ).length;
      continuations += inside;
      expect(eventsOf(execution) - inside * 9, execution.key).toBeLessThanOrEqual(LIMIT);
    }
    expect(continuations).toBeGreaterThan(0);
    const { plan: _limitedPlan, ...waveTraces } = limited.traces;
    const { plan: _plan, ...unlimitedWaveTraces } = unlimited.traces;
    expect(waveTraces).toEqual(unlimitedWaveTraces);
    expect(normalizeMintedIds(limited.requests)).toEqual(normalizeMintedIds(unlimited.requests));
    expect(normalizeMintedIds(limited.outcome)).toEqual(normalizeMintedIds(unlimited.outcome));
  }, 120_000);
});

describe('a Map round with spilled documents', () => {
  it('every snapshot and wave output over 300 bytes spilled: the outputs of a round are loaded, the run unchanged', async () => {
    const p = plan([[], [], ['db', 'app'], ['web']], 2);
    const inline = await runOnLocalStepFunctions(p, createSimulatedAws(toScenario(scenario())));
    const store = createMemorySnapshotStore();
    const spilled = await runOnLocalStepFunctions(p, createSimulatedAws(toScenario(scenario())), {
      spill: { store, maxInlineBytes: 300 },
    });
    // Non-vacuous: wave outputs left their executions by reference, into the Map's results.
    expect(store.keys().filter((k) => k.startsWith('output#')).length).toBeGreaterThanOrEqual(4);
    expect(spilled.traces).toEqual(inline.traces);
    expect(normalizeMintedIds(spilled.requests)).toEqual(normalizeMintedIds(inline.requests));
    expect(normalizeMintedIds(spilled.outcome)).toEqual(normalizeMintedIds(inline.outcome));
  }, 60_000);
});
