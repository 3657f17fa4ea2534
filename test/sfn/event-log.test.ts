// The run's event log in DynamoDB (the run table, in memory): a run on the local Step Functions
// runner writes the same events as the CLI's `--json` stream, `seq` 1, 2, 3, ... with no gap.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/events.js';
import { loadPlan } from '../../src/plan/load.js';
import { createSimulatedAws } from '../../src/sim/index.js';
import { isEstateScenario } from '../support/example-world.js';
import {
  type Answer,
  comparable,
  normalizeMintedIds,
  runInProcess,
  runOnLocalStepFunctions,
} from './local-engine.js';

// examples/estate (an estate scenario: waves side by side in several accounts) is left out until
// the local Step Functions harness runs side-by-side plans (it stops in running.sideBySide today).
const EXAMPLES = readdirSync('examples', { withFileTypes: true })
  .filter((d) => d.isDirectory() && !['plans', 'scenarios', 'embedding'].includes(d.name))
  .map((d) => d.name)
  .filter((name) => !isEstateScenario(`examples/${name}/scenario.yaml`))
  .sort();

async function bothLogs(
  example: string,
  answers: Answer[] = [],
  abortAt?: { key: string; leaf: string },
  withTimes = true,
) {
  const plan = await loadPlan(`examples/${example}/plan.yaml`);
  const scenario = `examples/${example}/scenario.yaml`;
  const inProcess = await runInProcess(plan, createSimulatedAws(scenario), answers, abortAt);
  const local = await runOnLocalStepFunctions(plan, createSimulatedAws(scenario), {
    answers,
    ...(abortAt ? { abortAt: { ...abortAt } } : {}),
  });
  return {
    cli: normalizeMintedIds(comparable(inProcess.events, withTimes)),
    sfn: normalizeMintedIds(comparable(local.events, withTimes)),
    local,
    inProcess,
  };
}

describe('the event log of a run on Step Functions', () => {
  it.each(EXAMPLES)('%s: the same events as the CLI stream', async (example) => {
    const { cli, sfn, local } = await bothLogs(example);
    expect(sfn).toEqual(cli);
    expect(local.events.map((e) => e.seq)).toEqual(local.events.map((_, i) => i + 1));
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
