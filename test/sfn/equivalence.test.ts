// One lifecycle, two engines: every example runs in process (as the CLI does) and as the
// generated ASL under aws-local-stepfunctions, over the same simulated AWS (one world, or an
// estate of accounts and regions), approvals scripted. Leaf traces, AWS requests (operation,
// input, region, account) and outcomes must be identical; a plan running waves side by side
// (examples/estate) is compared wave by wave (test/sfn/per-wave.ts: the Map's rounds interleave
// the waves' requests differently and may start a wave later).
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isSequential } from '../../machines/wave-order.js';
import { loadPlan } from '../../src/plan/load.js';
import type { Plan } from '../../src/plan/types.js';
import { type Answer, normalizeMintedIds, runInProcess, runOnLocalStepFunctions } from './local-engine.js';
import { exampleWorlds, expectSameRunPerWave, requestsByWave, waveStarts } from './per-wave.js';

const EXAMPLES = readdirSync('examples', { withFileTypes: true })
  .filter((d) => d.isDirectory() && !['plans', 'scenarios', 'embedding'].includes(d.name))
  .map((d) => d.name)
  .sort();

const runsSideBySide = (plan: Plan) => !isSequential(plan.waves, plan.concurrency);

async function bothEngines(example: string, answers: Answer[] = []) {
  const plan = await loadPlan(`examples/${example}/plan.yaml`);
  const scenario = `examples/${example}/scenario.yaml`;
  const [inSim, localSim] = [exampleWorlds(plan, scenario), exampleWorlds(plan, scenario)];
  const inProcess = await runInProcess(plan, inSim, answers);
  const local = await runOnLocalStepFunctions(plan, localSim, { answers });
  // Requests by wave before the ids are numbered: a wave's ids are found in the worlds as minted.
  const byWave = [
    requestsByWave(plan, inProcess.requests, inSim.states()),
    requestsByWave(plan, local.requests, localSim.states()),
  ] as const;
  // Side by side, ids are numbered per wave (requestsByWave, the per-wave results): the order
  // they appear in across waves differs between the engines.
  const ids = [new Map<string, string>(), new Map<string, string>()] as const;
  const numbered = <T>(value: T, names: Map<string, string>) =>
    runsSideBySide(plan) ? value : normalizeMintedIds(value, names);
  return {
    plan,
    inProcess: {
      ...inProcess,
      byWave: byWave[0],
      requests: numbered(inProcess.requests, ids[0]),
      outcome: numbered(inProcess.outcome, ids[0]),
      notifications: numbered(inProcess.notifications, ids[0]),
    },
    local: {
      ...local,
      byWave: byWave[1],
      requests: numbered(local.requests, ids[1]),
      outcome: numbered(local.outcome, ids[1]),
      notifications: numbered(local.notifications, ids[1]),
    },
  };
}

type Ran = Awaited<ReturnType<typeof bothEngines>>;

/** A notification's subject names its wave (`[drs-failback] <plan> / <wave>: <state>`), or the plan. */
const subjectsByWave = (notifications: Ran['local']['notifications']) => {
  const out: Record<string, string[]> = {};
  for (const n of notifications) {
    const subject = (n.input as { Subject: string }).Subject;
    const wave = / \/ ([^:]+):/.exec(subject)?.[1] ?? '(plan)';
    out[wave] ??= [];
    out[wave].push(subject);
  }
  return out;
};

function expectSameRun(ran: Ran): void {
  if (runsSideBySide(ran.plan)) {
    expectSameRunSideBySide(ran);
    return;
  }
  const { inProcess, local } = ran;
  expect(Object.keys(local.traces).sort()).toEqual(Object.keys(inProcess.traces).sort());
  for (const [key, trace] of Object.entries(inProcess.traces)) expect(local.traces[key], key).toEqual(trace);
  expect(local.requests.length).toBe(inProcess.requests.length);
  expect(local.requests).toEqual(inProcess.requests);
  expect(local.outcome).toEqual(inProcess.outcome);
  // One notification per transition, the same Publish (topic, subject, message, attributes) in order.
  expect(local.notifications.length).toBe(inProcess.notifications.length);
  expect(local.notifications).toEqual(inProcess.notifications);
}

/**
 * Waves side by side, wave by wave: the waves' requests, results and notifications interleave
 * by the Map's rounds, and a wave that became ready while another of its round still ran starts
 * at the round's end (docs/step-functions.md, "The schedule difference").
 */
function expectSameRunSideBySide({ inProcess, local }: Ran): void {
  expectSameRunPerWave({ inProcess, local }, { startedLater: true });
  // One Publish per transition in both; per wave (and for the plan) the same subjects in order.
  expect(local.notifications.length).toBe(inProcess.notifications.length);
  expect(subjectsByWave(local.notifications)).toEqual(subjectsByWave(inProcess.notifications));
}

