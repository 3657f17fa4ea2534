// Progress: the status facts, the status area (at most once a second), the heartbeat (a fixed
// wall-clock interval) and handled retries folded into one line. Time is controlled.
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { palette } from '../../src/cli/io.js';
import { LiveView, RunTracker } from '../../src/cli/live-view.js';
import { Heartbeat, runStatus, StatusArea, statusLines } from '../../src/cli/status.js';
import type { RunEvent, RunEventBody } from '../../src/events.js';
import type { Plan } from '../../src/plan/types.js';
import { cli, fixture, tempStateDir } from './helpers.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const MIN = 60_000;
const plan: Plan = {
  version: 1,
  name: 'p',
  region: 'us-east-1',
  objectives: { rpoMs: 15 * MIN, rtoMs: 4 * 60 * MIN },
  approval: 'per-wave',
  polling: { intervalMs: 30_000, maxMs: 5 * MIN },
  verify: { timeoutMs: 20 * MIN },
  job: { timeoutMs: 120 * MIN },
  backout: { restore: 'if-unhealthy' },
  waves: [
    {
      name: 'db',
      servers: [
        { sourceServerID: 's-00000000000000001', verify: { probes: [{ tcp: 'db:5432' }] } },
        { sourceServerID: 's-00000000000000002' },
      ],
    },
    { name: 'app', servers: [{ sourceServerID: 's-00000000000000003' }] },
  ],
} as Plan;

let seq = 0;
const ev = (atMs: number, body: RunEventBody): RunEvent =>
  ({ ...body, at: new Date(atMs).toISOString(), runId: 'run-1', seq: ++seq }) as RunEvent;

function converting(tracker: RunTracker) {
  tracker.observe(ev(T0, { type: 'run.started', plan: 'p', waves: 2, servers: 3, simulated: true }));
  tracker.observe(
    ev(T0, { type: 'state', machine: 'wave', wave: 'db', from: 'startingFailback', to: 'monitoringJob' }),
  );
  tracker.observe(
    ev(T0 + 2 * MIN, {
      type: 'job.log',
      wave: 'db',
      jobId: 'j',
      event: 'CONVERSION_START',
      server: 's-00000000000000001',
      logDateTime: '',
    }),
  );
  tracker.observe(
    ev(T0 + 39 * MIN, {
      type: 'aws.request',
      service: 'drs',
      region: 'us-east-1',
      operation: 'DescribeJobs',
      input: {},
    }),
  );
}

describe('run status facts', () => {
  it('per wave: servers by phase, RTO left, what it waits for, when it reads next', () => {
    const tracker = new RunTracker();
    converting(tracker);
    const now = T0 + 39 * MIN + 5_000;
    const status = runStatus(tracker, plan, now);
    expect(status.waves).toEqual([
      {
        wave: 'db',
        state: 'monitoringJob',
        waitingFor: expect.stringContaining('Polling DescribeJobs'),
        phases: { CONVERSION_START: 1, waiting: 1 },
        nextReadAt: T0 + 39 * MIN + 30_000,
        probesPending: 0,
      },
    ]);
    expect(statusLines(status, now)).toEqual([
      expect.stringMatching(
        /^wave db: Polling DescribeJobs.* · servers 1 CONVERSION_START, 1 waiting · RTO 3h 20m left · next read in 25s$/,
      ),
    ]);
  });

  it('verifying: the probes still pending; past the RTO: by how much', () => {
    const tracker = new RunTracker();
    converting(tracker);
    tracker.observe(
      ev(T0 + 40 * MIN, {
        type: 'state',
        machine: 'wave',
        wave: 'db',
        from: 'monitoringJob',
        to: 'verifying',
      }),
    );
    const now = T0 + 4 * 60 * MIN + 12_000;
    const [line] = statusLines(runStatus(tracker, plan, now), now);
    expect(line).toContain('1 probe(s) pending');
    expect(line).toContain('RTO exceeded by 12s');
  });
});

describe('status area on a terminal', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(T0);
  });
  afterEach(() => vi.useRealTimers());

  it('recomputes at most once a second, and keeps the live view lines above it', async () => {
    const out = new PassThrough();
    let screen = '';
    out.on('data', (c: Buffer) => (screen += c.toString()));
    const tracker = new RunTracker();
    converting(tracker);
    let now = T0 + 39 * MIN;
    const computed = vi.fn(() => now);
    const area = new StatusArea({ out, tracker, plan, now: computed });
    area.start();
    expect(computed).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 50; i++) area.writeAbove(`line ${i}`);
    now += 10_000;
    await vi.advanceTimersByTimeAsync(999);
    expect(computed).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(computed).toHaveBeenCalledTimes(2);
    expect(screen).toContain('line 49\n» wave db:');
    expect(screen).toContain('next read in 20s');
    area.pause();
    const paused = screen.length;
    await vi.advanceTimersByTimeAsync(3000);
    expect(screen.length - paused).toBe(0); // a prompt owns the terminal
    area.stop();
  });
});

