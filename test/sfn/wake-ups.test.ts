// Events wake the waits on Step Functions: the generated ASL under aws-local-stepfunctions, over
// the simulated AWS whose DRS publishes its failback state changes. The job poll wait is a
// callback Task: the wait Lambda stores its token in the wait registry (the run table, in memory),
// the waker Lambda answers it with WAKE once every server of the launch reported, and otherwise
// it times out after the poll delay (a poll, as without events). Polling stays the authority.

import { describe, expect, it } from 'vitest';
import type { EventObject } from 'xstate';
import type { RunEvent } from '../../src/events.js';
import { parsePlan } from '../../src/plan/load.js';
import { type Command, type StepState, step, type TaskOutcome } from '../../src/sfn/step.js';
import { createSimulatedAws, toScenario } from '../../src/sim/index.js';
import { unrelatedDrsEvents } from '../support/unrelated-drs-events.js';
import {
  comparable,
  type EngineRun,
  type LocalEngineOptions,
  normalizeMintedIds,
  RUN_ID,
  runInProcess,
  runOnLocalStepFunctions,
} from './local-engine.js';

const MIN = 60_000;
const IDS = ['s-1234567890abcdef0', 's-abcdef01234567890'];
const RIS = ['i-1111111111111111a', 'i-2222222222222222b'];
const PLAN_TEXT = `version: 1
name: wake
region: us-east-1
objectives: { rpo: 15m, rto: 8h }
approval: none
polling: { interval: 5m, max: 5m }
waves:
  - name: db
    servers: [{ sourceServerID: ${IDS[0]} }, { sourceServerID: ${IDS[1]} }]
`;
const PLAN = parsePlan(PLAN_TEXT, 'plan.yaml');
/** The first server's TCP probe fails for the first 40 minutes: the wave verifies until then. */
const PROBED_PLAN = parsePlan(
  PLAN_TEXT.replace(
    `{ sourceServerID: ${IDS[0]} }`,
    `{ sourceServerID: ${IDS[0]}, verify: { probes: [{ tcp: 'db.internal:5432' }] } }`,
  ),
  'plan.yaml',
);

const world = (probeOkAfter?: string) =>
  createSimulatedAws(
    toScenario({
      seed: 5,
      defaults: { launch: { duration: '20m' }, jobStartDelay: '30s' },
      ...(probeOkAfter
        ? { probes: [{ tcp: 'db.internal:5432', result: 'fail-until' as const, until: probeOkAfter }] }
        : {}),
      servers: IDS.map((id, i) => ({ sourceServerID: id, recoveryInstanceID: RIS[i] })),
    }),
  );

type Events = LocalEngineOptions['events'];

/** Minutes from the run's start to an event. */
const minutesOf = (events: readonly RunEvent[], event: RunEvent | undefined) =>
  event ? (Date.parse(event.at) - Date.parse(events[0]?.at ?? '')) / MIN : Number.NaN;

function timings(run: EngineRun) {
  const { events } = run;
  const at = (predicate: (e: RunEvent) => boolean) => minutesOf(events, events.find(predicate));
  const polls = events.filter((e) => e.type === 'aws.request' && e.operation === 'DescribeJobs');
  return {
    launchedAt: at((e) => e.type === 'aws.request' && e.operation === 'StartFailbackLaunch'),
    verifying: at((e) => e.type === 'state' && e.to === 'verifying'),
    lastPoll: minutesOf(events, polls.at(-1)),
    polls: polls.length,
  };
}

const onStepFunctions = (events?: Events) => runOnLocalStepFunctions(PLAN, world(), events ? { events } : {});

const answered = (run: Awaited<ReturnType<typeof onStepFunctions>>) =>
  run.wakeUps.results.flatMap((r) => r.woken).filter((w) => w.answered).length;

