// The web view's rules at the HTTP level: the token on every request and in a header on those that
// change something, answers through the run's approval path (via web, the name typed, the word
// typed, first answer wins, stale refused), SSE ids = seq with resume, the clock between events.
import { DrsClient } from '@aws-sdk/client-drs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { waveLifecycle } from '../../machines/lifecycle.js';
import type { WaveContext } from '../../machines/wave.machine.js';
import type { RunEvent, RunEventBody } from '../../src/events.js';
import { parsePlan } from '../../src/plan/load.js';
import { PLAN_DEFAULTS, type Plan } from '../../src/plan/types.js';
import { buildReport } from '../../src/report/index.js';
import { createApprovals } from '../../src/run/approvals.js';
import { createFailbackRun } from '../../src/run.js';
import {
  createMemoryFeed,
  createPollingFeed,
  createWebApp,
  type MemoryFeed,
  TOKEN_HEADER,
  type WebApprovals,
} from '../../src/web/index.js';
import { scriptedActivities } from '../support/fake-activities.js';

const TOKEN = 'test-token-0123456789';
const T0 = Date.parse('2026-01-01T00:00:00Z');

const plan: Plan = {
  version: 1,
  name: 'payments',
  region: 'us-east-1',
  objectives: { rpoMs: 60_000, rtoMs: 3_600_000 },
  approval: PLAN_DEFAULTS.approval,
  polling: { ...PLAN_DEFAULTS.polling },
  verify: { ...PLAN_DEFAULTS.verify },
  job: { ...PLAN_DEFAULTS.job },
  backout: { ...PLAN_DEFAULTS.backout },
  waves: [
    { name: 'db', servers: [{ sourceServerID: 's-1' }] },
    { name: 'app', servers: [{ sourceServerID: 's-2' }] },
  ],
} as Plan;

function note(seq: number): RunEvent {
  return {
    type: 'notification',
    topicArn: 'arn:t',
    subject: `n${seq}`,
    at: '2026-01-01T00:00:00.000Z',
    runId: 'r1',
    seq,
  };
}

function waveContext(name: string): WaveContext {
  return { wave: { name, servers: [] }, resolved: [], approvalDeadlineAt: null } as unknown as WaveContext;
}

/** The run's own approval rules (src/run/approvals.ts) with wave `db` waiting at its point of no return. */
function waitingApprovals(approvers?: string[]) {
  const emitted: RunEventBody[] = [];
  const sent: string[] = [];
  const approvals = createApprovals(
    (e) => emitted.push(e),
    { now: () => T0 },
    (answer) => sent.push(`${answer.type} ${answer.by}`),
    approvers ? { approvers } : {},
  );
  approvals.onWaveStep('awaitingApproval', waveContext('db'), true);
  const web: WebApprovals = { pendingApproval: approvals.pending, answer: approvals.answer };
  const answers = () => emitted.filter((e) => e.type !== 'approval.requested');
  return { approvals, web, answers, sent };
}

function app(feed: MemoryFeed, approvals?: WebApprovals, more: { now?: () => number; tickMs?: number } = {}) {
  return createWebApp({
    runId: 'r1',
    plan,
    feed,
    token: TOKEN,
    ...(approvals ? { approvals } : {}),
    ...more,
    report: () => buildReport({ runId: 'r1', events: [...feed.history()], plan }),
  });
}

async function messageOf(res: Response): Promise<string> {
  return ((await res.json()) as { message: string }).message;
}

const post = (body: unknown, headers: Record<string, string> = { [TOKEN_HEADER]: TOKEN }) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

const APPROVE_DB = {
  wave: 'db',
  kind: 'pointOfNoReturn',
  answer: 'approve',
  approver: 'alice',
  confirm: 'db',
};

