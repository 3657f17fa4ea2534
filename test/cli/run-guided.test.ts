// Guided mode in-process: a "terminal" io, injected prompt answers and signals, the simulated AWS.
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { run } from '../../src/cli/commands/run.js';
import type { CliIO } from '../../src/cli/io.js';
import type { RunOptions } from '../../src/cli/options.js';
import type { ApprovalQuestion } from '../../src/cli/prompts.js';
import { fixture, tempStateDir } from './helpers.js';

function tty(): { io: CliIO; stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  const stdout = Object.assign(new PassThrough(), { isTTY: true });
  const stderr = Object.assign(new PassThrough(), { isTTY: true });
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  return {
    io: { stdin: Object.assign(new PassThrough(), { isTTY: true }), stdout, stderr, env: { NO_COLOR: '1' } },
    stdout: () => out,
    stderr: () => err,
  };
}

/** Emits SIGINT on the first event-loop turn after the live view shows StartFailbackLaunch sent. */
function afterLaunchSent(t: { stdout: () => string }, signals: EventEmitter): void {
  const fire = () => {
    if (t.stdout().includes('drs:StartFailbackLaunch')) signals.emit('SIGINT');
    else setImmediate(fire);
  };
  setImmediate(fire);
}

const options = (scenario = 'scenario.yaml'): RunOptions => ({
  plan: fixture('plan.yaml'),
  simulate: fixture(scenario),
  yes: false,
  json: false,
  stateDir: tempStateDir(),
  logLevel: 'silent',
});

describe('run, guided', () => {
  it('asks before each point of no return, naming the call and the region; yes/yes completes', async () => {
    const t = tty();
    const askApproval = vi.fn(async (_q: ApprovalQuestion) => 'approve' as const);
    const summary = await run(options(), t.io, { user: 'alice', askApproval, signals: new EventEmitter() });
    expect(summary.end).toBe('completed');
    expect(askApproval).toHaveBeenCalledTimes(2);
    expect(askApproval.mock.calls[0]?.[0]).toEqual({
      wave: 'databases',
      title: 'Start the failback of wave databases',
      calls: [
        {
          call: 'StartFailbackLaunch',
          target: '2 recovery instance(s)',
          region: null,
          consequence: 'the target machines will be converted and rebooted',
          irreversible: true,
        },
      ],
      confirmWord: 'databases',
      pointOfNoReturn:
        'StartFailbackLaunch for 2 recovery instance(s); the target machines will be converted and rebooted',
      region: 'us-east-1',
    });
    expect(t.stdout()).toContain('approved wave databases by alice via terminal');
    expect(t.stdout()).toContain('Plan cli-fixture in us-east-1: 2 wave(s), 3 server(s)');
    expect(t.stdout()).toMatch(/RTO: .+ elapsed of 4h 00m — within objective/);
  });

  it('a refusal aborts before the point of no return', async () => {
    const t = tty();
    const summary = await run(options(), t.io, {
      user: 'bob',
      askApproval: async () => 'refuse',
      signals: new EventEmitter(),
    });
    expect(summary.end).toBe('aborted');
    expect(t.stdout()).toContain('refused wave databases by bob');
  });

  it('Ctrl-C at the approval prompt aborts (exit 3 semantics)', async () => {
    const t = tty();
    const summary = await run(options(), t.io, {
      askApproval: async () => 'cancel',
      signals: new EventEmitter(),
    });
    expect(summary.end).toBe('aborted');
    expect(summary.result?.waves[0]?.failure?.message).toContain('approval prompt');
  });

  it('Ctrl-C after the point of no return asks; "back out" backs the wave out', async () => {
    const t = tty();
    const signals = new EventEmitter();
    const askAfterInterrupt = vi.fn(async () => 'backout' as const);
    const summary = await run(options(), t.io, {
      askApproval: async () => {
        // Ctrl-C arrives once the launch was sent (before it, the stop gate refuses the start).
        afterLaunchSent(t, signals);
        return 'approve';
      },
      askAfterInterrupt,
      signals,
    });
    expect(askAfterInterrupt).toHaveBeenCalledWith({ waves: ['databases'] }, expect.anything());
    expect(summary.end).toBe('backed-out');
    expect(signals.listenerCount('SIGINT')).toBe(0);
  });

  it('Ctrl-C after the point of no return, "leave paused": state on disk, interrupted (130)', async () => {
    const t = tty();
    const signals = new EventEmitter();
    const opts = options();
    const summary = await run(opts, t.io, {
      askApproval: async () => {
        afterLaunchSent(t, signals);
        return 'approve';
      },
      askAfterInterrupt: async () => 'pause',
      signals,
    });
    expect(summary.end).toBe('interrupted');
    const dir = join(opts.stateDir, 'runs', summary.runId);
    expect(summary.paused?.path).toBe(dir);
    for (const file of ['run.json', 'plan.json', 'snapshot.json', 'events.ndjson', 'sim-world.ndjson']) {
      expect(existsSync(join(dir, file)), file).toBe(true);
    }
    // Paused: the locks stay (resume takes them over once this process is gone).
    expect(existsSync(join(opts.stateDir, 'locks', 'plan-cli-fixture.lock'))).toBe(true);
    expect(t.stderr()).toContain(
      `state saved in ${dir}; \`drs-failback resume ${summary.runId} --state-dir ${opts.stateDir}\` continues`,
    );
    expect(signals.listenerCount('SIGINT')).toBe(0);
  });

  it('Ctrl-C before the point of no return aborts without asking', async () => {
    const t = tty();
    const signals = new EventEmitter();
    const askAfterInterrupt = vi.fn(async () => 'backout' as const);
    // The signal arrives just after the run starts, while the first wave's precheck runs.
    signals.on('newListener', (name) => {
      if (name === 'SIGINT') setImmediate(() => signals.emit('SIGINT'));
    });
    const summary = await run(options(), t.io, {
      askApproval: async () => 'approve',
      askAfterInterrupt,
      signals,
    });
    expect(summary.end).toBe('aborted');
    expect(askAfterInterrupt).not.toHaveBeenCalled();
    expect(t.stdout()).toContain('aborting before the point of no return');
  });
});

