// Waves side by side: `waves[].after` and `concurrency`, run against the simulated AWS on its
// virtual clock. Launch jobs take 20 virtual minutes, so waves that overlap in time show it.
import { describe, expect, it } from 'vitest';
import { ConfigError, formatProblem } from '../../src/config/index.js';
import type { RunEvent } from '../../src/events.js';
import { parsePlan } from '../../src/plan/load.js';
import { createFailbackRun } from '../../src/run.js';
import { createSimulatedAws, type ScenarioFile, toScenario } from '../../src/sim/index.js';

const IDS = ['s-1234567890abcdef0', 's-abcdef01234567890', 's-0000000000000000a', 's-0000000000000000b'];
const WAVES = ['db', 'app', 'web', 'batch'];

/** Four waves, one server each; `after` per wave (undefined: the default), and the plan's concurrency. */
function planText(after: (string[] | undefined)[], concurrency?: number): string {
  const waves = WAVES.map((name, i) => {
    const deps = after[i];
    const afterLine = deps === undefined ? '' : `    after: [${deps.join(', ')}]\n`;
    return `  - name: ${name}\n${afterLine}    servers: [{ sourceServerID: ${IDS[i]} }]\n`;
  }).join('');
  return `version: 1
name: side-by-side
region: us-east-1
objectives: { rpo: 15m, rto: 8h }
approval: none
${concurrency === undefined ? '' : `concurrency: ${concurrency}\n`}waves:
${waves}`;
}

function scenario(failing: string[] = []): ScenarioFile {
  return {
    seed: 7,
    servers: IDS.map((id, i) => ({
      sourceServerID: id,
      recoveryInstanceID: `i-${String(i + 1).repeat(16)}a`,
      ...(failing.includes(WAVES[i] ?? '') ? { launch: { result: 'failed' as const } } : {}),
    })),
  };
}

async function runPlan(text: string, failing: string[] = []) {
  const sim = createSimulatedAws(toScenario(scenario(failing)));
  const run = createFailbackRun({
    plan: parsePlan(text, 'plan.yaml'),
    clients: sim.clients,
    clock: sim.clock,
    probes: sim.probes,
    runId: 'run-20260101T000000Z-abcdef',
  });
  const events: RunEvent[] = [];
  run.on((e) => events.push(e));
  const result = await sim.clock.run(run.start());
  const t0 = Date.parse(events[0]?.at ?? '');
  /** Minutes since the start at which `wave` entered `state` (first time), or undefined. */
  const at = (wave: string, state: string) => {
    const e = events.find((x) => x.type === 'state' && x.wave === wave && x.to === state);
    return e ? (Date.parse(e.at) - t0) / 60_000 : undefined;
  };
  return { result, events, at, sim };
}

describe('waves side by side (in-process engine, simulated AWS)', () => {
  it('two independent waves overlap in virtual time; a dependent waits for both', async () => {
    // db and app independent; web after both; batch after web.
    const { result, at } = await runPlan(planText([[], [], ['db', 'app'], undefined], 2));
    expect(result.outcome).toBe('completed');
    // Both launch at once, at the start: neither waited for the other's 20-minute job.
    expect(at('db', 'startingFailback')).toBe(at('app', 'startingFailback'));
    const dbDone = at('db', 'completed') ?? Number.NaN;
    const appDone = at('app', 'completed') ?? Number.NaN;
    expect(at('app', 'startingFailback')).toBeLessThan(dbDone);
    // web starts only when the later of its two dependencies completed, batch after web.
    expect(at('web', 'precheck')).toBe(Math.max(dbDone, appDone));
    expect(at('batch', 'precheck')).toBe(at('web', 'completed'));
    expect(result.waves.map((w) => w.name)).toEqual(WAVES);
  });

  it('the concurrency bounds how many run at once', async () => {
    const { result, at } = await runPlan(planText([[], [], [], []], 2));
    expect(result.outcome).toBe('completed');
    // Two at the start; the third starts when the first of them completes.
    expect(at('db', 'precheck')).toBe(0);
    expect(at('app', 'precheck')).toBe(0);
    const firstDone = Math.min(at('db', 'completed') ?? Number.NaN, at('app', 'completed') ?? Number.NaN);
    expect(at('web', 'precheck')).toBe(firstDone);
    expect(firstDone).toBeGreaterThan(20);
  });

  it('a failing wave stops only the waves that depend on it (transitively)', async () => {
    // db fails its launch: web (after db) and batch (after web) never start; app completes.
    const { result, at, events } = await runPlan(planText([[], [], ['db'], ['web']], 2), ['db']);
    expect(result.waves.map((w) => [w.name, w.outcome])).toEqual([
      ['db', 'backed-out'],
      ['app', 'completed'],
      ['web', 'not-started'],
      ['batch', 'not-started'],
    ]);
    expect(result.outcome).toBe('backed-out');
    expect(at('web', 'precheck')).toBeUndefined();
    expect(events.at(-1)).toMatchObject({
      type: 'run.finished',
      outcome: 'backed-out',
      waves: [
        { name: 'db', outcome: 'backed-out' },
        { name: 'app', outcome: 'completed' },
        { name: 'web', outcome: 'not-started' },
        { name: 'batch', outcome: 'not-started' },
      ],
    });
  });

  it('without after and concurrency the waves run one after another, as before', async () => {
    const { result, at } = await runPlan(planText([undefined, undefined, undefined, undefined]));
    expect(result.outcome).toBe('completed');
    for (let i = 1; i < WAVES.length; i++) {
      expect(at(WAVES[i] ?? '', 'precheck')).toBe(at(WAVES[i - 1] ?? '', 'completed'));
    }
  });

  it('concurrency alone (no after) keeps the default chain: one after another', async () => {
    const { at } = await runPlan(planText([undefined, undefined, undefined, undefined], 3));
    expect(at('app', 'precheck')).toBe(at('db', 'completed'));
  });
});

