// The command line end to end, as a child process of `node bin/drs-failback.js`, against the
// simulated AWS: exit codes, the NDJSON event stream on stdout, messages on stderr.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, cli, fixture, ndjson, ROOT, tempStateDir } from './helpers.js';

const PLAN = fixture('plan.yaml');
const BAD_PLAN = fixture('bad-plan.yaml');
const READY = fixture('scenario.yaml');
const NOT_READY = fixture('scenario-not-ready.yaml');
const LAUNCH_FAILS = fixture('scenario-launch-fails.yaml');
const ESC = String.fromCharCode(27);
const ANSI = new RegExp(`${ESC}\\[`);
const CONTRACT_TYPES = new Set([
  'run.started',
  'state',
  'check',
  'approval.requested',
  'approval.given',
  'approval.refused',
  'aws.request',
  'aws.response',
  'notification',
  'run.finished',
  'job.log',
  // The lag of each server at the crossing: the run's real RPO (issue 10).
  'cutover.drained',
]);

describe('drs-failback (child process)', () => {
  it('--help lists every command of the contract, with examples; exit 0', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    for (const c of [
      'validate',
      'check',
      'run',
      'resume',
      'status',
      'backout',
      'report',
      'prepare',
      'diagram',
      'iam-policy',
    ]) {
      expect(r.stdout).toContain(c);
    }
    expect(r.stdout).toContain('Examples:');
  });

  it('bad arguments: exit 2 with one clear line', async () => {
    for (const args of [['run', PLAN, '--speed', 'abc'], ['run', PLAN, '--bogus'], ['run'], ['frobnicate']]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr).toMatch(/^error: /);
    }
  });

  it('prepare --help: real examples, --yes and --watch', async () => {
    const r = await cli(['prepare', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('$ drs-failback prepare');
    expect(r.stdout).toContain('--watch');
    expect(r.stdout).toContain('--yes');
    expect(r.stdout).not.toContain('not available');
  });

  it('--help of every durable-run command shows real examples', async () => {
    for (const command of ['run', 'resume', 'status', 'backout', 'report']) {
      const r = await cli([command, '--help']);
      expect(r.code, command).toBe(0);
      expect(r.stdout, command).toContain('Examples:');
      expect(r.stdout, command).toContain(`$ drs-failback ${command}`);
      expect(r.stdout, command).toContain('--state-dir');
    }
  });

  it('validate: a valid plan prints its summary, exit 0', async () => {
    const r = await cli(['validate', 'examples/plans/payments.yaml']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Plan payments in us-east-1: 3 wave(s), 5 server(s)');
    expect(r.stdout).toContain('RPO 15m 00s, RTO 4h 00m');
    expect(r.stdout).not.toMatch(ANSI);
  });

  it('validate: a bad plan lists every problem with file:line path, exit 2', async () => {
    const r = await cli(['validate', BAD_PLAN]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('bad-plan.yaml:4 objectives.rpo:');
    expect(r.stderr).toContain('bad-plan.yaml:5 approval:');
    expect(r.stderr).toContain('bad-plan.yaml:9 waves[0].servers[0].sourceServerID:');
    expect(r.stderr).toContain('bad-plan.yaml:10 waves[0].servers[0].colour: unknown key');
    expect(r.stderr).toContain('4 problems; nothing was sent to AWS.');
    expect(r.stderr).not.toContain('    at ');
  });

  it('check: ready -> table and exit 0; not ready -> exit 3', async () => {
    const ready = await cli(['check', PLAN, '--simulate', READY]);
    expect(ready.code).toBe(0);
    expect(ready.stdout).toMatch(/WAVE\s+SERVER\s+CHECK\s+STATUS\s+DETAIL/);
    expect(ready.stdout).toContain('READY: every precheck passed');
    const notReady = await cli(['check', PLAN, '--simulate', NOT_READY]);
    expect(notReady.code).toBe(3);
    expect(notReady.stdout).toMatch(/databases\s+s-1234567890abcdef0\s+failback-state\s+FAIL/);
    expect(notReady.stdout).toContain('NOT READY');
  });

  it('check --json: only events on stdout, read-only calls only', async () => {
    const r = await cli(['check', PLAN, '--simulate', NOT_READY, '--json']);
    expect(r.code).toBe(3);
    const events = ndjson(r.stdout);
    expect(events.filter((e) => e.type === 'check').length).toBeGreaterThan(5);
    const ops = new Set(events.filter((e) => e.type === 'aws.request').map((e) => e.operation));
    // Who the checks act as (STS), then DRS and EC2 reads only.
    for (const op of ops) expect(String(op)).toMatch(/^(Describe|GetCallerIdentity$)/);
  });

  it('run without a terminal and without --yes: exit 3, names --yes, never StartFailbackLaunch', async () => {
    const r = await cli(['run', PLAN, '--simulate', READY, '--json', '--state-dir', tempStateDir()]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('--yes');
    const events = ndjson(r.stdout);
    expect(events.some((e) => e.type === 'approval.requested')).toBe(true);
    expect(events.some((e) => e.type === 'aws.request' && e.operation === 'StartFailbackLaunch')).toBe(false);
    expect(events.at(-1)).toMatchObject({ type: 'run.finished', outcome: 'aborted' });
  });

  it('run without --json and without a terminal behaves the same (plain text, no ANSI)', async () => {
    const r = await cli(['run', PLAN, '--simulate', READY, '--state-dir', tempStateDir()]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('Re-run with --yes');
    expect(r.stdout).toContain('wave databases: aborted');
    expect(r.stdout).not.toMatch(ANSI);
  });

  it('run --yes --json: exactly the contract events, approvals given by --yes, exit 0', async () => {
    const r = await cli(['run', PLAN, '--simulate', READY, '--yes', '--json', '--state-dir', tempStateDir()]);
    expect(r.code, r.stderr).toBe(0);
    const events = ndjson(r.stdout);
    for (const e of events) {
      expect(CONTRACT_TYPES.has(e.type), e.type).toBe(true);
      expect(typeof e.at).toBe('string');
      expect(String(e.runId)).toMatch(/^run-/);
    }
    expect(events[0]).toMatchObject({
      type: 'run.started',
      plan: 'cli-fixture',
      waves: 2,
      servers: 3,
      simulated: true,
    });
    const given = events.filter((e) => e.type === 'approval.given');
    expect(given.map((e) => e.wave)).toEqual(['databases', 'app']);
    for (const e of given) expect(String(e.by)).toContain('(--yes)');
    expect(
      events.filter((e) => e.type === 'aws.request' && e.operation === 'StartFailbackLaunch'),
    ).toHaveLength(2);
    // Each wave drained before its crossing; the lag per server at that instant is recorded.
    const drained = events.filter((e) => e.type === 'cutover.drained');
    expect(drained.map((e) => e.wave)).toEqual(['databases', 'app']);
    const firstStart = events.findIndex(
      (e) => e.type === 'aws.request' && e.operation === 'StartFailbackLaunch',
    );
    expect(events.indexOf(drained[0] as (typeof events)[number])).toBeLessThan(firstStart);
    expect(events.at(-1)).toMatchObject({
      type: 'run.finished',
      outcome: 'completed',
      waves: [
        { name: 'databases', outcome: 'completed' },
        { name: 'app', outcome: 'completed' },
      ],
    });
  });

  it('run where one launch of two fails: needs-attention, exit 4, the converted primary named, never "within objective"', async () => {
    const r = await cli(['run', PLAN, '--simulate', LAUNCH_FAILS, '--yes', '--state-dir', tempStateDir()]);
    expect(r.code).toBe(4);
    expect(r.stdout).toContain('wave databases: needs-attention');
    expect(r.stdout).toContain('primary already converted; both copies may be live');
    expect(r.stdout).toContain('serving on the DR side; nothing lost');
    expect(r.stdout).not.toContain('Data: nothing was lost.');
    expect(r.stdout).toMatch(/RTO: .+ elapsed of 4h 00m — objective missed: the failback did not complete/);
    expect(r.stdout).not.toContain('within objective');
  });

  it('run where a precheck fails: exit 3', async () => {
    const r = await cli([
      'run',
      PLAN,
      '--simulate',
      NOT_READY,
      '--yes',
      '--json',
      '--state-dir',
      tempStateDir(),
    ]);
    expect(r.code).toBe(3);
    expect(ndjson(r.stdout).at(-1)).toMatchObject({ type: 'run.finished', outcome: 'precheck-failed' });
  });

  it('run with a bad plan: exit 2, every problem, no aws.request at all', async () => {
    const r = await cli([
      'run',
      BAD_PLAN,
      '--simulate',
      READY,
      '--yes',
      '--json',
      '--state-dir',
      tempStateDir(),
    ]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('4 problems');
  });

  it('run against real AWS without credentials: one sentence, exit 2, no stack trace', async () => {
    const r = await cli(['run', PLAN, '--yes', '--state-dir', tempStateDir()], {
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_SESSION_TOKEN: '',
      AWS_PROFILE: '',
      AWS_CONFIG_FILE: '/nonexistent/config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONTAINER_CREDENTIALS_FULL_URI: '',
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '',
      AWS_WEB_IDENTITY_TOKEN_FILE: '',
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no usable AWS credentials for us-east-1');
    expect(r.stderr).not.toContain('    at ');
  });

  it('--speed without --simulate is bad usage', async () => {
    const r = await cli(['run', PLAN, '--speed', '10', '--state-dir', tempStateDir()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--speed only applies with --simulate');
  });

  it('logs go to --log-file, never to stdout in --json mode', async () => {
    const logFile = join(await mkdtemp(join(tmpdir(), 'drs-failback-cli-')), 'run.log');
    const r = await cli([
      'run',
      PLAN,
      '--simulate',
      READY,
      '--yes',
      '--json',
      '--log-file',
      logFile,
      '--state-dir',
      tempStateDir(),
    ]);
    expect(r.code).toBe(0);
    ndjson(r.stdout);
    const log = await readFile(logFile, 'utf8');
    expect(log).toContain('"msg":"run started"');
  });

  it('a reader that goes away (run --json | head -1) does not stop the run', async () => {
    const child = spawn(
      process.execPath,
      [BIN, 'run', PLAN, '--simulate', READY, '--yes', '--json', '--state-dir', tempStateDir()],
      {
        cwd: ROOT,
        env: { ...process.env, NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).not.toContain('EPIPE');
    expect(code).toBe(0);
  });

  it('diagram prints the Mermaid statechart of the wave machine', async () => {
    const r = await cli(['diagram']);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('stateDiagram-v2\n')).toBe(true);
    expect(r.stdout).toContain('startingFailback');
    const plan = await cli(['diagram', '--machine', 'plan']);
    expect(plan.stdout).toContain('precheckFailed');
  });

  it('iam-policy prints the policy JSON on stdout', async () => {
    const r = await cli(['iam-policy', PLAN]);
    expect(r.code).toBe(0);
    const policy = JSON.parse(r.stdout) as { Version: string; Statement: { Action: string[] }[] };
    expect(policy.Version).toBe('2012-10-17');
    const actions = policy.Statement.flatMap((s) => s.Action);
    expect(actions).toContain('sns:Publish');
    expect(actions).not.toContain('drs:TerminateRecoveryInstances');
  });
});