describe('web view: the access token', () => {
  it('refuses every request without the token, or with a wrong one', async () => {
    const a = app(createMemoryFeed());
    for (const path of ['/', '/api/run', '/api/events', '/report.md', '/report.json', '/nothing']) {
      expect((await a.request(path)).status).toBe(403);
      expect((await a.request(`${path}?token=wrong`)).status).toBe(403);
      expect((await a.request(path, { headers: { [TOKEN_HEADER]: `${TOKEN}x` } })).status).toBe(403);
    }
    expect((await a.request(`/?token=${TOKEN}`)).status).toBe(200);
    expect((await a.request('/api/run', { headers: { [TOKEN_HEADER]: TOKEN } })).status).toBe(200);
  });

  it('an answer without the token in a header (missing, wrong, or in the URL only) is refused and changes nothing', async () => {
    const { web, answers, sent } = waitingApprovals();
    const a = app(createMemoryFeed(), web);
    for (const [path, headers] of [
      ['/api/approval', {}],
      ['/api/approval', { [TOKEN_HEADER]: 'wrong' }],
      [`/api/approval?token=${TOKEN}`, {}],
      ['/api/approval', { cookie: `token=${TOKEN}` }],
    ] as const) {
      const res = await a.request(path, post(APPROVE_DB, headers));
      expect(res.status).toBe(403);
    }
    expect(answers()).toEqual([]);
    expect(sent).toEqual([]);
    expect(web.pendingApproval()).toMatchObject({ wave: 'db' });
    expect((await a.request('/api/approval', post(APPROVE_DB))).status).toBe(200);
    expect(sent).toEqual(['APPROVE alice']);
  });

  it('serves the page with a script allowed by its hash only, not cached', async () => {
    const res = await app(createMemoryFeed()).request(`/?token=${TOKEN}`);
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });
});