describe('approvals of waves that wait at once', () => {
  it('asks for each, naming its wave; an answer goes to the wave it names, the oldest first otherwise', async () => {
    const text = planText([[], [], undefined, undefined], 2).replace('approval: none', 'approval: per-wave');
    const sim = createSimulatedAws(toScenario(scenario()));
    const run = createFailbackRun({
      plan: parsePlan(text.replace(/ {2}- name: web[\s\S]*$/, ''), 'plan.yaml'),
      clients: sim.clients,
      clock: sim.clock,
      probes: sim.probes,
    });
    const events: RunEvent[] = [];
    const answers: string[] = [];
    run.on((e) => {
      events.push(e);
      if (e.type !== 'approval.requested') return;
      // Once both wait: app is answered by name first, then the oldest (db) without a name.
      if (events.filter((x) => x.type === 'approval.requested').length < 2) return;
      queueMicrotask(() => {
        expect(run.pendingApproval()?.wave).toBe('db');
        answers.push(
          `app:${JSON.stringify(run.answer('approve', { approver: 'alice', via: 'api' }, { wave: 'app' }))}`,
        );
        expect(run.pendingApproval()?.wave).toBe('db');
        answers.push(`stale:${run.answer('approve', { approver: 'bob', via: 'api' }, { wave: 'app' }).ok}`);
        answers.push(`oldest:${run.approve('carol')}`);
      });
    });
    const result = await sim.clock.run(run.start());
    expect(result.outcome).toBe('completed');
    expect(answers).toEqual(['app:{"ok":true}', 'stale:false', 'oldest:true']);
    const approvals = events.flatMap((e) =>
      e.type === 'approval.requested' || e.type === 'approval.given' ? [`${e.type} ${e.wave}`] : [],
    );
    expect(approvals).toEqual([
      'approval.requested db',
      'approval.requested app',
      'approval.given app',
      'approval.given db',
    ]);
    // Each wave launched only after its own approval: app's launch comes first.
    const launches = events.flatMap((e) =>
      e.type === 'state' && e.to === 'startingFailback' ? [e.wave] : [],
    );
    expect(launches).toEqual(['app', 'db']);
  });
});

describe('plan validation of waves[].after', () => {
  const problems = (text: string): string[] => {
    try {
      parsePlan(text, 'plan.yaml');
    } catch (error) {
      if (error instanceof ConfigError) return error.problems.map(formatProblem);
      throw error;
    }
    return [];
  };

  it('names an unknown wave and lists the waves', () => {
    expect(problems(planText([[], ['dbs'], undefined, undefined]))).toEqual([
      'plan.yaml:11 waves[1].after[0]: "dbs" is not the name of a wave of this plan; waves: db, app, web, batch',
    ]);
  });

  it('refuses a wave after itself and a circle, naming the waves in it', () => {
    expect(problems(planText([['batch'], undefined, undefined, undefined]))).toEqual([
      'plan.yaml:8 waves[0].after: the waves wait for each other in a circle: db -> batch -> web -> app -> db (each starts after the next); no wave of it could ever start',
    ]);
    expect(problems(planText([[], ['app'], undefined, undefined]))).toEqual([
      'plan.yaml:11 waves[1].after[0]: a wave cannot start after itself ("app")',
    ]);
  });

  it('refuses a concurrency below 1', () => {
    expect(problems(planText([], 0))).toHaveLength(1);
  });
});
