import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createActor, toPromise } from 'xstate';
import { leafPath, waveLifecycle } from '../../machines/lifecycle.js';
import {
  describeWavePointOfNoReturn,
  MAX_PRECHECK_ATTEMPTS,
  MAX_START_ATTEMPTS,
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
    await vi.advanceTimersByTimeAsync(10 * MIN);
    const out = await w.done;
    expect(out.outcome).toBe('backed-out');
    const restore = w.calls.find((c) => c.name === 'restoreRecoveryPoint');
    expect(restore?.input).toMatchObject({ sourceServerIDs: ['s-00000000000000001'], before: T0 });
    const recoveryPoll = w.calls.filter((c) => c.name === 'pollJobs').at(-1);
    expect(recoveryPoll?.input).toMatchObject({ jobIds: ['drsjob-00000000000000009'] });
    expect(out.backout?.restored[0]?.recoverySnapshotID).toBe('pit-00000000000000001');
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
    const out = await w.done;
    expect(out.outcome).toBe('backout-failed');
    expect(out.failure?.message).toContain('no recovery point before the run');
  });

  it('restore: never skips the DR-side check after StopFailback', async () => {
    const w = start({ pollJobs: [{ verdict: 'failed', detail: 'FAILED' }] }, { restore: 'never' });
    const out = await w.done;
    expect(out.outcome).toBe('backed-out');
    expect(w.names()).not.toContain('assessDrSide');
  });

  it('a StopFailback activity that throws is recorded in the backout, which goes on', async () => {
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
    expect(out.outcome).toBe('backed-out');
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
