// `drs-failback prepare` end to end (child process, simulated AWS): confirmation, idempotency
// across processes (the simulated world prepare changed is kept in the state directory), the
// watch, and a run that then completes. Plus the watch stopped by Ctrl-C, in-process.

import { EventEmitter } from 'node:events';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { prepare } from '../../src/cli/commands/prepare.js';
import { exitCodeForPrepare } from '../../src/cli/exit-codes.js';
import type { CliIO } from '../../src/cli/io.js';
import { cli, type Event, fixture, ndjson, tempStateDir } from './helpers.js';

const PLAN = fixture('ec2-origin-plan.yaml');
const SCENARIO = 'examples/scenarios/ec2-origin.yaml';
const NOT_REVERSED_INSTANCE = 'i-1a2b3c4d5e6f70002';

const requests = (events: Event[], operation: string) =>
  events.filter((e) => e.type === 'aws.request' && e.operation === operation);

describe('drs-failback prepare (child process)', () => {
  it('without a terminal and without --yes: exit 3, names --yes, sends no ReverseReplication', async () => {
    const stateDir = tempStateDir();
    const r = await cli(['prepare', PLAN, '--simulate', SCENARIO, '--state-dir', stateDir, '--json']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('--yes');
    expect(r.stderr).toContain('Nothing was sent');
    const events = ndjson(r.stdout);
    expect(requests(events, 'ReverseReplication')).toEqual([]);
    // Who it acts as (STS), then reads only.
    expect(
      events.every(
        (e) =>
          e.type !== 'aws.request' ||
          String(e.operation).startsWith('Describe') ||
          e.operation === 'GetCallerIdentity',
      ),
    ).toBe(true);
  });

  it('reverses once; a second prepare sends none and watches until CONTINUOUS; then run completes', async () => {
    const stateDir = tempStateDir();
    const first = await cli([
      'prepare',
      PLAN,
      '--simulate',
      SCENARIO,
      '--state-dir',
      stateDir,
      '--yes',
      '--json',
    ]);
    const firstEvents = ndjson(first.stdout);
    expect(requests(firstEvents, 'ReverseReplication')).toMatchObject([
      { region: 'us-east-1', input: { recoveryInstanceID: NOT_REVERSED_INSTANCE } },
    ]);
    // Reversed, still catching up: prepare did its job (exit 0); `check` says when it is ready.
    expect(first.code).toBe(0);
    // The ARN ReverseReplication answered is kept in the state directory, by plan and server.
    const [reversalsFile] = readdirSync(join(stateDir, 'reversals'));
    const kept = JSON.parse(readFileSync(join(stateDir, 'reversals', reversalsFile ?? ''), 'utf8')) as {
      servers: Record<string, { reversedDirectionSourceServerArn: string }>;
    };
    const answered = requests(firstEvents, 'ReverseReplication')[0];
    expect(Object.keys(kept.servers).length).toBeGreaterThanOrEqual(1);
    expect(Object.values(kept.servers).map((r) => r.reversedDirectionSourceServerArn)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^arn:aws:drs:us-west-2:\d{12}:source-server\/s-/)]),
    );
    expect(answered).toBeDefined();
    const checks = firstEvents.filter((e) => e.type === 'check');
    expect(checks).toContainEqual(
      expect.objectContaining({
        server: 's-1a2b3c4d5e6f70001',
        name: 'reverse-replication',
        status: 'pass',
        detail: expect.stringContaining('already reversed: arn:aws:drs:us-west-2:'),
      }),
    );
    expect(checks).toContainEqual(
      expect.objectContaining({ server: 's-1a2b3c4d5e6f70002', name: 'reverse-replication', status: 'fail' }),
    );
    // In us-west-2: the look for an existing reversed source server before the
    // ReverseReplication, then the reading.
    expect(
      requests(firstEvents, 'DescribeSourceServers').filter((e) => e.region === 'us-west-2'),
    ).toHaveLength(2);

    const second = await cli([
      'prepare',
      PLAN,
      '--simulate',
      SCENARIO,
      '--state-dir',
      stateDir,
      '--watch',
      '--json',
    ]);
    expect(second.code).toBe(0);
    const secondEvents = ndjson(second.stdout);
    expect(requests(secondEvents, 'ReverseReplication')).toEqual([]);
    const last = secondEvents.filter((e) => e.type === 'check' && e.name === 'reverse-replication').slice(-2);
    expect(last.map((e) => e.status)).toEqual(['pass', 'pass']);
    // worker-1 catches up in 40 minutes of virtual time, polled every 30 s.
    expect(Date.parse(String(secondEvents.at(-1)?.at))).toBeGreaterThanOrEqual(
      Date.parse('2026-01-01T00:40:00Z'),
    );

    const text = await cli(['prepare', PLAN, '--simulate', SCENARIO, '--state-dir', stateDir]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/s-1a2b3c4d5e6f70002 {2}already reversed: arn:aws:drs:us-west-2:/);
    expect(text.stdout).toMatch(/us-west-2 +s-\w+ +CONTINUOUS +PT1M +yes/);
    expect(text.stdout).toContain('READY');

    const check = await cli(['check', PLAN, '--simulate', SCENARIO, '--state-dir', stateDir]);
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('EC2-origin servers');
    expect(check.stdout).toMatch(/s-1a2b3c4d5e6f70002 +us-west-2 +s-\w+ +CONTINUOUS +PT1M \(60 s\) +yes/);

    const run = await cli(['run', PLAN, '--simulate', SCENARIO, '--state-dir', stateDir, '--yes', '--json']);
    expect(run.code).toBe(0);
    const runEvents = ndjson(run.stdout);
    expect(runEvents.at(-1)).toMatchObject({ type: 'run.finished', outcome: 'completed' });
    expect(requests(runEvents, 'ReverseReplication')).toEqual([]);
    const starts = requests(runEvents, 'StartRecovery');
    expect(starts).toHaveLength(1);
    expect(starts[0]).toMatchObject({ region: 'us-west-2' });
    expect(requests(runEvents, 'StartFailbackLaunch')).toEqual([]);
  });

  it('on-premises servers are not applicable; a throttled ReverseReplication is sent again', async () => {
    const stateDir = tempStateDir();
    const r = await cli([
      'prepare',
      fixture('mixed-plan.yaml'),
      '--simulate',
      'examples/scenarios/mixed.yaml',
      '--state-dir',
      stateDir,
      '--yes',
    ]);
    expect(r.stdout).toMatch(/s-0000000000000onp1 {2}not applicable: on-premises origin/);
    expect(r.stdout).toMatch(/s-0000000000000aws1 {2}reversed: arn:aws:drs:eu-west-1:/);
    expect(r.code).toBe(0);
    const json = await cli([
      'prepare',
      fixture('mixed-plan.yaml'),
      '--simulate',
      'examples/scenarios/mixed.yaml',
      '--state-dir',
      tempStateDir(),
      '--yes',
      '--json',
    ]);
    const calls = requests(ndjson(json.stdout), 'ReverseReplication');
    expect(calls).toHaveLength(2);
    const answers = ndjson(json.stdout).filter(
      (e) => e.type === 'aws.response' && e.operation === 'ReverseReplication',
    );
    expect(answers.map((e) => e.ok)).toEqual([false, true]);
  });
});