describe('events wake the job poll wait on Step Functions (local runner)', () => {
  it('an event mid-wait ends it early: the read happens at the event, not at the next poll', async () => {
    const polling = await onStepFunctions();
    const woken = await onStepFunctions({});
    expect((polling.outcome as { outcome: string }).outcome).toBe('completed');
    expect((woken.outcome as { outcome: string }).outcome).toBe('completed');
    const p = timings(polling);
    const w = timings(woken);
    // The job ends 30 s + 20 min after StartFailbackLaunch; the events arrive 2 s later, and the
    // DescribeJobs that sees the end is sent then, from the woken wait.
    const jobEnd = w.launchedAt + 0.5 + 20;
    expect(w.lastPoll).toBeCloseTo(jobEnd + 2 / 60, 6);
    expect(w.verifying).toBeCloseTo(jobEnd + 2 / 60, 6);
    // Polling alone reads it at the next 5-minute poll after the end.
    expect(p.verifying).toBeGreaterThan(jobEnd + 1);
    expect(w.polls).toBeLessThanOrEqual(p.polls);
    // One wave woken once (one SendTaskSuccess) for its two servers' events.
    expect(answered(woken)).toBe(1);
    expect(woken.wakeUps.published.filter((e) => e.detail.state === 'FAILBACK_COMPLETED')).toHaveLength(2);
    // The trace shows the same leaves: the wait was entered and left for the poll, only sooner.
    expect(woken.traces['wave:0']).toEqual(polling.traces['wave:0']);
    // And the ended wait is visible in the local runner's log: the callback Task succeeded (WAKE).
    const wave = woken.executions.find((e) => e.key === 'wave:0');
    const ends = (wave?.log ?? []).flatMap((e) =>
      e.type === 'StateExited' && e.state.name === 'monitoringJob.waiting' ? [e.state.output] : [],
    );
    expect(ends.filter((output) => JSON.stringify(output).includes('"WAKE"'))).toHaveLength(1);
    // Non-vacuous: the waits before it timed out (each a poll, as without events).
    expect(ends.length).toBeGreaterThan(1);
  }, 60_000);

  it('is the same run as the in-process engine woken by the same events (traces, requests, event times)', async () => {
    const inProcess = await runInProcess(PLAN, world(), [], undefined, {});
    const local = await onStepFunctions({});
    expect(local.traces).toEqual(inProcess.traces);
    expect(normalizeMintedIds(local.requests)).toEqual(normalizeMintedIds(inProcess.requests));
    expect(normalizeMintedIds(local.outcome)).toEqual(normalizeMintedIds(inProcess.outcome));
    const times = (run: EngineRun) =>
      comparable(run.events).map((e) => {
        const { type, at, operation, to } = e as {
          type: string;
          at: string;
          operation?: string;
          to?: string;
        };
        return { type, at, operation, to };
      });
    expect(times(local)).toEqual(times(inProcess));
    // Non-vacuous: the in-process run was woken early too.
    expect(timings(inProcess).verifying).toBe(timings(local).verifying);
  }, 60_000);

  it('a lost event: the wave still completes by polling, as without events', async () => {
    const polling = await onStepFunctions();
    const lost = await onStepFunctions({
      lose: (e) => e.detail.recoveryInstanceID === RIS[1] && e.detail.state === 'FAILBACK_COMPLETED',
    });
    expect(lost.outcome).toEqual(polling.outcome);
    expect(answered(lost)).toBe(0);
    expect(timings(lost)).toEqual(timings(polling));
    expect(normalizeMintedIds(lost.requests)).toEqual(normalizeMintedIds(polling.requests));
    expect(lost.traces).toEqual(polling.traces);
    // Non-vacuous: the other server's end state was delivered, and woke nothing alone.
    expect(lost.wakeUps.results.length).toBeGreaterThan(0);
  }, 60_000);

  it("an event that comes after the wave's poll saw the end wakes nothing: its Task's token is dead", async () => {
    const polling = await runOnLocalStepFunctions(PROBED_PLAN, world('40m'));
    // Delivered 6 minutes late: the 5-minute poll saw the job end first, the wave verifies.
    const late = await runOnLocalStepFunctions(PROBED_PLAN, world('40m'), { events: { delayMs: 6 * MIN } });
    expect(late.outcome).toEqual(polling.outcome);
    expect(timings(late)).toEqual(timings(polling));
    expect(late.traces).toEqual(polling.traces);
    // The waker ended the registered wait with the last job poll wait's token, which had timed
    // out: SendTaskSuccess answered TaskTimedOut, ignored.
    expect(late.wakeUps.results.flatMap((r) => r.woken)).toEqual([
      { runId: RUN_ID, wave: 'db', answered: false },
    ]);
    // Non-vacuous: it arrived while the wave was verifying, before the run finished.
    const finished = (run: EngineRun) =>
      minutesOf(
        run.events,
        run.events.find((e) => e.type === 'run.finished'),
      );
    const t = timings(late);
    expect(t.verifying).toBeLessThan(t.launchedAt + 0.5 + 20 + 6);
    expect(finished(late)).toBeGreaterThan(t.launchedAt + 0.5 + 20 + 6);
    // And the in-process engine agrees: the same traces and requests.
    const inProcess = await runInProcess(PROBED_PLAN, world('40m'), [], undefined, { delayMs: 6 * MIN });
    expect(late.traces).toEqual(inProcess.traces);
    expect(normalizeMintedIds(late.requests)).toEqual(normalizeMintedIds(inProcess.requests));
  }, 60_000);

  it('a duplicate or unrelated event changes nothing', async () => {
    const once = await onStepFunctions({});
    const noisy = await onStepFunctions({ repeat: () => true, extra: unrelatedDrsEvents });
    expect(noisy.outcome).toEqual(once.outcome);
    expect(answered(noisy)).toBe(1);
    expect(timings(noisy)).toEqual(timings(once));
    expect(noisy.traces).toEqual(once.traces);
    expect(normalizeMintedIds(noisy.requests)).toEqual(normalizeMintedIds(once.requests));
    // Non-vacuous: the waker saw six times as many events (each twice, each with two unrelated).
    expect(noisy.wakeUps.results.length).toBe(6 * once.wakeUps.results.length);
  }, 60_000);
});