describe('in process and on Step Functions (local runner): identical runs', () => {
  it('covers every example folder', () => {
    expect(EXAMPLES.length).toBeGreaterThanOrEqual(11);
    // The estate (three accounts, two regions, waves side by side) is one of them.
    expect(EXAMPLES).toContain('estate');
  });

  it.each(EXAMPLES)('%s, every approval given', async (example) => {
    const ran = await bothEngines(example);
    expectSameRun(ran);
    // Non-vacuous: the run did call AWS and went past its first leaf.
    expect(ran.local.requests.length).toBeGreaterThan(0);
    expect(ran.local.traces['wave:0']?.length).toBeGreaterThan(1);
    // Every example has a topic: one Publish per transition of the run's log, each numbered.
    const states = ran.local.events.filter((e) => e.type === 'state');
    expect(ran.local.notifications).toHaveLength(states.length);
    const seqs = ran.local.notifications.map((n) => {
      const message = (n.input as { Message: string }).Message;
      return (JSON.parse(message.split('--- transition ---\n')[1] ?? '{}') as { seq: number }).seq;
    });
    expect(seqs).toEqual(states.map((_, i) => i + 1));
    expect(ran.local.events.filter((e) => e.type === 'notification')).toHaveLength(states.length);
  });

  it.each([
    ['three-wave', ['refuse'], 'aborted'],
    ['three-wave', ['approve', 'refuse'], 'aborted'],
    ['three-wave', ['timeout'], 'aborted'],
    ['ec2-origin', ['approve', 'refuse', 'approve'], 'completed'],
    ['ec2-origin', ['approve', 'approve', 'refuse'], 'completed'],
  ] as const)('%s, answers %j: %s', async (example, answers, outcome) => {
    const ran = await bothEngines(example, [...answers]);
    expectSameRun(ran);
    expect((ran.local.outcome as { outcome: string }).outcome).toBe(outcome);
  });

  it("estate: each wave in its own account and region, the failing wave's dependent skipped, one wave started later by the Map round", async () => {
    const ran = await bothEngines('estate');
    expectSameRun(ran);
    const outcomes = (run: { outcome: unknown }) =>
      (run.outcome as { waves: { name: string; outcome: string }[] }).waves.map(
        (w) => `${w.name}:${w.outcome}`,
      );
    for (const run of [ran.inProcess, ran.local]) {
      expect((run.outcome as { outcome: string }).outcome).toBe('backed-out');
      expect(outcomes(run)).toEqual([
        'analytics:completed',
        'reports:completed',
        'core-db:completed',
        'payments:completed',
        'ledger:backed-out',
        'frontend:not-started',
      ]);
    }
    // frontend (after payments and ledger) never ran as an execution; the other five did.
    expect(ran.local.traces['wave:5']).toBeUndefined();
    expect(
      ran.local.executions
        .filter((e) => e.machine === 'wave')
        .map((e) => e.key)
        .sort(),
    ).toEqual(['wave:0', 'wave:1', 'wave:2', 'wave:3', 'wave:4']);
    expect(ran.local.peakWaveExecutions).toBe(2);
    // Every wave's requests went to its own account and region, in both engines.
    const targets = { analytics: 'data/eu-west-1', reports: 'data/us-east-1', 'core-db': '-/us-east-1' };
    const where = { ...targets, payments: 'prod/us-east-1', ledger: 'prod/eu-west-1' };
    for (const run of [ran.inProcess, ran.local])
      for (const [wave, target] of Object.entries(where))
        expect(new Set(run.byWave[wave]?.map((r) => `${r.account ?? '-'}/${r.region}`)), wave).toEqual(
          new Set([target]),
        );
    expect(ran.local.byWave.ledger?.map((r) => r.operation)).toContain('StopFailback');
    // The schedule difference: in process payments starts when core-db ends; the Map's first
    // round (analytics and core-db) ends with analytics, later, and payments starts then.
    const ends = (events: Ran['local']['events'], wave: string) =>
      Date.parse(events.findLast((e) => e.type === 'state' && e.wave === wave)?.at ?? '');
    const [inStarts, localStarts] = [waveStarts(ran.inProcess.events), waveStarts(ran.local.events)];
    expect(inStarts.payments).toBe(ends(ran.inProcess.events, 'core-db'));
    expect(ends(ran.local.events, 'core-db')).toBeLessThan(ends(ran.local.events, 'analytics'));
    expect(localStarts.payments).toBe(ends(ran.local.events, 'analytics'));
    expect(localStarts.payments).toBeGreaterThan(inStarts.payments ?? 0);
    // The waves of the first round, and reports (ready when the round ends), start alike.
    for (const wave of ['analytics', 'core-db', 'reports'])
      expect(localStarts[wave], wave).toBe(inStarts[wave]);
  });

  it("estate: the comparison fails when a wave's request goes to another account", async () => {
    const ran = await bothEngines('estate');
    const [first, ...rest] = ran.local.byWave.payments ?? [];
    if (!first) throw new Error('payments sent no request');
    const tampered = {
      ...ran,
      local: {
        ...ran.local,
        byWave: { ...ran.local.byWave, payments: [{ ...first, account: 'data' }, ...rest] },
      },
    };
    expect(() => expectSameRun(tampered)).toThrow();
  });

  it('the comparison fails when a notification differs (a Publish with another subject)', async () => {
    const ran = await bothEngines('three-wave');
    const [first, ...rest] = ran.local.notifications;
    if (!first) throw new Error('no notification');
    const input = { ...(first.input as object), Subject: 'something else' };
    const tampered = { ...ran, local: { ...ran.local, notifications: [{ ...first, input }, ...rest] } };
    expect(() => expectSameRun(tampered)).toThrow();
  });

  it('the comparison fails when the engines disagree (a trace with a leaf removed)', async () => {
    const ran = await bothEngines('mixed-wave');
    const trace = ran.local.traces['wave:0'] ?? [];
    const tampered = {
      ...ran,
      local: { ...ran.local, traces: { ...ran.local.traces, 'wave:0': trace.slice(1) } },
    };
    expect(() => expectSameRun(tampered)).toThrow();
  });
});
