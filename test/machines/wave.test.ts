import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createActor, toPromise } from 'xstate';
import { leafPath, waveLifecycle } from '../../machines/lifecycle.js';
import {
  describeWavePointOfNoReturn,
  MAX_PRECHECK_ATTEMPTS,
  MAX_START_ATTEMPTS,
  MAX_STOP_ATTEMPTS,
  type WaveInput,
  waveMachine,
} from '../../machines/wave.machine.js';
import { activityActors } from '../../src/run.js';
import {
  type ActivityCall,
  type ActivityName,
  type Script,
  scriptedActivities,
} from '../support/fake-activities.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const MIN = 60_000;
const input = (over: Partial<WaveInput> = {}): WaveInput => ({
  runId: 'run-1',
  waveIndex: 0,
  wave: { name: 'db', servers: [{ sourceServerID: 's-00000000000000001' }] },
  requiresApproval: false,
  rpoMs: 15 * MIN,
  runStartedAt: T0,
  rtoDeadlineAt: T0 + 4 * 60 * MIN,
  polling: { intervalMs: 15_000, maxMs: 5 * MIN },
  verifyTimeoutMs: 20 * MIN,
  jobTimeoutMs: 2 * 60 * MIN,
  restore: 'if-unhealthy',
  jitterSeed: 7,
  now: T0,
  ...over,
});
const pending = { verdict: 'pending' as const };
const throttled = {
  kind: 'throttled' as const,
  name: 'ThrottlingException',
  operation: 'DescribeJobs',
  message: 'slow down',
  retryable: true,
  retryAfterMs: 40_000,
};

function start(script: Script, over: Partial<WaveInput> = {}) {
  const calls: (ActivityCall & { at: number })[] = [];
  const record: ActivityCall[] = [];
  const activities = scriptedActivities(script, record);
  const timed = Object.fromEntries(
    Object.entries(activities).map(([name, fn]) => [
      name,
      (i: unknown) => {
        calls.push({ name: name as ActivityName, input: i, at: Date.now() });
        return (fn as (x: unknown) => Promise<unknown>)(i);
      },
    ]),
  ) as unknown as typeof activities;
  const actor = createActor(waveMachine.provide({ actors: activityActors(timed) }), { input: input(over) });
  actor.start();
  return { actor, calls, names: () => calls.map((c) => c.name), done: toPromise(actor) };
}