describe('web view: approvals through the run approval path', () => {
  it('shows what the pending approval approves: the step, the calls, the servers, the region, the word', async () => {
    const { web } = waitingApprovals();
    const res = await app(createMemoryFeed(), web).request(`/api/run?token=${TOKEN}`);
    expect(await res.json()).toMatchObject({
      canApprove: true,
      pending: {
        wave: 'db',
        kind: 'pointOfNoReturn',
        title: 'Start the failback of wave db',
        calls: [
          'StartFailbackLaunch for 0 recovery instance(s) in us-east-1: the target machines will be converted and rebooted (cannot be undone)',
        ],
        irreversible: true,
        servers: ['s-1'],
        region: 'us-east-1',
        confirmWord: 'db',
        expiresAt: null,
      },
    });
  });

  it('records an answer from the page with the name typed and via web', async () => {
    const { web, answers } = waitingApprovals();
    const res = await app(createMemoryFeed(), web).request('/api/approval', post(APPROVE_DB));
    expect(res.status).toBe(200);
    expect(await messageOf(res)).toBe('Wave db approved by alice.');
    expect(answers()).toEqual([
      { type: 'approval.given', wave: 'db', approver: 'alice', via: 'web', by: 'alice' },
    ]);
  });

  it("waves side by side: an answer for a wave that is not the oldest still needs that wave's word", async () => {
    const { approvals, answers } = waitingApprovals();
    approvals.onWaveStep('awaitingApproval', waveContext('app'), true);
    const web: WebApprovals = {
      pendingApproval: approvals.pending,
      pendingApprovals: approvals.allPending,
      answer: approvals.answer,
    };
    const a = app(createMemoryFeed(), web);
    const approveApp = { ...APPROVE_DB, wave: 'app', confirm: 'db' };
    const wrongWord = await a.request('/api/approval', post(approveApp));
    expect(wrongWord.status).toBe(400);
    expect(await messageOf(wrongWord)).toBe('To approve, type app exactly.');
    expect(answers()).toEqual([]);
    const typed = await a.request('/api/approval', post({ ...approveApp, confirm: 'app' }));
    expect(typed.status).toBe(200);
    expect(answers()).toEqual([
      { type: 'approval.given', wave: 'app', approver: 'alice', via: 'web', by: 'alice' },
    ]);
    expect(web.pendingApproval()).toMatchObject({ wave: 'db' });
  });

  it('approves only with the word typed exactly and a name given', async () => {
    const { web, answers } = waitingApprovals();
    const a = app(createMemoryFeed(), web);
    const wrongWord = await a.request('/api/approval', post({ ...APPROVE_DB, confirm: 'DB' }));
    expect(wrongWord.status).toBe(400);
    expect(await messageOf(wrongWord)).toBe('To approve, type db exactly.');
    const noWord = await a.request('/api/approval', post({ ...APPROVE_DB, confirm: undefined }));
    expect(noWord.status).toBe(400);
    const noName = await a.request('/api/approval', post({ ...APPROVE_DB, approver: ' ' }));
    expect(noName.status).toBe(400);
    expect(await messageOf(noName)).toContain('Type your name');
    expect(answers()).toEqual([]);
    // Refusing needs no word: it changes nothing.
    const refused = await a.request('/api/approval', post({ wave: 'db', answer: 'refuse', approver: 'bob' }));
    expect(refused.status).toBe(200);
    expect(answers()).toEqual([
      expect.objectContaining({ type: 'approval.refused', approver: 'bob', via: 'web' }),
    ]);
  });

  it('takes the first answer and refuses the second, and a stale one, with a message', async () => {
    const { web, answers } = waitingApprovals();
    const a = app(createMemoryFeed(), web);
    const stale = await a.request(
      '/api/approval',
      post({ ...APPROVE_DB, wave: 'app', answer: 'refuse', approver: 'bob' }),
    );
    expect(stale.status).toBe(409);
    expect(await messageOf(stale)).toBe(
      'Not recorded: the approval of wave app was already answered or has expired; wave db now waits for: Start the failback of wave db.',
    );
    const staleKind = await a.request('/api/approval', post({ ...APPROVE_DB, kind: 'cleanup' }));
    expect(staleKind.status).toBe(409);
    const first = await a.request('/api/approval', post({ wave: 'db', answer: 'refuse', approver: 'bob' }));
    expect(first.status).toBe(200);
    const second = await a.request('/api/approval', post(APPROVE_DB));
    expect(second.status).toBe(409);
    expect(await messageOf(second)).toBe(
      'Not recorded: the approval of wave db no longer waits for an answer.',
    );
    expect(answers()).toEqual([expect.objectContaining({ type: 'approval.refused', approver: 'bob' })]);
  });

  it("after the point of no return the word is the step's, as at the terminal (terminate for the clean-up)", async () => {
    const { approvals, web, answers } = waitingApprovals();
    approvals.answer('approve', { approver: 'alice', via: 'terminal' }, { wave: 'db' });
    approvals.onWaveStep('cleaningUp.awaitingApproval', waveContext('db'), true);
    const a = app(createMemoryFeed(), web);
    const view = (await (await a.request(`/api/run?token=${TOKEN}`)).json()) as { pending: unknown };
    expect(view.pending).toMatchObject({ wave: 'db', kind: 'cleanup', confirmWord: 'terminate' });
    const cleanup = { ...APPROVE_DB, kind: 'cleanup', approver: 'bob' };
    const waveName = await a.request('/api/approval', post(cleanup));
    expect(waveName.status).toBe(400);
    expect(await messageOf(waveName)).toBe('To approve, type terminate exactly.');
    const typed = await a.request('/api/approval', post({ ...cleanup, confirm: 'terminate' }));
    expect(typed.status).toBe(200);
    expect(answers().at(-1)).toMatchObject({ type: 'approval.given', approver: 'bob', via: 'web' });
  });

  it("refuses a name that is not one of the plan's approvers", async () => {
    const { web, answers } = waitingApprovals(['alice']);
    const a = app(createMemoryFeed(), web);
    const mallory = await a.request('/api/approval', post({ ...APPROVE_DB, approver: 'mallory' }));
    expect(mallory.status).toBe(403);
    expect(await messageOf(mallory)).toContain("mallory is not one of the plan's approvers (alice)");
    expect(answers()).toEqual([]);
    expect((await a.request('/api/approval', post(APPROVE_DB))).status).toBe(200);
  });

  it('is read-only without the run driven here', async () => {
    const a = app(createMemoryFeed());
    const res = await a.request('/api/approval', post({ wave: 'db', answer: 'refuse', approver: 'x' }));
    expect(res.status).toBe(409);
    expect(await messageOf(res)).toContain('read-only');
    expect(await (await a.request(`/api/run?token=${TOKEN}`)).json()).toMatchObject({
      canApprove: false,
      pending: null,
    });
  });

  it('gives the page the wave lifecycle the terminal labels states with', async () => {
    const res = await app(createMemoryFeed()).request(`/api/run?token=${TOKEN}`);
    const { lifecycle } = (await res.json()) as { lifecycle: { path: string; label: string }[] };
    expect(lifecycle.map((s) => [s.path, s.label])).toEqual(
      waveLifecycle.states.map((s) => [s.path, s.description]),
    );
    expect(lifecycle.length).toBeGreaterThan(5);
  });
});