describe('prepare exit codes', () => {
  it.each([
    [{ ready: true, reversed: 0, failed: 0, interrupted: false }, 0],
    [{ ready: false, reversed: 2, failed: 0, interrupted: false }, 0],
    [{ ready: false, reversed: 0, failed: 0, interrupted: false }, 3],
    [{ ready: false, reversed: 1, failed: 1, interrupted: false }, 4],
    [{ ready: false, reversed: 1, failed: 0, interrupted: true }, 130],
  ])('%o -> %i', (result, code) => {
    expect(exitCodeForPrepare(result)).toBe(code);
  });
});

describe('prepare --watch, Ctrl-C (in process)', () => {
  it('stops the watch: exit 3 (not ready yet), says so, and keeps the reversal', async () => {
    const stateDir = tempStateDir();
    const scenario = join(stateDir, 'stalled.yaml');
    writeFileSync(
      scenario,
      `seed: stalled
region: us-east-1
servers:
  - sourceServerID: s-1a2b3c4d5e6f70002
    origin: AWS
    originRegion: us-west-2
faults:
  - kind: replication-stalled
    servers: [s-1a2b3c4d5e6f70002]
`,
    );
    const plan = join(stateDir, 'plan.yaml');
    writeFileSync(
      plan,
      `version: 1
name: stalled
region: us-east-1
objectives: { rpo: 15m, rto: 4h }
polling: { interval: 1m, max: 5m }
waves:
  - name: w
    servers:
      - sourceServerID: s-1a2b3c4d5e6f70002
`,
    );
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const signals = new EventEmitter();
    let out = '';
    let polls = 0;
    stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (/reversed server\(s\) CONTINUOUS within the RPO\n$/.test(chunk.toString()) && ++polls === 30) {
        signals.emit('SIGINT');
      }
    });
    const io: CliIO = { stdin: new PassThrough(), stdout, stderr, env: { NO_COLOR: '1' } };
    const summary = await prepare(
      { plan, simulate: scenario, stateDir, json: false, yes: true, watch: true },
      io,
      { signals },
    );
    expect(summary.ready).toBe(false);
    expect(summary.interrupted).toBe(true);
    expect(summary.reversed).toBe(1);
    expect(polls).toBe(30);
    expect(out).toContain('the watch was stopped before every server was CONTINUOUS within the RPO');
    expect(out).toMatch(/STALLED/);
    expect(signals.listenerCount('SIGINT')).toBe(0);
  });
});