describe('the step after the job poll wait', () => {
  /** A real request of the wave's `monitoringJob.waiting/step`, taken from a local run's log. */
  async function waitStepRequest(): Promise<StepState & { outcome: TaskOutcome }> {
    const run = await onStepFunctions();
    const wave = run.executions.find((e) => e.key === 'wave:0');
    const entered = (wave?.log ?? []).find(
      (e) => e.type === 'StateEntered' && e.state.name === 'monitoringJob.waiting/step',
    );
    if (entered?.type !== 'StateEntered') throw new Error('the wave never waited for its job');
    return entered.state.input as unknown as StepState & { outcome: TaskOutcome };
  }

  it('the command names the waiting wave and a positive timeout; timeout polls, WAKE polls with its own now', async () => {
    const request = await waitStepRequest();
    const command = request.command as Extract<Command, { kind: 'wait' }>;
    expect(command.wake).toEqual({ runId: RUN_ID, wave: 'db' });
    expect(command.timeoutSeconds).toBe(Math.max(1, command.seconds));
    const timedOut = step({ ...request, outcome: { Error: 'States.Timeout', Cause: 'timed out' } });
    expect(timedOut.command.state).toBe('monitoringJob.polling');
    const now = (request.snapshot.context as { now: number }).now + 61_000;
    const wake: EventObject = { type: 'WAKE', now, wave: 'db' } as EventObject;
    const woken = step({ ...request, outcome: { kind: 'event', event: wake } });
    expect(woken.command.state).toBe('monitoringJob.polling');
    expect((woken.snapshot.context as { now: number }).now).toBe(now);
    // The wait Lambda failed after the Task's retries: the wait cannot be woken, DRS is read now.
    const failed = step({ ...request, outcome: { Error: 'Lambda.Unknown', Cause: 'crashed' } });
    expect(failed.command.state).toBe('monitoringJob.polling');
  }, 60_000);

  it('refuses anything but a WAKE with a time as the answer of a wait', async () => {
    const request = await waitStepRequest();
    expect(() => step({ ...request, outcome: { kind: 'event', event: { type: 'APPROVE' } } })).toThrow(
      /does not end a wait/,
    );
    expect(() => step({ ...request, outcome: { kind: 'event', event: { type: 'WAKE' } } })).toThrow(
      /does not end a wait/,
    );
  }, 60_000);
});