describe('wave machine', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(T0);
  });
  afterEach(() => vi.useRealTimers());

  it('runs precheck, start, poll, verify and completes; polls at the plan interval', async () => {
    const w = start({ pollJobs: [pending, pending, { verdict: 'launched' }] });
    await vi.advanceTimersByTimeAsync(5 * MIN);
    const out = await w.done;
    expect(out.outcome).toBe('completed');
    expect(w.names()).toEqual([
      'precheck',
      'startFailback',
      'pollJobs',
      'pollJobs',
      'pollJobs',
      'verifyFailback',
    ]);
    const polls = w.calls.filter((c) => c.name === 'pollJobs').map((c) => c.at);
    const gaps = polls.slice(1).map((t, i) => t - (polls[i] ?? 0));
    for (const gap of gaps) {
      expect(gap).toBeGreaterThanOrEqual(13_500); // interval minus at most 10% jitter
      expect(gap).toBeLessThanOrEqual(15_000);
    }
  });

  it('waits for approval and starts only after APPROVE', async () => {
    const w = start({}, { requiresApproval: true });
    await vi.advanceTimersByTimeAsync(60 * MIN);
    expect(w.actor.getSnapshot().value).toBe('awaitingApproval');
    expect(w.names()).toEqual(['precheck']);
    w.actor.send({ type: 'APPROVE', by: 'alice' });
    await vi.advanceTimersByTimeAsync(MIN);
    const out = await w.done;
    expect(out.outcome).toBe('completed');
    expect(w.actor.getSnapshot().context.approval).toEqual({ by: 'alice', at: T0 });
  });

  it('REFUSE aborts with nothing started', async () => {
    const w = start({}, { requiresApproval: true });
    await vi.advanceTimersByTimeAsync(1);
    w.actor.send({ type: 'REFUSE', by: 'bob' });
    const out = await w.done;
    expect(out.outcome).toBe('aborted');
    expect(out.failure).toEqual({ code: 'approval-refused', message: 'approval refused by bob' });
    expect(w.names()).not.toContain('startFailback');
  });

  it('aborts when the RTO deadline passes while awaiting approval', async () => {
    const w = start({}, { requiresApproval: true, rtoDeadlineAt: T0 + 30 * MIN });
    await vi.advanceTimersByTimeAsync(30 * MIN);
    const out = await w.done;
    expect(out.outcome).toBe('aborted');
    expect(out.failure?.code).toBe('rto-exceeded');
    expect(w.names()).toEqual(['precheck']);
  });

  it('approvalTimeout: an unanswered approval expires at its absolute deadline, before the point of no return', async () => {
    const w = start({}, { requiresApproval: true, approvalTimeoutMs: 10 * MIN });
    await vi.advanceTimersByTimeAsync(1);
    expect(w.actor.getSnapshot().context.approvalDeadlineAt).toBe(T0 + 10 * MIN);
    await vi.advanceTimersByTimeAsync(10 * MIN - 2);
    expect(w.actor.getSnapshot().value).toBe('awaitingApproval');
    await vi.advanceTimersByTimeAsync(1);
    const out = await w.done;
    expect(out.outcome).toBe('aborted');
    expect(out.failure?.code).toBe('approval-expired');
    expect(w.names()).toEqual(['precheck']);
  });

  it('approvalTimeout longer than the time left: the RTO deadline ends the approval', async () => {
    const w = start(
      {},
      { requiresApproval: true, approvalTimeoutMs: 60 * MIN, rtoDeadlineAt: T0 + 30 * MIN },
    );
    await vi.advanceTimersByTimeAsync(30 * MIN);
    const out = await w.done;
    expect(out.failure?.code).toBe('rto-exceeded');
  });

  it('a run restored past its approval deadline (WAKE) expires the approval; before it, the same deadline holds', async () => {
    const first = start({}, { requiresApproval: true, approvalTimeoutMs: 10 * MIN });
    await vi.advanceTimersByTimeAsync(1);
    const persisted = first.actor.getPersistedSnapshot();
    first.actor.stop();
    const restore = () =>
      createActor(waveMachine.provide({ actors: activityActors(scriptedActivities({}, [])) }), {
        input: input(),
        snapshot: persisted,
      });
    const late = restore();
    late.start();
    late.send({ type: 'WAKE', now: T0 + 10 * MIN });
    expect(late.getSnapshot().context.failure?.code).toBe('approval-expired');
    const early = restore();
    early.start();
    early.send({ type: 'WAKE', now: T0 + 4 * MIN });
    expect(early.getSnapshot().value).toBe('awaitingApproval');
    expect(early.getSnapshot().context.approvalDeadlineAt).toBe(T0 + 10 * MIN);
    early.stop();
  });

  it('a failed precheck changes nothing', async () => {
    const w = start({
      precheck: [{ ok: false, checks: [{ server: 's-1', name: 'rpo', status: 'fail', detail: 'too old' }] }],
    });
    const out = await w.done;
    expect(out.outcome).toBe('precheck-failed');
    expect(out.failure?.message).toContain('rpo: too old');
    expect(w.names()).toEqual(['precheck']);
  });

  it('runs the precheck again when its reads were throttled, then goes on', async () => {
    const w = start({
      precheck: [
        {
          ok: false,
          checks: [{ server: '*', name: 'no-active-job', status: 'fail', detail: 'throttled' }],
          failure: throttled,
        },
        { ok: true },
      ],
    });
    await vi.advanceTimersByTimeAsync(5 * MIN);
    const out = await w.done;
    expect(out.outcome).toBe('completed');
    const prechecks = w.calls.filter((c) => c.name === 'precheck').map((c) => c.at);
    expect(prechecks).toHaveLength(2);
    expect((prechecks[1] ?? 0) - (prechecks[0] ?? 0)).toBe(40_000); // AWS's retryAfter
  });

  it('gives up a throttled precheck after a bounded number of attempts: precheck failed, nothing changed', async () => {
    const w = start({ precheck: [{ ok: false, checks: [], failure: throttled }] });
    await vi.advanceTimersByTimeAsync(30 * MIN);
    const out = await w.done;
    expect(out.outcome).toBe('precheck-failed');
    expect(w.names()).toEqual(Array(MAX_PRECHECK_ATTEMPTS).fill('precheck'));
  });

  it('ABORT after the point of no return backs out (StopFailback), never aborts silently', async () => {
    const w = start({ pollJobs: [pending] });
    await vi.advanceTimersByTimeAsync(20_000);
    expect(waveLifecycle.isPastPointOfNoReturn(leafPath(w.actor.getSnapshot().value))).toBe(true);
    w.actor.send({ type: 'ABORT', by: 'carol' });
    await vi.advanceTimersByTimeAsync(MIN);
    const out = await w.done;
    expect(out.outcome).toBe('backed-out');
    expect(out.failure?.code).toBe('operator-abort');
    expect(w.names()).toContain('stopFailback');
    expect(w.names()).toContain('assessDrSide');
  });

  it('a FAILED launch backs out and keeps the healthy DR side', async () => {
    const w = start({ pollJobs: [{ verdict: 'failed', detail: 's-1 FAILED' }] });
    const out = await w.done;
    expect(out.outcome).toBe('backed-out');
    expect(out.failure).toEqual({ code: 'launch-failed', message: 's-1 FAILED' });
    expect(w.names()).toEqual(['precheck', 'startFailback', 'pollJobs', 'stopFailback', 'assessDrSide']);
  });

  it('backs out when the job timeout passes, exactly at the deadline', async () => {
    const w = start({ pollJobs: [pending] }, { jobTimeoutMs: 30 * MIN });
    await vi.advanceTimersByTimeAsync(31 * MIN);
    const out = await w.done;
    expect(out.failure?.code).toBe('job-timeout');
    const stop = w.calls.find((c) => c.name === 'stopFailback');
    expect(stop?.at).toBe(T0 + 30 * MIN);
  });

  it('backs out when the RTO deadline passes during the job', async () => {
    const w = start({ pollJobs: [pending] }, { rtoDeadlineAt: T0 + 10 * MIN });
    await vi.advanceTimersByTimeAsync(11 * MIN);
    const out = await w.done;
    expect(out.failure?.code).toBe('rto-exceeded');
  });

  it('backs off exponentially on poll errors, honours retryAfter, caps at polling.max', async () => {
    const w = start(
      {
        pollJobs: [
          { ...pending, failure: { ...throttled, retryAfterMs: undefined } },
          { ...pending, failure: { ...throttled, retryAfterMs: undefined } },
          { ...pending, failure: { ...throttled, retryAfterMs: undefined } },
          { ...pending, failure: throttled },
          { ...pending, failure: { ...throttled, retryAfterMs: undefined } },
          { ...pending, failure: { ...throttled, retryAfterMs: undefined } },
          { verdict: 'launched' },
        ],
      },
      { polling: { intervalMs: 10_000, maxMs: 60_000 } },
    );
    await vi.advanceTimersByTimeAsync(30 * MIN);
    await w.done;
    const polls = w.calls.filter((c) => c.name === 'pollJobs').map((c) => c.at);
    const gaps = polls.slice(1).map((t, i) => t - (polls[i] ?? 0));
    // error streak 1,2,3 -> 20s, 40s, 60s (capped); then retryAfter 40s is below the 60s cap; then capped.
    const expected = [20_000, 40_000, 60_000, 60_000, 60_000, 60_000];
    gaps.forEach((gap, i) => {
      const e = expected[i] ?? 0;
      expect(gap).toBeLessThanOrEqual(e);
      expect(gap).toBeGreaterThanOrEqual(e * 0.9);
    });
  });

  it('honours a retryAfter above polling.max', async () => {
    const w = start(
      {
        pollJobs: [{ ...pending, failure: { ...throttled, retryAfterMs: 120_000 } }, { verdict: 'launched' }],
      },
      { polling: { intervalMs: 10_000, maxMs: 60_000 } },
    );
    await vi.advanceTimersByTimeAsync(5 * MIN);
    await w.done;
    const polls = w.calls.filter((c) => c.name === 'pollJobs').map((c) => c.at);
    expect((polls[1] ?? 0) - (polls[0] ?? 0)).toBe(120_000);
  });

  it('retries a throttled StartFailbackLaunch a bounded number of times, then aborts: a throttled call did nothing', async () => {
    const startThrottled = {
      jobIds: [],
      failure: { ...throttled, operation: 'StartFailbackLaunch', retryAfterMs: 1000 },
    };
    const w = start({ startFailback: [startThrottled] });
    await vi.advanceTimersByTimeAsync(30 * MIN);
    const out = await w.done;
    expect(w.names().filter((n) => n === 'startFailback')).toHaveLength(MAX_START_ATTEMPTS);
    expect(out.outcome).toBe('aborted');
    expect(w.names()).not.toContain('stopFailback');
  });

  it('a StartFailbackLaunch refused outright (access denied) aborts: nothing was started', async () => {
    const denied = {
      kind: 'access-denied' as const,
      name: 'AccessDeniedException',
      operation: 'StartFailbackLaunch',
      message: 'StartFailbackLaunch failed: access denied; the role lacks drs:StartFailbackLaunch',
      retryable: false,
      iamAction: 'drs:StartFailbackLaunch',
    };
    const w = start({ startFailback: [{ jobIds: [], failure: denied }] });
    const out = await w.done;
    expect(out.outcome).toBe('aborted');
    expect(out.failure?.message).toContain('drs:StartFailbackLaunch');
    expect(w.names()).not.toContain('stopFailback');
  });

  describe('the wait for DRS job capacity', () => {
    const J1 = 'drsjob-00000000000000001';
    const J2 = 'drsjob-00000000000000002';
    const stateAt = (w: ReturnType<typeof start>) => leafPath(w.actor.getSnapshot().value);

    it('waits in startingFailback.waitingForQuota, starts again each poll interval, then follows the jobs', async () => {
      const w = start({
        startFailback: [
          { jobIds: [J1], queued: 5, inFlight: 100 },
          { jobIds: [J1], queued: 5, inFlight: 100 },
          { jobIds: [J1, J2] },
        ],
        pollJobs: [{ verdict: 'launched' }],
      });
      await vi.advanceTimersByTimeAsync(1);
      expect(stateAt(w)).toBe('startingFailback.waitingForQuota.waiting');
      const starts = () => w.calls.filter((c) => c.name === 'startFailback');
      expect(starts()).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(15_000 + 2_000);
      expect(starts()).toHaveLength(2);
      // Each start knows the wave's jobs so far, so it adopts them and counts what they hold.
      expect(starts()[1]?.input).toMatchObject({ jobIds: [J1] });
      expect(starts()[1]?.at).toBeGreaterThanOrEqual(T0 + 15_000 * 0.8);
      await vi.advanceTimersByTimeAsync(20_000);
      expect(starts()).toHaveLength(3);
      const out = await w.done;
      expect(out.outcome).toBe('completed');
      // Adopted jobs are not counted twice.
      expect(out.jobIds).toEqual([J1, J2]);
      expect(w.names()).not.toContain('stopFailback');
    });

    it('a throttled start while waiting waits one more round; the RTO passing backs out', async () => {
      const w = start(
        {
          startFailback: [
            { jobIds: [J1], queued: 5, inFlight: 100 },
            { jobIds: [], failure: throttled, notSent: true },
            { jobIds: [J1], queued: 5, inFlight: 100 },
          ],
          stopFailback: [{ stopped: ['i-00000000000000001'], failures: [] }],
        },
        { rtoDeadlineAt: T0 + 10 * MIN },
      );
      await vi.advanceTimersByTimeAsync(2 * MIN);
      expect(stateAt(w)).toBe('startingFailback.waitingForQuota.waiting');
      await vi.advanceTimersByTimeAsync(15 * MIN);
      const out = await w.done;
      expect(out.outcome).toBe('backed-out');
      expect(out.failure?.code).toBe('rto-exceeded');
      expect(out.failure?.message).toContain('the wait for DRS job capacity');
    });

    it('is a lifecycle state past the point of no return, ended at once by WAKE', async () => {
      const path = 'startingFailback.waitingForQuota';
      expect(waveLifecycle.label(path)).toContain('Waiting for DRS job capacity');
      expect(waveLifecycle.isPastPointOfNoReturn(path)).toBe(true);
      expect(waveLifecycle.isFinal(path)).toBe(false);
      const w = start({
        startFailback: [{ jobIds: [J1], queued: 5, inFlight: 100 }, { jobIds: [J1, J2] }],
        pollJobs: [{ verdict: 'launched' }],
      });
      await vi.advanceTimersByTimeAsync(1);
      w.actor.send({ type: 'WAKE', now: Date.now() });
      await vi.advanceTimersByTimeAsync(1);
      expect(w.calls.filter((c) => c.name === 'startFailback')).toHaveLength(2);
    });
  });

  describe('the cutover', () => {
    const cutover = { quiesce: 'confirm' as const, maxLagMs: 30_000, timeoutMs: 10 * MIN };
    const behind = {
      drained: false,
      servers: [
        { sourceServerID: 's-00000000000000001', lagMs: 95_000, drained: false, detail: 'lag 95s above 30s' },
      ],
    };

    it('quiesce confirm: its own approval naming the servers, then the writes stop, the drain, and only then the start', async () => {
      const w = start({ measureDrain: [behind, behind, {}] }, { cutover });
      await vi.advanceTimersByTimeAsync(MIN);
      expect(leafPath(w.actor.getSnapshot().value)).toBe('cutover.awaitingQuiesce');
      expect(
        waveLifecycle.approvalPrompt('cutover.awaitingQuiesce', w.actor.getSnapshot().context),
      ).toContain('s-00000000000000001 (i-00000000000000001)');
      expect(w.names()).toEqual(['precheck']);
      w.actor.send({ type: 'APPROVE', by: 'alice' });
      await vi.advanceTimersByTimeAsync(5 * MIN);
      const out = await w.done;
      expect(out.outcome).toBe('completed');
      expect(w.names().slice(0, 6)).toEqual([
        'precheck',
        'quiesceWrites',
        'measureDrain',
        'measureDrain',
        'measureDrain',
        'startFailback',
      ]);
      expect(out.cutover?.quiesced).toEqual({ by: 'alice', at: T0 });
      // The lag at the crossing is the RPO achieved.
      expect(out.cutover?.servers).toEqual([
        { sourceServerID: 's-00000000000000001', lagMs: 2000, drained: true, detail: 'lag 2s' },
      ]);
    });

    it('a drain that does not finish ends the wave at the cutover timeout, before the point of no return', async () => {
      const w = start({ measureDrain: [behind] }, { cutover: { ...cutover, quiesce: 'none' } });
      await vi.advanceTimersByTimeAsync(11 * MIN);
      const out = await w.done;
      expect(out.outcome).toBe('aborted');
      expect(out.failure?.code).toBe('drain-timeout');
      expect(out.failure?.message).toContain('s-00000000000000001 lag 1m 35s');
      expect(out.failure?.message).toContain("re-enable the application's writes on the DR side");
      expect(w.names()).not.toContain('startFailback');
      expect(w.names()).not.toContain('stopFailback');
      const drains = w.calls.filter((c) => c.name === 'measureDrain').map((c) => c.at);
      expect(drains.at(-1)).toBe(T0 + 10 * MIN);
      expect(Math.max(...drains)).toBe(T0 + 10 * MIN);
    });

    it('REFUSE of the quiesce ends the wave with nothing sent', async () => {
      const w = start({}, { cutover });
      await vi.advanceTimersByTimeAsync(1);
      w.actor.send({ type: 'REFUSE', by: 'bob' });
      const out = await w.done;
      expect(out.outcome).toBe('aborted');
      expect(w.names()).toEqual(['precheck']);
    });
  });

  describe('an honest backout', () => {
    const S2 = 's-00000000000000002';
    const I2 = 'i-00000000000000002';
    const twoServers = {
      ok: true,
      checks: [],
      servers: [
        { sourceServerID: 's-00000000000000001', recoveryInstanceID: 'i-00000000000000001' },
        { sourceServerID: S2, recoveryInstanceID: I2 },
      ],
    };
    const serverError = (operation: string) => ({
      kind: 'transient' as const,
      name: 'InternalServerException',
      operation,
      message: `${operation} failed: internal error`,
      retryable: true,
    });

    it('a single HTTP 500 on the read before the start sends the start again, never StopFailback', async () => {
      const w = start({
        startFailback: [{ jobIds: [], failure: serverError('DescribeJobs'), notSent: true }, {}],
      });
      await vi.advanceTimersByTimeAsync(5 * MIN);
      const out = await w.done;
      expect(out.outcome).toBe('completed');
      expect(w.names().filter((n) => n === 'startFailback')).toHaveLength(2);
      expect(w.names()).not.toContain('stopFailback');
    });

    it('a start DRS rejects (ConflictException) ends the wave before the point of no return: no StopFailback', async () => {
      const conflict = {
        kind: 'conflict' as const,
        name: 'ConflictException',
        operation: 'StartFailbackLaunch',
        message: 'StartFailbackLaunch failed: conflict',
        retryable: false,
      };
      const w = start({ startFailback: [{ jobIds: [], failure: conflict }] });
      const out = await w.done;
      expect(out.outcome).toBe('aborted');
      expect(out.failure?.message).toContain('no StopFailback was sent');
      expect(out.failure?.message).toContain('stays ready');
      expect(out.backout).toBeNull();
      expect(w.names()).toEqual(['precheck', 'startFailback']);
    });

    it('a 5xx on the start after which a re-read shows nothing started is not retried and sends no StopFailback', async () => {
      const w = start({ startFailback: [{ jobIds: [], failure: serverError('StartFailbackLaunch') }] });
      const out = await w.done;
      expect(out.outcome).toBe('aborted');
      expect(w.names()).toEqual(['precheck', 'startFailback']);
    });

    it('a start whose outcome is unknown (the re-read failed too) backs out', async () => {
      const w = start({
        startFailback: [{ jobIds: [], failure: serverError('StartFailbackLaunch'), mayHaveStarted: true }],
      });
      const out = await w.done;
      expect(out.outcome).toBe('backed-out');
      expect(w.names()).toContain('stopFailback');
    });

    it('one LAUNCHED, one FAILED: needs-attention, the converted primary named and not reset', async () => {
      const w = start({
        precheck: [twoServers],
        pollJobs: [
          {
            verdict: 'failed',
            detail: `${S2} FAILED`,
            servers: [
              {
                sourceServerID: 's-00000000000000001',
                launchStatus: 'LAUNCHED',
                jobId: 'drsjob-00000000000000001',
              },
              { sourceServerID: S2, launchStatus: 'FAILED', jobId: 'drsjob-00000000000000001' },
            ],
          },
        ],
        stopFailback: [{ stopped: [I2], failures: [] }],
      });
      const out = await w.done;
      expect(out.outcome).toBe('needs-attention');
      const stop = w.calls.find((c) => c.name === 'stopFailback');
      expect(stop?.input).toMatchObject({ recoveryInstanceIDs: [I2] });
      expect(waveLifecycle.outcome('needsAttention')).toBe('needs-attention');
    });

    it('StopFailback throttled is sent again for the throttled instance only, then the backout completes', async () => {
      const stopThrottled = { ...throttled, operation: 'StopFailback', server: I2, retryAfterMs: 2000 };
      const w = start({
        precheck: [twoServers],
        pollJobs: [{ verdict: 'failed', detail: 'FAILED' }],
        stopFailback: [
          { stopped: ['i-00000000000000001'], failures: [stopThrottled] },
          { stopped: [I2], failures: [] },
        ],
      });
      await vi.advanceTimersByTimeAsync(MIN);
      const out = await w.done;
      expect(out.outcome).toBe('backed-out');
      const stops = w.calls.filter((c) => c.name === 'stopFailback');
      expect(stops.map((c) => (c.input as { recoveryInstanceIDs: string[] }).recoveryInstanceIDs)).toEqual([
        ['i-00000000000000001', I2],
        [I2],
      ]);
      // Backed off like every other wait (an error streak of one), and at least AWS's hint.
      const gap = (stops[1]?.at ?? 0) - (stops[0]?.at ?? 0);
      expect(gap).toBeGreaterThanOrEqual(2000);
      expect(gap).toBeLessThanOrEqual(30_000);
      expect(out.backout?.stopped).toEqual(['i-00000000000000001', I2]);
      expect(out.backout?.stopFailures).toEqual([]);
    });

    it('StopFailback that still fails after its retries ends backout-failed, never backed-out', async () => {
      const stop5xx = { ...serverError('StopFailback'), server: 'i-00000000000000001' };
      const w = start({
        pollJobs: [{ verdict: 'failed', detail: 'FAILED' }],
        stopFailback: [{ stopped: [], failures: [stop5xx] }],
      });
      await vi.advanceTimersByTimeAsync(30 * MIN);
      const out = await w.done;
      expect(out.outcome).toBe('backout-failed');
      expect(w.names().filter((n) => n === 'stopFailback')).toHaveLength(MAX_STOP_ATTEMPTS);
      expect(out.backout?.stopFailures).toHaveLength(1);
    });
  });

  it('backs out when verification does not pass within the verify timeout', async () => {
    const w = start(
      {
        verifyFailback: [
          {
            verdict: 'pending',
            servers: [{ sourceServerID: 's-1', status: 'pending', detail: 'initializing' }],
          },
        ],
      },
      { verifyTimeoutMs: 5 * MIN },
    );
    await vi.advanceTimersByTimeAsync(6 * MIN);
    const out = await w.done;
    expect(out.failure?.code).toBe('verify-timeout');
    expect(out.failure?.message).toContain('s-1: initializing');
  });

  it('restores lost recovery instances from the newest recovery point before the run', async () => {
    const w = start(
      {
        pollJobs: [{ verdict: 'failed', detail: 'FAILED' }, pending, { verdict: 'launched' }],
        assessDrSide: [
          { verdict: 'unhealthy', needsRestore: ['s-00000000000000001'] },
          { verdict: 'pending' },
          { verdict: 'healthy' },
        ],
        restoreRecoveryPoint: [
          {
            jobIds: ['drsjob-00000000000000009'],
            restored: [
              {
                sourceServerID: 's-00000000000000001',
                recoverySnapshotID: 'pit-00000000000000001',
                snapshotAt: '2025-12-31T23:50:00.000Z',
              },
            ],
          },
        ],
      },
      {},
    );
    await vi.advanceTimersByTimeAsync(MIN);
    // A relaunch loses data: its own approval, even with approval: none, naming the loss window.
    const snap = w.actor.getSnapshot();
    expect(leafPath(snap.value)).toBe('backout.restoringRecoveryPoint.awaitingRelaunch');
    expect(w.names()).not.toContain('restoreRecoveryPoint');
    expect(
      waveLifecycle.approvalPrompt('backout.restoringRecoveryPoint.awaitingRelaunch', snap.context),
    ).toMatch(/DATA LOSS.*s-00000000000000001: from its newest recovery snapshot before the run to its loss/);
    w.actor.send({ type: 'APPROVE', by: 'alice' });
    await vi.advanceTimersByTimeAsync(10 * MIN);
    const out = await w.done;
    expect(out.outcome).toBe('backed-out');
    const restore = w.calls.find((c) => c.name === 'restoreRecoveryPoint');
    expect(restore?.input).toMatchObject({ sourceServerIDs: ['s-00000000000000001'], before: T0 });
    const recoveryPoll = w.calls.filter((c) => c.name === 'pollJobs').at(-1);
    expect(recoveryPoll?.input).toMatchObject({ jobIds: ['drsjob-00000000000000009'] });
    expect(out.backout?.restored[0]?.recoverySnapshotID).toBe('pit-00000000000000001');
  });

  it('ABORT (a `backout`) at the relaunch approval ends the wave backout-failed, nothing relaunched', async () => {
    const w = start(
      {
        pollJobs: [{ verdict: 'failed', detail: 'FAILED' }],
        assessDrSide: [{ verdict: 'unhealthy', needsRestore: ['s-00000000000000001'] }],
        restoreRecoveryPoint: [],
      },
      {},
    );
    await vi.advanceTimersByTimeAsync(MIN);
    expect(leafPath(w.actor.getSnapshot().value)).toBe('backout.restoringRecoveryPoint.awaitingRelaunch');
    // Without a handler the ABORT was dropped and the wave waited for an answer forever.
    w.actor.send({ type: 'ABORT', by: 'bob', reason: 'operator-initiated backout by bob' });
    await vi.advanceTimersByTimeAsync(10 * MIN);
    expect(w.actor.getSnapshot().status).toBe('done');
    const out = await w.done;
    expect(out.outcome).toBe('backout-failed');
    expect(out.failure?.message).toContain('relaunch not approved');
    expect(out.failure?.message).toContain('bob');
    expect(w.names()).not.toContain('restoreRecoveryPoint');
  });

  it('backout fails, for a person to act, when no recovery point can be restored', async () => {
    const w = start({
      pollJobs: [{ verdict: 'failed', detail: 'FAILED' }],
      assessDrSide: [{ verdict: 'unhealthy', needsRestore: ['s-00000000000000001'] }],
      restoreRecoveryPoint: [
        {
          jobIds: [],
          restored: [],
          failure: {
            kind: 'not-found',
            name: 'NoRecoveryPoint',
            operation: 'DescribeRecoverySnapshots',
            message: 'no recovery point before the run for s-00000000000000001',
            retryable: false,
          },
        },
      ],
    });
    await vi.advanceTimersByTimeAsync(1);
    w.actor.send({ type: 'APPROVE', by: 'alice' });
    const out = await w.done;
    expect(out.outcome).toBe('backout-failed');
    expect(out.failure?.message).toContain('no recovery point before the run');
  });

  it('a refused relaunch sends no StartRecovery: the lost instance stays lost, backout-failed', async () => {
    const w = start({
      precheck: [
        {
          servers: [
            {
              sourceServerID: 's-00000000000000001',
              recoveryInstanceID: 'i-00000000000000001',
              newestRecoveryPointAt: '2025-12-31T22:00:00.000Z',
            },
          ],
        },
      ],
      pollJobs: [{ verdict: 'failed', detail: 'FAILED' }],
      assessDrSide: [{ verdict: 'unhealthy', needsRestore: ['s-00000000000000001'] }],
    });
    await vi.advanceTimersByTimeAsync(1);
    const ctx = w.actor.getSnapshot().context;
    expect(waveLifecycle.approvalPrompt('backout.restoringRecoveryPoint.awaitingRelaunch', ctx)).toContain(
      's-00000000000000001: from 2025-12-31T22:00:00.000Z until it was found lost (about 2 h)',
    );
    w.actor.send({ type: 'REFUSE', by: 'bob' });
    const out = await w.done;
    expect(out.outcome).toBe('backout-failed');
    expect(out.failure?.message).toContain('relaunch refused by bob');
    expect(w.names()).not.toContain('restoreRecoveryPoint');
  });

  it('restore: never skips the DR-side check after StopFailback', async () => {
    const w = start({ pollJobs: [{ verdict: 'failed', detail: 'FAILED' }] }, { restore: 'never' });
    const out = await w.done;
    expect(out.outcome).toBe('backed-out');
    expect(w.names()).not.toContain('assessDrSide');
  });

  it('a StopFailback activity that throws is recorded in the backout, which ends backout-failed', async () => {
    const activities = scriptedActivities({ pollJobs: [{ verdict: 'failed', detail: 'FAILED' }] });
    const actor = createActor(
      waveMachine.provide({
        actors: activityActors({
          ...activities,
          stopFailback: () => Promise.reject(new TypeError('socket hang up')),
        }),
      }),
      { input: input({ restore: 'never' }) },
    ).start();
    const out = await toPromise(actor);
    expect(out.outcome).toBe('backout-failed');
    expect(out.failure?.code).toBe('launch-failed');
    expect(out.backout?.stopFailures).toEqual([
      {
        kind: 'unknown',
        name: 'TypeError',
        operation: 'StopFailback',
        message: 'socket hang up',
        retryable: false,
      },
    ]);
  });

  it('restored from a persisted snapshot mid-wait, WAKE polls AWS at once instead of trusting lost timers', async () => {
    const w = start({ pollJobs: [pending] });
    await vi.advanceTimersByTimeAsync(20_000);
    expect(w.actor.getSnapshot().value).toEqual({ monitoringJob: 'waiting' });
    const persisted = JSON.parse(JSON.stringify(w.actor.getPersistedSnapshot()));
    w.actor.stop();
    vi.setSystemTime(T0 + 60 * MIN);
    const calls: ActivityCall[] = [];
    const restored = createActor(
      waveMachine.provide({
        actors: activityActors(scriptedActivities({ pollJobs: [{ verdict: 'launched' }] }, calls)),
      }),
      { snapshot: persisted, input: input() },
    ).start();
    restored.send({ type: 'WAKE', now: Date.now() });
    const out = await toPromise(restored);
    expect(out.outcome).toBe('completed');
    expect(calls.map((c) => c.name)).toEqual(['pollJobs', 'verifyFailback']);
    expect(restored.getSnapshot().context.jobDeadlineAt).toBe(T0 + 2 * 60 * MIN); // deadlines kept, not re-armed
  });

  it('WAKE while awaiting approval past the RTO deadline aborts', async () => {
    const w = start({}, { requiresApproval: true, rtoDeadlineAt: T0 + 30 * MIN });
    await vi.advanceTimersByTimeAsync(1);
    w.actor.send({ type: 'WAKE', now: T0 + 31 * MIN });
    const out = await w.done;
    expect(out.failure?.code).toBe('rto-exceeded');
  });

  describe('after a verified on-premises failback', () => {
    it.each([
      ['terminate', 'terminate'],
      ['disconnect', 'disconnect'],
      [true, 'terminate'],
    ] as const)(
      'cleanup: %s -> its own approval, then the clean-up of the recovery instances (%s)',
      async (cleanup, mode) => {
        const w = start({}, { afterFailback: { reprotect: false, cleanup } });
        await vi.advanceTimersByTimeAsync(5 * MIN);
        expect(w.actor.getSnapshot().value).toEqual({ cleaningUp: 'awaitingApproval' });
        expect(w.names()).not.toContain('cleanup');
        w.actor.send({ type: 'APPROVE', by: 'alice' });
        const out = await w.done;
        expect(out.outcome).toBe('completed');
        const call = w.calls.find((c) => c.name === 'cleanup');
        expect(call?.input).toMatchObject({ mode });
        expect(
          (call?.input as { recoveryInstanceIDs?: string[] } | undefined)?.recoveryInstanceIDs,
        ).toHaveLength(1);
      },
    );

    it('cleanup: false (the default) -> nothing after verification', async () => {
      const w = start({}, { afterFailback: { reprotect: false, cleanup: false } });
      await vi.advanceTimersByTimeAsync(5 * MIN);
      const out = await w.done;
      expect(out.outcome).toBe('completed');
      expect(w.names()).not.toContain('cleanup');
    });
  });

  describe('after a verified EC2-origin failback', () => {
    const ec2Origin = {
      precheck: [
        {
          ok: true,
          servers: [
            {
              sourceServerID: 's-00000000000000001',
              recoveryInstanceID: 'i-00000000000000001',
              origin: 'AWS' as const,
              originRegion: 'us-west-2',
              reversedSourceServerID: 's-00000000000000009',
            },
          ],
        },
      ],
      pollJobs: [
        {
          verdict: 'launched' as const,
          servers: [
            {
              // The origin-region job names the reversed source server.
              sourceServerID: 's-00000000000000009',
              recoveryInstanceID: 'i-0000000000000000b',
              launchStatus: 'LAUNCHED',
              jobId: 'drsjob-00000000000000001',
              region: 'us-west-2',
            },
          ],
        },
      ],
    };

    it('asks before re-protecting and before cleaning up, even with approval none, then completes', async () => {
      const w = start(ec2Origin, { afterFailback: { reprotect: true, cleanup: true } });
      await vi.advanceTimersByTimeAsync(1);
      expect(w.actor.getSnapshot().value).toEqual({ reprotecting: 'awaitingApproval' });
      w.actor.send({ type: 'APPROVE', by: 'alice' });
      await vi.advanceTimersByTimeAsync(1);
      expect(w.actor.getSnapshot().value).toEqual({ cleaningUp: 'awaitingApproval' });
      expect(w.names()).not.toContain('cleanup');
      w.actor.send({ type: 'APPROVE', by: 'alice' });
      const out = await w.done;
      expect(out.outcome).toBe('completed');
      expect(w.calls.find((c) => c.name === 'reprotect')?.input).toMatchObject({
        servers: [
          {
            sourceServerID: 's-00000000000000001',
            originRegion: 'us-west-2',
            recoveryInstanceID: 'i-0000000000000000b',
          },
        ],
      });
      expect(w.calls.find((c) => c.name === 'cleanup')?.input).toMatchObject({
        recoveryInstanceIDs: ['i-00000000000000001'],
      });
    });

    it('a refused clean-up terminates nothing and the failback stays completed', async () => {
      const w = start(ec2Origin, { afterFailback: { reprotect: false, cleanup: true } });
      await vi.advanceTimersByTimeAsync(1);
      w.actor.send({ type: 'REFUSE', by: 'bob' });
      const out = await w.done;
      expect(out.outcome).toBe('completed');
      expect(w.names()).not.toContain('cleanup');
      expect(out.afterFailback?.skipped).toEqual(['cleanup refused by bob']);
    });

    it('off by default: no step after verification', async () => {
      const w = start(ec2Origin);
      const out = await w.done;
      expect(out.outcome).toBe('completed');
      expect(w.names()).not.toContain('reprotect');
      expect(w.names()).not.toContain('cleanup');
    });

    it('StopFailback is not sent for EC2-origin servers during backout', async () => {
      const w = start({ ...ec2Origin, pollJobs: [{ verdict: 'failed', detail: 'FAILED' }] });
      const out = await w.done;
      expect(out.outcome).toBe('backed-out');
      expect(w.calls.find((c) => c.name === 'stopFailback')?.input).toMatchObject({
        recoveryInstanceIDs: [],
      });
    });
  });

  it('describes the point of no return per flow', () => {
    expect(
      describeWavePointOfNoReturn([
        { sourceServerID: 's-1', recoveryInstanceID: 'i-1' },
        { sourceServerID: 's-2', recoveryInstanceID: 'i-2', origin: 'AWS', originRegion: 'us-west-2' },
        { sourceServerID: 's-3', recoveryInstanceID: 'i-3', origin: 'AWS', originRegion: 'us-west-2' },
      ]),
    ).toBe(
      'StartFailbackLaunch for 1 recovery instance(s); the target machines will be converted and rebooted; and ' +
        'StartRecovery for 2 server(s) in us-west-2; they are launched there from the reversed replication',
    );
  });

  it('survives a persisted snapshot round trip mid-poll (JSON-serialisable context)', async () => {
    const w = start({ pollJobs: [pending] });
    await vi.advanceTimersByTimeAsync(20_000);
    const persisted = w.actor.getPersistedSnapshot();
    const copy = JSON.parse(JSON.stringify(persisted));
    w.actor.stop();
    // The JSON copy is what restores: the same state and context, and it goes on from there.
    const calls: ActivityCall[] = [];
    const restored = createActor(
      waveMachine.provide({
        actors: activityActors(scriptedActivities({ pollJobs: [pending, { verdict: 'launched' }] }, calls)),
      }),
      { snapshot: copy, input: input() },
    ).start();
    expect(restored.getSnapshot().value).toEqual({ monitoringJob: 'waiting' });
    expect(restored.getSnapshot().context).toEqual(w.actor.getSnapshot().context);
    expect(restored.getSnapshot().context.jobIds).toEqual(['drsjob-00000000000000001']);
    expect(restored.getSnapshot().context.jobDeadlineAt).toBe(T0 + 2 * 60 * MIN);
    expect(JSON.parse(JSON.stringify(restored.getPersistedSnapshot()))).toEqual(copy);
    restored.send({ type: 'WAKE', now: Date.now() });
    await vi.advanceTimersByTimeAsync(5 * MIN);
    const out = await toPromise(restored);
    expect(out.outcome).toBe('completed');
    expect(out.jobIds).toEqual(['drsjob-00000000000000001']);
    expect(calls.map((c) => c.name)).toEqual(['pollJobs', 'pollJobs', 'verifyFailback']);
  });
});
