// The run's event log in DynamoDB (the run table, in memory): a run on the local Step Functions
// runner writes the same events as the CLI's `--json` stream, `seq` 1, 2, 3, ... with no gap. A
// plan running waves side by side (examples/estate) writes them wave by wave (the Map's rounds
// interleave the waves differently, and may start a wave later: docs/step-functions.md).
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isSequential } from '../../machines/wave-order.js';
import type { RunEvent } from '../../src/events.js';
import { loadPlan } from '../../src/plan/load.js';
import { createSimulatedAws } from '../../src/sim/index.js';
import {
  type Answer,
  comparable,
  normalizeMintedIds,
  runInProcess,
  runOnLocalStepFunctions,
} from './local-engine.js';
import { exampleWorlds, waveStarts } from './per-wave.js';

const EXAMPLES = readdirSync('examples', { withFileTypes: true })
  .filter((d) => d.isDirectory() && !['plans', 'scenarios', 'embedding'].includes(d.name))
  .map((d) => d.name)
  .sort();

async function bothLogs(
  example: string,
  answers: Answer[] = [],
  abortAt?: { key: string; leaf: string },
  withTimes = true,
) {
  const plan = await loadPlan(`examples/${example}/plan.yaml`);
  const scenario = `examples/${example}/scenario.yaml`;
  const inProcess = await runInProcess(plan, exampleWorlds(plan, scenario), answers, abortAt);
  const local = await runOnLocalStepFunctions(plan, exampleWorlds(plan, scenario), {
    answers,
    ...(abortAt ? { abortAt: { ...abortAt } } : {}),
  });
  return {
    plan,
    // Side by side, ids are numbered per wave (eventsByWave): across waves, the engines' orders differ.
    cliEvents: comparable(inProcess.events, withTimes),
    sfnEvents: comparable(local.events, withTimes),
    cli: normalizeMintedIds(comparable(inProcess.events, withTimes)),
    sfn: normalizeMintedIds(comparable(local.events, withTimes)),
    local,
    inProcess,
  };
}

type Logs = Awaited<ReturnType<typeof bothLogs>>;

/** The events naming each wave (state, check, job.log, cutover.drained, approvals), in order. */
function eventsByWave(events: readonly unknown[]): Record<string, Record<string, unknown>[]> {
  const out: Record<string, Record<string, unknown>[]> = {};
  for (const e of events as Record<string, unknown>[]) {
    if (typeof e.wave !== 'string') continue;
    out[e.wave] ??= [];
    out[e.wave]?.push(e);
  }
  for (const wave of Object.keys(out)) out[wave] = normalizeMintedIds(out[wave] ?? []);
  return out;
}

/** What an event is, without what it measured when it happened (instants, ages, budgets). */
const shape = (e: Record<string, unknown>) =>
  [e.type, e.machine, e.from, e.to, e.name, e.server, e.status, e.event, e.jobId].map(String).join(' ');

/**
 * Waves side by side: per wave, the same events in the same order. A wave that starts at the
 * same instant in both engines logs them identically, times included; a wave the Map started
 * later (the schedule difference) logs the same events, each later by that delay, with what they
 * measured then (the RTO budget left, the replication's last seen, a recovery point's age).
 * The run's own events are the same but for the instant the run ends; the AWS requests are
 * compared wave by wave by test/sfn/equivalence.test.ts, and here as a whole (same responses).
 */
