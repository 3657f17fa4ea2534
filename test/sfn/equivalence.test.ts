// One lifecycle, two engines: every example runs in process (as the CLI does) and as the
// generated ASL under aws-local-stepfunctions, over the same simulated AWS, approvals scripted.
// Leaf traces, AWS requests (operation and input) and outcomes must be identical.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadPlan } from '../../src/plan/load.js';
import { createSimulatedAws } from '../../src/sim/index.js';
import { type Answer, normalizeMintedIds, runInProcess, runOnLocalStepFunctions } from './local-engine.js';

const EXAMPLES = readdirSync('examples', { withFileTypes: true })
  .filter((d) => d.isDirectory() && !['plans', 'scenarios', 'embedding'].includes(d.name))
  .map((d) => d.name)
  .sort();

async function bothEngines(example: string, answers: Answer[] = []) {
  const plan = await loadPlan(`examples/${example}/plan.yaml`);
  const scenario = `examples/${example}/scenario.yaml`;
  const inProcess = await runInProcess(plan, createSimulatedAws(scenario), answers);
  const local = await runOnLocalStepFunctions(plan, createSimulatedAws(scenario), { answers });
  const ids = [new Map<string, string>(), new Map<string, string>()] as const;
  return {
    inProcess: {
      ...inProcess,
      requests: normalizeMintedIds(inProcess.requests, ids[0]),
      outcome: normalizeMintedIds(inProcess.outcome, ids[0]),
      notifications: normalizeMintedIds(inProcess.notifications, ids[0]),
    },
    local: {
      ...local,
      requests: normalizeMintedIds(local.requests, ids[1]),
      outcome: normalizeMintedIds(local.outcome, ids[1]),
      notifications: normalizeMintedIds(local.notifications, ids[1]),
    },
  };
}

type Ran = Awaited<ReturnType<typeof bothEngines>>;

function expectSameRun({ inProcess, local }: Ran): void {
  expect(Object.keys(local.traces).sort()).toEqual(Object.keys(inProcess.traces).sort());
  for (const [key, trace] of Object.entries(inProcess.traces)) expect(local.traces[key], key).toEqual(trace);
  expect(local.requests.length).toBe(inProcess.requests.length);
  expect(local.requests).toEqual(inProcess.requests);
  expect(local.outcome).toEqual(inProcess.outcome);
  // One notification per transition, the same Publish (topic, subject, message, attributes) in order.
  expect(local.notifications.length).toBe(inProcess.notifications.length);
  expect(local.notifications).toEqual(inProcess.notifications);
}

describe('in process and on Step Functions (local runner): identical runs', () => {
  it('covers every example folder', () => {
    expect(EXAMPLES.length).toBeGreaterThanOrEqual(11);
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