describe('web view: a page answer to a real run', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(T0);
  });
  afterEach(() => vi.useRealTimers());

  it('is recorded in the run events as approval.given via web, and the wave goes on', async () => {
    const run = createFailbackRun({
      plan: parsePlan(
        `version: 1
name: payments
region: us-east-1
objectives: { rpo: 15m, rto: 4h }
approval: once
waves:
  - name: db
    servers: [{ sourceServerID: s-00000000000000001 }]
`,
        'plan.yaml',
      ),
      // Never called: the activities are scripted.
      clients: { drs: new DrsClient({ region: 'us-east-1' }), ec2: new EC2Client({ region: 'us-east-1' }) },
      activities: scriptedActivities({}),
      runId: 'run-20260101T000000Z-abcdef',
    });
    const feed = createMemoryFeed();
    run.on((e) => feed.push(e));
    const a = createWebApp({
      runId: run.id,
      plan: run.plan,
      feed,
      token: TOKEN,
      approvals: run,
      report: () => buildReport({ runId: run.id, events: [...feed.history()], plan: run.plan }),
    });
    const done = run.start();
    await vi.advanceTimersByTimeAsync(1);
    expect(run.pendingApproval()).toMatchObject({ wave: 'db' });
    const res = await a.request('/api/approval', post({ ...APPROVE_DB, approver: 'Erin Ops' }));
    expect(res.status).toBe(200);
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect((await done).outcome).toBe('completed');
    expect(feed.history().filter((e) => e.type === 'approval.given')).toEqual([
      expect.objectContaining({ wave: 'db', approver: 'Erin Ops', via: 'web', by: 'Erin Ops' }),
    ]);
  });
});

interface SseMessage {
  event?: string;
  id?: string;
  data: string;
}

/** Reads SSE messages from a response until `until` says enough. */
async function readMessages(
  res: Response,
  until: (messages: SseMessage[]) => boolean,
): Promise<{ messages: SseMessage[]; ids: number[]; stop: () => Promise<void> }> {
  const body = res.body;
  if (!body) throw new Error('no body');
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const messages: SseMessage[] = [];
  while (!until(messages)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    const parts = text.split('\n\n');
    text = parts.pop() ?? '';
    for (const part of parts) {
      const field = (name: string) => new RegExp(`^${name}: (.*)$`, 'm').exec(part)?.[1];
      const id = field('id');
      messages.push({
        data: field('data') ?? '',
        ...(id ? { id } : {}),
        ...(field('event') ? { event: field('event') } : {}),
      });
    }
  }
  const runMessages = messages.filter((m) => m.event === 'run');
  for (const m of runMessages) expect(String(JSON.parse(m.data).seq)).toBe(m.id);
  return { messages, ids: runMessages.map((m) => Number(m.id)), stop: () => reader.cancel() };
}

const runCount = (n: number) => (messages: SseMessage[]) =>
  messages.filter((m) => m.event === 'run').length >= n;

