// The web view's rules at the HTTP level: the token on every request and in a header on those that
// change something, one answer per approval (a stale one refused), SSE ids = seq with resume.
import { describe, expect, it, vi } from 'vitest';
import type { RunEvent } from '../../src/events.js';
import { PLAN_DEFAULTS, type Plan } from '../../src/plan/types.js';
import { buildReport } from '../../src/report/index.js';
import {
  createMemoryFeed,
  createPollingFeed,
  createWebApp,
  type MemoryFeed,
  TOKEN_HEADER,
  type WebApprovals,
} from '../../src/web/index.js';

const TOKEN = 'test-token-0123456789';

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

/** Approvals like the run's: one pending wave, answered once. */
function fakeApprovals(wave: string | null) {
  let waiting = wave;
  const answers: string[] = [];
  const approvals: WebApprovals = {
    pending: () => (waiting === null ? null : { wave: waiting, pointOfNoReturn: 'StartFailbackLaunch' }),
    approve(by) {
      if (waiting === null) return false;
      answers.push(`approve ${waiting} ${by}`);
      waiting = null;
      return true;
    },
    refuse(by) {
      if (waiting === null) return false;
      answers.push(`refuse ${waiting} ${by}`);
      waiting = null;
      return true;
    },
  };
  return { approvals, answers };
}

function app(feed: MemoryFeed, approvals?: WebApprovals) {
  return createWebApp({
    runId: 'r1',
    plan,
    feed,
    token: TOKEN,
    ...(approvals ? { approvals } : {}),
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

describe('web view: the access token', () => {
  it('refuses every request without the token, or with a wrong one', async () => {
    const a = app(createMemoryFeed());
    for (const path of ['/', '/api/run', '/api/events', '/report.md', '/report.json', '/nothing']) {
      expect((await a.request(path)).status).toBe(403);
      expect((await a.request(`${path}?token=wrong`)).status).toBe(403);
    }
    expect((await a.request(`/?token=${TOKEN}`)).status).toBe(200);
    expect((await a.request('/api/run', { headers: { [TOKEN_HEADER]: TOKEN } })).status).toBe(200);
  });

  it('needs the token in a header, not the URL alone, to answer an approval', async () => {
    const { approvals, answers } = fakeApprovals('db');
    const a = app(createMemoryFeed(), approvals);
    const body = { wave: 'db', answer: 'approve', approver: 'alice', confirm: 'db' };
    expect((await a.request(`/api/approval?token=${TOKEN}`, post(body, {}))).status).toBe(403);
    expect(answers).toEqual([]);
    expect((await a.request('/api/approval', post(body))).status).toBe(200);
    expect(answers).toEqual(['approve db alice']);
  });
});

describe('web view: approvals', () => {
  it('shows what the pending approval approves and the word to type', async () => {
    const { approvals } = fakeApprovals('db');
    const res = await app(createMemoryFeed(), approvals).request(`/api/run?token=${TOKEN}`);
    expect(await res.json()).toMatchObject({
      canApprove: true,
      pending: {
        wave: 'db',
        pointOfNoReturn: 'StartFailbackLaunch',
        servers: ['s-1'],
        region: 'us-east-1',
        confirmWord: 'db',
      },
    });
  });

  it('approves only with the wave name typed and a name given', async () => {
    const { approvals, answers } = fakeApprovals('db');
    const a = app(createMemoryFeed(), approvals);
    const noConfirm = await a.request(
      '/api/approval',
      post({ wave: 'db', answer: 'approve', approver: 'alice', confirm: 'DB' }),
    );
    expect(noConfirm.status).toBe(400);
    expect(await messageOf(noConfirm)).toContain('type the wave');
    const noName = await a.request(
      '/api/approval',
      post({ wave: 'db', answer: 'approve', approver: ' ', confirm: 'db' }),
    );
    expect(noName.status).toBe(400);
    expect(answers).toEqual([]);
  });

  it('takes the first answer and refuses the second, and one for another wave, with a message', async () => {
    const { approvals, answers } = fakeApprovals('db');
    const a = app(createMemoryFeed(), approvals);
    const other = await a.request('/api/approval', post({ wave: 'app', answer: 'refuse', approver: 'bob' }));
    expect(other.status).toBe(409);
    const first = await a.request('/api/approval', post({ wave: 'db', answer: 'refuse', approver: 'bob' }));
    expect(first.status).toBe(200);
    const second = await a.request(
      '/api/approval',
      post({ wave: 'db', answer: 'approve', approver: 'alice', confirm: 'db' }),
    );
    expect(second.status).toBe(409);
    expect(await messageOf(second)).toBe(
      'Wave db no longer waits for approval: it was answered or the run moved on.',
    );
    expect(answers).toEqual(['refuse db bob']);
  });

  it('is read-only without the run driven here', async () => {
    const res = await app(createMemoryFeed()).request(
      '/api/approval',
      post({ wave: 'db', answer: 'refuse', approver: 'x' }),
    );
    expect(res.status).toBe(409);
    expect(await messageOf(res)).toContain('read-only');
  });
});

/** Reads SSE messages from a response until `count` ids have come. */
async function readIds(res: Response, count: number): Promise<{ ids: number[]; stop: () => Promise<void> }> {
  const body = res.body;
  if (!body) throw new Error('no body');
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const ids: number[] = [];
  while (ids.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    const parts = text.split('\n\n');
    text = parts.pop() ?? '';
    for (const part of parts) {
      const id = /^id: (\d+)$/m.exec(part);
      const data = /^data: (.*)$/m.exec(part);
      if (id?.[1] !== undefined && data?.[1] !== undefined) {
        expect(JSON.parse(data[1]).seq).toBe(Number(id[1]));
        ids.push(Number(id[1]));
      }
    }
  }
  return { ids, stop: () => reader.cancel() };
}

describe('web view: the event stream', () => {
  it('sends every event with its seq as id, then the new ones', async () => {
    const feed = createMemoryFeed([note(1), note(2), note(3)]);
    const res = await app(feed).request(`/api/events?token=${TOKEN}`);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const first = readIds(res, 5);
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
    const reading = readIds(res, 3);
    feed.push(note(5));
    const { ids, stop } = await reading;
    expect(ids).toEqual([3, 4, 5]);
    await stop();
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