describe('status of waves side by side', () => {
  it("says the run's RTO once, then each wave's facts before its long state label", () => {
    const wave = (name: string, phase: string, nextReadAt: number | null) => ({
      wave: name,
      state: 'monitoringJob',
      waitingFor: 'Polling DescribeJobs until every server is LAUNCHED or one FAILED',
      phases: { [phase]: 1 },
      nextReadAt,
      probesPending: 0,
    });
    const lines = statusLines(
      {
        rtoRemainingMs: 3 * 3_600_000,
        retries: 0,
        waves: [wave('db', 'CONVERSION_START', T0 + 5_000), wave('app', 'LAUNCH_START', null)],
      },
      T0,
    );
    expect(lines).toEqual([
      'RTO 3h 00m left',
      'wave db: servers 1 CONVERSION_START · next read in 5s · Polling DescribeJobs until every server is LAUNCHED or one FAILED',
      'wave app: servers 1 LAUNCH_START · Polling DescribeJobs until every server is LAUNCHED or one FAILED',
    ]);
  });
});

describe('status area on a narrow terminal', () => {
  it('cuts each status line to the width, so clearing one row per line leaves nothing behind', () => {
    const out = Object.assign(new PassThrough(), { columns: 40 });
    let screen = '';
    out.on('data', (c: Buffer) => (screen += c.toString()));
    const tracker = new RunTracker();
    converting(tracker);
    const area = new StatusArea({ out, tracker, plan, now: () => T0 + 39 * MIN });
    area.start();
    area.stop();
    const ESC = String.fromCharCode(27);
    const drawn = screen.split(new RegExp(`\\r|\\n|${ESC}\\[\\d*[A-Za-z]`)).filter((l) => l.startsWith('» '));
    expect(drawn.length).toBeGreaterThan(0);
    for (const line of drawn) expect(line.length).toBeLessThan(40);
    expect(drawn[0]).toMatch(/^» wave db: .*…$/);
  });
});

describe('heartbeat when output is redirected', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(T0);
  });
  afterEach(() => vi.useRealTimers());

  it('one line per wave at the fixed interval, not before', async () => {
    const out = new PassThrough();
    const lines: string[] = [];
    out.on('data', (c: Buffer) => lines.push(...c.toString().split('\n').filter(Boolean)));
    const tracker = new RunTracker();
    converting(tracker);
    const beat = new Heartbeat({ out, tracker, plan, now: () => T0 + 39 * MIN }, 60_000);
    beat.start();
    await vi.advanceTimersByTimeAsync(59_999);
    expect(lines).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(lines).toEqual([
      expect.stringMatching(/^\[heartbeat 2026-01-01T00:39:00.000Z\] wave db: .*RTO 3h 21m left/),
    ]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(lines).toHaveLength(2);
    beat.stop();
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(lines).toHaveLength(2);
  });
});

describe('retries the tool handles', () => {
  it('are folded into one line with counts, not a red line each; other errors still show', () => {
    const out = new PassThrough();
    const lines: string[] = [];
    const tracker = new RunTracker();
    const view = new LiveView(out, palette(false), plan, tracker, (l) => lines.push(l));
    const throttled = (name: string) =>
      ev(T0, {
        type: 'aws.response',
        service: 'drs',
        operation: 'DescribeJobs',
        ok: false,
        requestId: null,
        error: { name, message: 'slow down' },
      });
    for (const e of [
      ...Array.from({ length: 51 }, () => throttled('ThrottlingException')),
      ...Array.from({ length: 5 }, () => throttled('RequestLimitExceeded')),
    ]) {
      tracker.observe(e);
      view.handle(e);
    }
    expect(lines).toEqual([]);
    const denied = throttled('AccessDeniedException');
    tracker.observe(denied);
    view.handle(denied);
    expect(lines).toEqual([
      expect.stringContaining(
        'AWS throttled or briefly failed 56 call(s), sent again: drs:DescribeJobs ThrottlingException ×51, drs:DescribeJobs RequestLimitExceeded ×5',
      ),
      expect.stringContaining('✗ drs:DescribeJobs AccessDeniedException'),
    ]);
    expect(tracker.retries.total).toBe(56);
  });
});

describe('heartbeat from the command line', () => {
  it('output redirected: --heartbeat prints the status lines at that interval of wall time', async () => {
    const run = await cli([
      'run',
      fixture('plan.yaml'),
      '--simulate',
      fixture('scenario.yaml'),
      '--yes',
      '--speed',
      '600',
      '--heartbeat',
      '1s',
      '--state-dir',
      tempStateDir(),
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/\[heartbeat \S+\] wave databases: .* · RTO \d+h \d\dm left/);
    const json = await cli([
      'run',
      fixture('plan.yaml'),
      '--simulate',
      fixture('scenario.yaml'),
      '--yes',
      '--json',
      '--heartbeat',
      '1s',
      '--speed',
      '600',
      '--state-dir',
      tempStateDir(),
    ]);
    expect(json.stdout).not.toContain('heartbeat');
    expect(json.stderr).not.toContain('heartbeat');
  });

  it('refuses a heartbeat that is not a duration', async () => {
    const run = await cli(['run', fixture('plan.yaml'), '--heartbeat', 'often']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--heartbeat takes a duration');
  });
});
