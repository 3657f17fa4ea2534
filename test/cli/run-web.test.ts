// `run --web` in-process against the simulated AWS: the page's approvals beside the terminal's
// (first answer wins, each side sees the other's at once) and, without a terminal, the run waits
// for the page with virtual time standing still. HTTP goes to the real server on loopback.
import { EventEmitter } from 'node:events';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { resume } from '../../src/cli/commands/resume.js';
import { run } from '../../src/cli/commands/run.js';
import type { CliIO } from '../../src/cli/io.js';
import type { RunOptions } from '../../src/cli/options.js';
import type { ApprovalQuestion, PromptStreams } from '../../src/cli/prompts.js';
import { cli, fixture, tempStateDir } from './helpers.js';

function io(isTTY: boolean): { io: CliIO; stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  const stream = () => Object.assign(new PassThrough(), { isTTY });
  const stdout = stream();
  const stderr = stream();
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  return {
    io: { stdin: stream(), stdout, stderr, env: { NO_COLOR: '1' } },
    stdout: () => out,
    stderr: () => err,
  };
}

const options = (more: Partial<RunOptions> = {}): RunOptions => ({
  plan: fixture('plan.yaml'),
  simulate: fixture('scenario.yaml'),
  yes: false,
  json: false,
  stateDir: tempStateDir(),
  logLevel: 'silent',
  web: {},
  ...more,
});

/** The page's side: the URL printed on stderr, and its requests. */
function page(stderr: () => string) {
  const url = () => new URL(/live view: (\S+)/.exec(stderr())?.[1] ?? 'http://invalid/');
  const token = () => url().searchParams.get('token') ?? '';
  return {
    state: async () =>
      (await (await fetch(`${url().origin}/api/run?token=${token()}`)).json()) as {
        pending: { wave: string; kind: string; confirmWord: string } | null;
        now: string;
      },
    answer: (body: Record<string, unknown>) =>
      fetch(`${url().origin}/api/approval`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-drs-failback-token': token() },
        body: JSON.stringify(body),
      }),
  };
}

/** Calls `then` on the first event-loop turn where `ready` holds. */
function when(ready: () => boolean, then: () => void): void {
  const check = () => (ready() ? then() : setImmediate(check));
  setImmediate(check);
}

/** Ends the view that stays up after the run (Ctrl-C). */
function ctrlCWhenEnded(stderr: () => string, signals: EventEmitter): void {
  when(
    () => stderr().includes('The run has ended'),
    () => signals.emit('SIGINT'),
  );
}

describe('run --web on a terminal', () => {
  it('the terminal answers first: the page sees it at once and its late answer is refused', async () => {
    const t = io(true);
    const signals = new EventEmitter();
    const web = page(t.stderr);
    const late: { status: number; message: string; pendingAfter: unknown }[] = [];
    const askApproval = async (q: ApprovalQuestion, _s: PromptStreams) => {
      // The page offers the same approval while the terminal asks.
      expect((await web.state()).pending).toMatchObject({ wave: q.wave, confirmWord: q.confirmWord });
      if (q.wave === 'databases') {
        // Answered on the terminal right after this returns; then the page tries.
        setImmediate(async () => {
          const res = await web.answer({ wave: q.wave, answer: 'refuse', approver: 'mallory' });
          late.push({
            status: res.status,
            message: ((await res.json()) as { message: string }).message,
            pendingAfter: (await web.state()).pending,
          });
        });
      }
      return 'approve' as const;
    };
    ctrlCWhenEnded(t.stderr, signals);
    const summary = await run(options(), t.io, { user: 'alice', askApproval, signals });
    expect(summary.end).toBe('completed');
    expect(late).toEqual([
      {
        status: 409,
        message: expect.stringMatching(
          /^Not recorded: the approval of wave databases (no longer waits|was already answered)/,
        ),
        pendingAfter: expect.not.objectContaining({ wave: 'databases', kind: 'pointOfNoReturn' }),
      },
    ]);
    expect(t.stdout()).toContain('approved wave databases by alice via terminal');
    expect(t.stdout()).not.toContain('mallory');
  });
});

/** The fixture plan with approvals that expire 10 virtual seconds after they are asked. */
function planExpiringApprovals(): string {
  const path = join(tempStateDir(), 'plan.yaml');
  const text = readFileSync(fixture('plan.yaml'), 'utf8');
  writeFileSync(path, text.replace('approval: per-wave', 'approval: per-wave\napprovalTimeout: 10s'));
  return path;
}