function expectSameLogPerWave({
  cliEvents: cli,
  sfnEvents: sfn,
  inProcess,
  local,
}: Pick<Logs, 'cliEvents' | 'sfnEvents' | 'inProcess' | 'local'>): void {
  const [cliWaves, sfnWaves] = [eventsByWave(cli), eventsByWave(sfn)];
  expect(Object.keys(sfnWaves).sort()).toEqual(Object.keys(cliWaves).sort());
  const [inStarts, localStarts] = [waveStarts(inProcess.events), waveStarts(local.events)];
  for (const [wave, events] of Object.entries(cliWaves)) {
    const delay = (localStarts[wave] ?? 0) - (inStarts[wave] ?? 0);
    if (delay === 0) expect(sfnWaves[wave], wave).toEqual(events);
    else {
      expect(delay, wave).toBeGreaterThan(0);
      expect(sfnWaves[wave]?.map(shape), wave).toEqual(events.map(shape));
      const at = (e: Record<string, unknown>) => Date.parse(String(e.at));
      expect(
        sfnWaves[wave]?.map((e, i) => at(e) - at(events[i] ?? {})),
        wave,
      ).toEqual(events.map(() => delay));
    }
  }
  const runOwn = (events: readonly unknown[]) =>
    (events as Record<string, unknown>[]).flatMap((e) => {
      if (typeof e.wave === 'string' || String(e.type).startsWith('aws.')) return [];
      const { at: _at, ...rest } = e;
      return [rest];
    });
  expect(runOwn(sfn)).toEqual(runOwn(cli));
  // The same AWS traffic: as many requests, and the same responses (request ids included).
  const aws = (events: readonly unknown[], type: string) =>
    (events as Record<string, unknown>[])
      .filter((e) => e.type === type)
      .map(({ at: _at, ...rest }) => JSON.stringify(rest))
      .sort();
  expect(aws(sfn, 'aws.request').length).toBe(aws(cli, 'aws.request').length);
  expect(aws(sfn, 'aws.response')).toEqual(aws(cli, 'aws.response'));
}

describe('the event log of a run on Step Functions', () => {
  it.each(EXAMPLES)('%s: the same events as the CLI stream', async (example) => {
    const logs = await bothLogs(example);
    if (isSequential(logs.plan.waves, logs.plan.concurrency)) expect(logs.sfn).toEqual(logs.cli);
    else expectSameLogPerWave(logs);
    const { local } = logs;
    expect(local.events.map((e) => e.seq)).toEqual(local.events.map((_, i) => i + 1));
  });

  it('estate: payments and ledger start later on Step Functions, their events shifted alike; the comparison fails on a dropped event', async () => {
    const logs = await bothLogs('estate');
    const [inStarts, localStarts] = [waveStarts(logs.inProcess.events), waveStarts(logs.local.events)];
    const later = Object.keys(inStarts).filter((w) => localStarts[w] !== inStarts[w]);
    expect(later.sort()).toEqual(['ledger', 'payments']);
    // Non-vacuous: every kind of wave event is there, and one missing fails the comparison.
    const kinds = new Set(
      (logs.sfn as { type: string; wave?: string }[]).filter((e) => e.wave).map((e) => e.type),
    );
    expect([...kinds].sort()).toEqual(['check', 'cutover.drained', 'job.log', 'state']);
    for (const wave of ['core-db', 'payments']) {
      const index = (logs.sfnEvents as { wave?: string }[]).findIndex((e) => e.wave === wave);
      const sfnEvents = logs.sfnEvents.filter((_, i) => i !== index);
      expect(() => expectSameLogPerWave({ ...logs, sfnEvents }), wave).toThrow();
    }
  });
});

const plan3 = await loadPlan('examples/three-wave/plan.yaml');