describe('web view: the event stream', () => {
  it('sends every event with its seq as id, then the new ones', async () => {
    const feed = createMemoryFeed([note(1), note(2), note(3)]);
    const res = await app(feed).request(`/api/events?token=${TOKEN}`);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const first = readMessages(res, runCount(5));
    feed.push(note(4));
    feed.push(note(4)); // the same event again: never sent twice
    feed.push(note(5));
    const { ids, stop } = await first;
    expect(ids).toEqual([1, 2, 3, 4, 5]);
    await stop();
  });

  it('resumes after Last-Event-ID without gaps or duplicates', async () => {
    const feed = createMemoryFeed([note(1), note(2), note(3), note(4)]);
    const res = await app(feed).request(`/api/events?token=${TOKEN}`, { headers: { 'Last-Event-ID': '2' } });
    const reading = readMessages(res, runCount(3));
    feed.push(note(5));
    const { ids, stop } = await reading;
    expect(ids).toEqual([3, 4, 5]);
    await stop();
  });

  it('a dropped connection resumed from its last id gets exactly the rest', async () => {
    const feed = createMemoryFeed([note(1), note(2)]);
    const a = app(feed);
    const first = await readMessages(await a.request(`/api/events?token=${TOKEN}`), runCount(2));
    await first.stop();
    // Events while disconnected.
    feed.push(note(3));
    feed.push(note(4));
    const last = first.ids.at(-1);
    const again = a.request(`/api/events?token=${TOKEN}`, { headers: { 'Last-Event-ID': String(last) } });
    const second = await readMessages(await again, runCount(2));
    await second.stop();
    expect([...first.ids, ...second.ids]).toEqual([1, 2, 3, 4]);
  });

  describe('between events', () => {
    beforeEach(() => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
      vi.setSystemTime(T0);
    });
    afterEach(() => vi.useRealTimers());

    it("sends the run's clock every tick, without an id (the resume point stays the last event)", async () => {
      let virtual = T0 + 3_600_000;
      const feed = createMemoryFeed([note(1)]);
      const res = await app(feed, undefined, { now: () => virtual, tickMs: 1_000 }).request(
        `/api/events?token=${TOKEN}`,
      );
      const clocks = (m: SseMessage[]) => m.filter((x) => x.event === 'clock').length;
      const reading = readMessages(res, (m) => clocks(m) >= 2);
      await vi.advanceTimersByTimeAsync(999);
      virtual += 5_000;
      await vi.advanceTimersByTimeAsync(1);
      await vi.advanceTimersByTimeAsync(1_000);
      const { messages, stop } = await reading;
      await stop();
      expect(messages).toEqual([
        { event: 'run', id: '1', data: JSON.stringify(note(1)) },
        { event: 'clock', data: JSON.stringify({ now: new Date(T0 + 3_605_000).toISOString() }) },
        { event: 'clock', data: JSON.stringify({ now: new Date(T0 + 3_605_000).toISOString() }) },
      ]);
    });
  });
});

describe('web view: the event log of a run driven elsewhere', () => {
  it('reads the log again as it grows: each event once, in order, until the run has finished', () => {
    vi.useFakeTimers();
    try {
      const log: RunEvent[] = [note(1)];
      let reads = 0;
      const feed = createPollingFeed(() => {
        reads += 1;
        return [...log];
      }, 100);
      const got: number[] = [];
      feed.subscribe((e) => got.push(e.seq));
      log.push(note(2), note(3));
      vi.advanceTimersByTime(100);
      vi.advanceTimersByTime(100);
      expect(got).toEqual([2, 3]);
      log.push({
        type: 'run.finished',
        outcome: 'completed',
        waves: [],
        at: '2026-01-01T00:00:00.000Z',
        runId: 'r1',
        seq: 4,
      });
      vi.advanceTimersByTime(100);
      const afterEnd = reads;
      vi.advanceTimersByTime(1000);
      expect(reads).toBe(afterEnd);
      expect(feed.history().map((e) => e.seq)).toEqual([1, 2, 3, 4]);
      feed.close();
    } finally {
      vi.useRealTimers();
    }
  });
});
