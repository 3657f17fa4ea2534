import { DrsClient } from '@aws-sdk/client-drs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunEvent } from '../../src/events.js';
import { parsePlan } from '../../src/plan/load.js';
import { createFailbackRun } from '../../src/run.js';
import { type ActivityCall, type Script, scriptedActivities } from '../support/fake-activities.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const planText = (topic: string, approval = 'none') => `
version: 1
name: payments
region: us-east-1
notifications: { topicArn: ${topic} }
objectives: { rpo: 15m, rto: 4h }
approval: ${approval}
waves:
  - name: db
    servers: [{ sourceServerID: s-00000000000000001 }]
  - name: app
    servers: [{ sourceServerID: s-00000000000000002 }]
`;
const TOPIC = 'arn:aws:sns:us-east-1:111122223333:failback';
/** Fresh SDK clients (answered by the SNS mock, or never called: activities are scripted). */
const clients = (withSns = true) => ({
  drs: new DrsClient({ region: 'us-east-1' }),
  ec2: new EC2Client({ region: 'us-east-1' }),
  ...(withSns ? { sns: new SNSClient({ region: 'us-east-1' }) } : {}),
});

function setup(script: Script, topic = TOPIC, approval = 'none') {
  const sns = mockClient(SNSClient);
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  const events: RunEvent[] = [];
  const run = createFailbackRun({
    plan: parsePlan(planText(topic, approval), 'plan.yaml'),
    clients: clients(),
    activities: scriptedActivities(script),
    runId: 'run-20260101T000000Z-abcdef',
  });
  run.on((e) => events.push(e));
  return { sns, run, events };
}

describe('a run: events, notifications, approvals', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(T0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('streams the contract events in order, every one with type, at and runId', async () => {
    const { run, events } = setup({});
    const result = await run.start();
    expect(result.outcome).toBe('completed');
    expect(events[0]?.type).toBe('run.started');
    expect(events.at(-1)).toMatchObject({
      type: 'run.finished',
      outcome: 'completed',
      waves: [
        { name: 'db', outcome: 'completed' },
        { name: 'app', outcome: 'completed' },
      ],
    });
    for (const e of events) {
      expect(e.runId).toBe('run-20260101T000000Z-abcdef');
      expect(new Date(e.at).toISOString()).toBe(e.at);
    }
    const states = events
      .filter((e) => e.type === 'state')
      .map((e) => `${e.machine}:${e.wave ?? ''}:${e.from}->${e.to}`);
    expect(states).toEqual([
      'plan::null->running',
      'wave:db:null->precheck',
      'wave:db:precheck->cutover',
      'wave:db:cutover->startingFailback',
      'wave:db:startingFailback->monitoringJob',
      'wave:db:monitoringJob->verifying',
      'wave:db:verifying->completed',
      'wave:app:null->precheck',
      'wave:app:precheck->cutover',
      'wave:app:cutover->startingFailback',
      'wave:app:startingFailback->monitoringJob',
      'wave:app:monitoringJob->verifying',
      'wave:app:verifying->completed',
      'plan::running->completed',
    ]);
  });

  it('publishes exactly one SNS message per lifecycle transition, none for internal poll steps', async () => {
    const { run, events, sns } = setup({
      pollJobs: [{ verdict: 'pending' }, { verdict: 'pending' }, { verdict: 'launched' }],
    });
    const done = run.start();
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    await done;
    const stateCount = events.filter((e) => e.type === 'state').length;
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, stateCount);
    const subjects = sns.commandCalls(PublishCommand).map((c) => c.args[0].input.Subject ?? '');
    expect(subjects).toContain('[drs-failback] payments / db: monitoringJob');
    for (const s of subjects) expect(s.length).toBeLessThan(100);
    expect(events.filter((e) => e.type === 'notification' && e.messageId === 'm-1')).toHaveLength(stateCount);
  });

  it('FIFO topics get the run id as group and a deterministic deduplication id', async () => {
    const fifo = 'arn:aws:sns:us-east-1:111122223333:failback.fifo';
    const a = setup({}, fifo);
    await a.run.start();
    const first = a.sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
    a.sns.restore();
    const b = setup({}, fifo);
    await b.run.start();
    const second = b.sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
    expect(first.every((i) => i.MessageGroupId === 'run-20260101T000000Z-abcdef')).toBe(true);
    expect(first.map((i) => i.MessageDeduplicationId)).toEqual(second.map((i) => i.MessageDeduplicationId));
    expect(new Set(first.map((i) => i.MessageDeduplicationId)).size).toBe(first.length);
  });

  it('an SNS outage never stops the failback: failures are recorded as notification events', async () => {
    const { run, events, sns } = setup({});
    sns.on(PublishCommand).rejects(Object.assign(new Error('topic gone'), { name: 'NotFoundException' }));
    const done = run.start();
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    const result = await done;
    expect(result.outcome).toBe('completed');
    const failed = events.filter((e) => e.type === 'notification' && e.error !== undefined);
    expect(failed.length).toBe(events.filter((e) => e.type === 'state').length);
  });

  it('approve() names who approved, and is refused when nothing waits for approval', async () => {
    const { run, events } = setup({}, TOPIC, 'once');
    expect(run.approve('early')).toBe(false);
    const done = run.start();
    await vi.advanceTimersByTimeAsync(1);
    expect(run.pendingApproval()).toMatchObject({
      wave: 'db',
      kind: 'pointOfNoReturn',
      confirmWord: 'db',
      expiresAt: null,
      pointOfNoReturn:
        'StartFailbackLaunch for 1 recovery instance(s); the target machines will be converted and rebooted',
    });
    expect(run.approve('alice')).toBe(true);
    // First answer wins: a second one (say, from a web page) is refused with a sentence.
    expect(run.answer('refuse', { approver: 'bob', via: 'web' }, { wave: 'db' })).toEqual({
      ok: false,
      code: 'not-waiting',
      message: 'the approval of wave db no longer waits for an answer',
    });
    await done;
    expect(events.filter((e) => e.type === 'approval.given')).toEqual([
      expect.objectContaining({ wave: 'db', approver: 'alice', via: 'api', by: 'alice' }),
    ]);
    expect(events.filter((e) => e.type === 'approval.refused')).toEqual([]);
    expect(run.pendingApproval()).toBeNull();
  });

  it('refuse() aborts before the point of no return', async () => {
    const { run, events } = setup({}, TOPIC, 'per-wave');
    const done = run.start();
    await vi.advanceTimersByTimeAsync(1);
    run.refuse('bob');
    const result = await done;
    expect(result.outcome).toBe('aborted');
    expect(result.waves.map((w) => w.outcome)).toEqual(['aborted', 'not-started']);
    expect(events.some((e) => e.type === 'approval.refused' && e.by === 'bob')).toBe(true);
  });

  it('a persisted snapshot resumes the run where it stood, without repeating earlier steps', async () => {
    const snapshots: unknown[] = [];
    const { run } = setup({ pollJobs: [{ verdict: 'pending' }] });
    const plan = run.plan;
    const created = createFailbackRun({
      plan,
      clients: clients(false),
      activities: scriptedActivities({ pollJobs: [{ verdict: 'pending' }] }),
      runId: 'run-20260101T000000Z-abcdef',
      onSnapshot: (s) => snapshots.push(JSON.parse(JSON.stringify(s))),
    });
    void created.start();
    await vi.advanceTimersByTimeAsync(60_000);
    const last = snapshots.at(-1);
    created.actor.stop();
    const calls: ActivityCall[] = [];
    const resumed = createFailbackRun({
      plan,
      clients: clients(false),
      activities: scriptedActivities({ pollJobs: [{ verdict: 'launched' }] }, calls),
      runId: 'run-20260101T000000Z-abcdef',
      snapshot: last as never,
    });
    const events: RunEvent[] = [];
    resumed.on((e) => events.push(e));
    const result = await resumed.start();
    expect(result.outcome).toBe('completed');
    // The first wave goes on from its poll; only the second wave runs precheck and start.
    expect(calls.slice(0, 3).map((c) => c.name)).toEqual(['pollJobs', 'verifyFailback', 'precheck']);
    expect(calls.filter((c) => c.name === 'startFailback')).toHaveLength(1);
    const firstState = events.find((e) => e.type === 'state');
    expect(firstState).toMatchObject({ machine: 'wave', wave: 'db', from: 'monitoringJob', to: 'verifying' });
  });
});

describe('resuming: approvals and notifications', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(T0);
  });
  afterEach(() => vi.useRealTimers());

  it('a run resumed while awaiting approval asks again', async () => {
    const snapshots: unknown[] = [];
    const first = setup({}, TOPIC, 'per-wave');
    const original = createFailbackRun({
      plan: first.run.plan,
      clients: clients(false),
      activities: scriptedActivities({}),
      runId: 'run-20260101T000000Z-abcdef',
      onSnapshot: (s) => snapshots.push(JSON.parse(JSON.stringify(s))),
    });
    void original.start();
    await vi.advanceTimersByTimeAsync(1);
    expect(original.pendingApproval()?.wave).toBe('db');
    original.actor.stop();

    const resumed = createFailbackRun({
      plan: first.run.plan,
      clients: clients(false),
      activities: scriptedActivities({}),
      runId: 'run-20260101T000000Z-abcdef',
      snapshot: snapshots.at(-1) as never,
    });
    const events: RunEvent[] = [];
    resumed.on((e) => events.push(e));
    const done = resumed.start();
    expect(events.filter((e) => e.type === 'approval.requested')).toEqual([
      expect.objectContaining({ wave: 'db' }),
    ]);
    expect(resumed.approve('alice')).toBe(true);
    await vi.advanceTimersByTimeAsync(1);
    resumed.approve('alice');
    expect((await done).outcome).toBe('completed');
  });

  it('transitions logged without their notification are notified again with the same deduplication ids', async () => {
    const fifo = 'arn:aws:sns:us-east-1:111122223333:failback.fifo';
    const snapshots: unknown[] = [];
    const history: RunEvent[] = [];
    const a = setup({ pollJobs: [{ verdict: 'pending' }] }, fifo);
    const original = createFailbackRun({
      plan: a.run.plan,
      clients: clients(),
      activities: scriptedActivities({ pollJobs: [{ verdict: 'pending' }] }),
      runId: 'run-20260101T000000Z-abcdef',
      onSnapshot: (s) => snapshots.push(JSON.parse(JSON.stringify(s))),
    });
    original.on((e) => history.push(e));
    void original.start();
    await vi.advanceTimersByTimeAsync(20_000);
    original.actor.stop();
    const sent = a.sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
    // The process "died" with the last two notifications still queued: drop them from the log.
    const notifications = history.filter((e) => e.type === 'notification');
    const lost = notifications.slice(-2);
    const log = history.filter((e) => !(lost as RunEvent[]).includes(e));
    a.sns.resetHistory();

    const resumed = createFailbackRun({
      plan: a.run.plan,
      clients: clients(),
      activities: scriptedActivities({ pollJobs: [{ verdict: 'launched' }] }),
      runId: 'run-20260101T000000Z-abcdef',
      snapshot: snapshots.at(-1) as never,
      history: log,
    });
    await resumed.start();
    const resent = a.sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
    expect(resent.slice(0, 2).map((i) => i.MessageDeduplicationId)).toEqual(
      sent.slice(-2).map((i) => i.MessageDeduplicationId),
    );
    const allIds = [...sent, ...resent.slice(2)].map((i) => i.MessageDeduplicationId);
    expect(new Set(allIds).size).toBe(allIds.length);
  });
});

describe('resuming when the event log is ahead of the snapshot', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(T0);
  });
  afterEach(() => vi.useRealTimers());

  it('a transition the log already has is neither announced nor notified again', async () => {
    const snapshots: unknown[] = [];
    const history: RunEvent[] = [];
    const a = setup({});
    const original = createFailbackRun({
      plan: a.run.plan,
      clients: clients(),
      activities: scriptedActivities({
        pollJobs: [{ verdict: 'pending' }, { verdict: 'launched' }],
        verifyFailback: [{ verdict: 'pending' }],
      }),
      runId: 'run-20260101T000000Z-abcdef',
      onSnapshot: (s) => snapshots.push(JSON.parse(JSON.stringify(s))),
    });
    original.on((e) => history.push(e));
    void original.start();
    await vi.advanceTimersByTimeAsync(5_000);
    // The process "dies" after logging monitoringJob -> verifying but before saving that snapshot.
    const stale = snapshots.find((s) => JSON.stringify(s).includes('"monitoringJob"'));
    await vi.advanceTimersByTimeAsync(20_000);
    await vi.advanceTimersByTimeAsync(1);
    expect(history.some((e) => e.type === 'state' && e.to === 'verifying')).toBe(true);
    original.actor.stop();
    a.sns.resetHistory();

    const resumed = createFailbackRun({
      plan: a.run.plan,
      clients: clients(),
      activities: scriptedActivities({ pollJobs: [{ verdict: 'launched' }] }),
      runId: 'run-20260101T000000Z-abcdef',
      snapshot: stale as never,
      history,
    });
    const events: RunEvent[] = [];
    resumed.on((e) => events.push(e));
    await resumed.start();
    const states = events
      .filter((e) => e.type === 'state' && e.wave === 'db')
      .map((e) => (e as { to: string }).to);
    expect(states).toEqual(['completed']);
    const subjects = a.sns.commandCalls(PublishCommand).map((c) => c.args[0].input.Subject ?? '');
    expect(subjects.filter((s) => s.includes('db: verifying'))).toEqual([]);
  });
});