describe('run --web without a terminal', () => {
  it('waits for the page instead of aborting; virtual time stands still until it answers', async () => {
    // At speed 600 an approval expiring after 10 virtual seconds would expire within 17 ms of
    // real time if virtual time moved while it waits.
    const plan = planExpiringApprovals();
    const t = io(false);
    const signals = new EventEmitter();
    const web = page(t.stderr);
    const clocks: string[] = [];
    const approvedAt: string[] = [];
    when(
      () => /"type":"approval\.requested"[^\n]*"wave":"databases"/.test(t.stdout()),
      async () => {
        // Many requests, each some real milliseconds: at speed 600 a moving clock would show it.
        for (let i = 0; i < 20; i++) clocks.push((await web.state()).now);
        const pending = (await web.state()).pending;
        expect(pending).toMatchObject({ wave: 'databases', kind: 'pointOfNoReturn' });
        const res = await web.answer({
          wave: 'databases',
          kind: pending?.kind,
          answer: 'approve',
          approver: 'Pat Night-Shift',
          confirm: 'databases',
        });
        expect(res.status).toBe(200);
        approvedAt.push((await web.state()).now);
        when(
          () => /"type":"approval\.requested"[^\n]*"wave":"app"/.test(t.stdout()),
          async () => {
            const refused = await web.answer({ wave: 'app', answer: 'refuse', approver: 'Pat Night-Shift' });
            expect(refused.status).toBe(200);
          },
        );
      },
    );
    ctrlCWhenEnded(t.stderr, signals);
    const summary = await run(options({ plan, json: true, speed: 600 }), t.io, { user: 'alice', signals });
    const events = t
      .stdout()
      .trim()
      .split('\n')
      .map(
        (l) => JSON.parse(l) as { type: string; wave?: string; at: string; approver?: string; via?: string },
      );
    const requested = events.find((e) => e.type === 'approval.requested' && e.wave === 'databases');
    expect(clocks).toHaveLength(20);
    expect(new Set(clocks)).toEqual(new Set([requested?.at]));
    expect(approvedAt).toEqual([requested?.at]);
    expect(events.filter((e) => e.type === 'approval.given' || e.type === 'approval.refused')).toEqual([
      expect.objectContaining({
        type: 'approval.given',
        wave: 'databases',
        approver: 'Pat Night-Shift',
        via: 'web',
      }),
      expect.objectContaining({
        type: 'approval.refused',
        wave: 'app',
        approver: 'Pat Night-Shift',
        via: 'web',
      }),
    ]);
    expect(summary.end).toBe('aborted');
    expect(summary.result?.waves.map((w) => w.outcome)).toEqual(['completed', 'aborted']);
    expect(t.stderr()).not.toContain('without a terminal nothing waits for input');
  });
});

describe('resume --web', () => {
  it("serves the resumed run's whole stream: the events logged before it, then the new ones, seq 1..n", async () => {
    const stateDir = tempStateDir();
    // The first process dies as StartFailbackLaunch is sent: an interrupted run.
    await cli(
      [
        'run',
        fixture('plan.yaml'),
        '--simulate',
        fixture('scenario.yaml'),
        '--yes',
        '--json',
        '--state-dir',
        stateDir,
      ],
      {
        DRS_FAILBACK_FAULT: 'request:StartFailbackLaunch',
      },
    );
    const [runId] = readdirSync(join(stateDir, 'runs'));
    const before = readFileSync(join(stateDir, 'runs', runId ?? '', 'events.ndjson'), 'utf8')
      .trim()
      .split('\n');
    expect(before.length).toBeGreaterThan(5);

    const t = io(false);
    const signals = new EventEmitter();
    const streamed: { seq: number; type: string }[] = [];
    when(
      () => t.stderr().includes('The run has ended'),
      async () => {
        const url = new URL(/live view: (\S+)/.exec(t.stderr())?.[1] ?? '');
        const res = await fetch(`${url.origin}/api/events${url.search}`);
        const reader = (res.body as ReadableStream<Uint8Array>).getReader();
        let text = '';
        while (!streamed.some((e) => e.type === 'run.finished')) {
          const { value, done } = await reader.read();
          if (done) break;
          text += new TextDecoder().decode(value);
          for (const m of text.matchAll(/^data: (\{.*\})$/gm)) {
            const event = JSON.parse(m[1] ?? '{}') as { seq: number; type: string };
            if (!streamed.some((e) => e.seq === event.seq)) streamed.push(event);
          }
        }
        await reader.cancel();
        signals.emit('SIGINT');
      },
    );
    const summary = await resume({ runId: runId ?? '', stateDir, yes: true, json: true, web: {} }, t.io, {
      signals,
    });
    expect(summary.end).toBe('completed');
    const logged = readFileSync(join(stateDir, 'runs', runId ?? '', 'events.ndjson'), 'utf8')
      .trim()
      .split('\n');
    expect(logged.length).toBeGreaterThan(before.length);
    expect(streamed.map((e) => e.seq)).toEqual(logged.map((_, i) => i + 1));
  });
});