describe('drs-failback abort, on both engines', () => {
  it('answering a waiting approval with ABORT: the wave ends aborted, nothing crossed', async () => {
    const { cli, sfn, local } = await bothLogs('three-wave', ['abort']);
    expect(sfn).toEqual(cli);
    expect((local.outcome as { outcome: string }).outcome).toBe('aborted');
    expect(local.requests.map((r) => r.operation)).not.toContain('StartFailbackLaunch');
  });

  it('during an activity: heard when the activity has ended (its result is kept), before the point of no return', async () => {
    const plan = await loadPlan('examples/three-wave/plan.yaml');
    const local = await runOnLocalStepFunctions(
      plan,
      createSimulatedAws('examples/three-wave/scenario.yaml'),
      {
        abortAt: { key: 'wave:0', leaf: 'precheck.checking' },
      },
    );
    expect((local.outcome as { outcome: string }).outcome).toBe('aborted');
    expect(local.traces['wave:0']).toEqual(['precheck.checking', 'aborted']);
    expect(local.requests.map((r) => r.operation)).not.toContain('StartFailbackLaunch');
    // The precheck's result was heard first: the wave passed through its approval to `aborted`.
    const states = local.events.flatMap((e) => (e.type === 'state' && e.machine === 'wave' ? [e.to] : []));
    expect(states.slice(0, 3)).toEqual(['precheck', 'awaitingApproval', 'aborted']);
  });

  it('past the point of no return (a job poll wait): the wave backs out with StopFailback, after the wait', async () => {
    const abortAt = { key: 'wave:0', leaf: 'monitoringJob.waiting' };
    const { cli, sfn, local, inProcess } = await bothLogs('three-wave', [], abortAt, false);
    expect(sfn).toEqual(cli);
    expect((local.outcome as { outcome: string }).outcome).toBe('backed-out');
    const operations = local.requests.map((r) => r.operation);
    expect(operations).toContain('StartFailbackLaunch');
    expect(operations).toContain('StopFailback');
    const backout = (events: readonly RunEvent[]) =>
      events.find((e) => e.type === 'state' && e.to.startsWith('backout'));
    expect(backout(local.events)).toMatchObject({ reason: expect.stringContaining('asked by the test') });
    // Heard at the step after the Wait: later than in process by at most one poll interval.
    const late =
      Date.parse(backout(local.events)?.at ?? '') - Date.parse(backout(inProcess.events)?.at ?? '');
    expect(late).toBeGreaterThan(0);
    expect(late).toBeLessThanOrEqual(plan3.polling.maxMs);
  });

  it('an approval given as the abort is recorded: the abort wins, nothing crosses', async () => {
    const plan = await loadPlan('examples/three-wave/plan.yaml');
    const local = await runOnLocalStepFunctions(
      plan,
      createSimulatedAws('examples/three-wave/scenario.yaml'),
      {
        answers: ['approve'],
        abortAt: { key: 'wave:0', leaf: 'awaitingApproval' },
      },
    );
    expect((local.outcome as { outcome: string }).outcome).toBe('aborted');
    expect(local.requests.map((r) => r.operation)).not.toContain('StartFailbackLaunch');
    expect(local.events.map((e) => e.type)).not.toContain('approval.given');
  });

  it('right before the point of no return (no approval): the actor refuses the call, the wave ends aborted, no backout', async () => {
    const plan = await loadPlan('examples/job-timeout/plan.yaml');
    expect(plan.approval).toBe('none');
    const local = await runOnLocalStepFunctions(
      plan,
      createSimulatedAws('examples/job-timeout/scenario.yaml'),
      // The drain's last measure: the leaf after it crosses the point of no return.
      { abortAt: { key: 'wave:0', leaf: 'cutover.draining.measuring' } },
    );
    expect((local.outcome as { outcome: string }).outcome).toBe('aborted');
    const operations = local.requests.map((r) => r.operation);
    expect(operations).not.toContain('StartFailbackLaunch');
    expect(operations).not.toContain('StopFailback');
    expect(local.traces['wave:0']?.slice(-3)).toEqual([
      'cutover.draining.measuring',
      'startingFailback.sending',
      'aborted',
    ]);
  });

  it('the comparison is not vacuous: it fails on a missing state event', async () => {
    const { cli, sfn } = await bothLogs('mixed-wave');
    const kinds = new Set((sfn as { type: string }[]).map((e) => e.type));
    for (const type of [
      'run.started',
      'state',
      'check',
      'approval.requested',
      'approval.given',
      'aws.request',
      'run.finished',
    ])
      expect(kinds).toContain(type);
    const index = (sfn as { type: string }[]).findIndex((e) => e.type === 'state');
    expect(() => expect(sfn.filter((_, i) => i !== index)).toEqual(cli)).toThrow();
  });
});