describe('run --web, guided', () => {
  it('the terminal and the page offer the same approval: the page answers first, the prompt gives way', async () => {
    const t = tty();
    const signals = new EventEmitter();
    const asked: string[] = [];
    const askApproval = vi.fn(
      async (
        q: { wave: string },
        streams: { signal?: AbortSignal },
      ): Promise<'approve' | 'refuse' | 'cancel'> => {
        asked.push(q.wave);
        const url = new URL(/live view: (\S+)/.exec(t.stderr())?.[1] ?? '');
        const token = url.searchParams.get('token') ?? '';
        const answer = async (approver: string) =>
          fetch(`${url.origin}/api/approval`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-drs-failback-token': token },
            body: JSON.stringify({ wave: q.wave, answer: 'approve', approver, confirm: q.wave }),
          });
        const first = await answer('carol');
        expect(first.status).toBe(200);
        // The prompt is ended by the page's answer; a second answer is stale.
        expect(streams.signal?.aborted).toBe(true);
        expect((await answer('dave')).status).toBe(409);
        return 'cancel';
      },
    );
    const ended = () => {
      if (t.stderr().includes('The run has ended')) signals.emit('SIGINT');
      else setImmediate(ended);
    };
    setImmediate(ended);
    const summary = await run({ ...options(), web: {} }, t.io, { user: 'alice', askApproval, signals });
    expect(summary.end).toBe('completed');
    expect(asked).toEqual(['databases', 'app']);
    // The terminal sees the page's answer at once, with who and through what.
    expect(t.stdout()).toContain('approved wave databases by carol via web');
    expect(t.stdout()).toContain('The approval of wave databases was answered elsewhere or expired.');
    expect(t.stderr()).toMatch(/live view: http:\/\/127\.0\.0\.1:\d+\/\?token=\S{20,}/);
  });
});
