// Continuing a plan whose earlier waves failed back: `run --from-wave <name>`, the summary's
// "Next:" after a refused wave, and the refusals (unknown wave, a wave not wholly failed back).
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { DescribeRecoveryInstancesCommand, DrsClient, type RecoveryInstance } from '@aws-sdk/client-drs';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { check } from '../../src/cli/commands/check.js';
import { run } from '../../src/cli/commands/run.js';
import { exitForError } from '../../src/cli/exit-codes.js';
import type { CliIO } from '../../src/cli/io.js';
import { palette } from '../../src/cli/io.js';
import { RunTracker, summaryLines } from '../../src/cli/live-view.js';
import type { RunOptions } from '../../src/cli/options.js';
import type { RunEventBody } from '../../src/events.js';
import { parsePlan } from '../../src/plan/load.js';
import { judgeWave, readEarlierWaves, WavesNotFailedBackError } from '../../src/run/continue.js';
import type { RunResult } from '../../src/run.js';
import { worldFromText } from '../../src/sim/index.js';
import { BIN, cli, type Event, fixture, ndjson, ROOT, tempStateDir } from './helpers.js';

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

/** A script's io: output collected and ignored. */
const quiet = (): CliIO => ({
  stdin: new PassThrough(),
  stdout: new PassThrough().resume(),
  stderr: new PassThrough().resume(),
  env: { NO_COLOR: '1' },
});

const PLAN = fixture('plan.yaml');
const SCENARIO = fixture('scenario.yaml');
const DATABASES = ['s-1234567890abcdef0', 's-1234567890abcdef1'];
const APP = 's-abcdef01234567890';

const options = (stateDir: string, extra: Partial<RunOptions> = {}): RunOptions => ({
  plan: PLAN,
  simulate: SCENARIO,
  yes: false,
  json: false,
  stateDir,
  logLevel: 'silent',
  ...extra,
});

/** The simulated AWS's own log of the calls a run's world answered (its journal's `call` lines). */
function worldCalls(stateDir: string, runId: string): { operation: string; input: unknown }[] {
  const text = readFileSync(join(stateDir, 'runs', runId, 'sim-world.ndjson'), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.startsWith('{"call":'))
    .map((l) => (JSON.parse(l) as { call: { operation: string; input: unknown } }).call);
}

const MUTATING = /^(Start|Stop|Terminate|Disconnect|Reverse|Create|Delete|Update|Tag)/;

describe('run --from-wave: continuing after a refused wave', () => {
  it('the refused wave\'s "Next:" names the command; run as printed, it skips the wave that failed back', async () => {
    const stateDir = tempStateDir();
    const first = tty();
    const refused = await run(options(stateDir), first.io, {
      user: 'alice',
      askApproval: async (q) => (q.wave === 'databases' ? 'approve' : 'refuse'),
      signals: new EventEmitter(),
    });
    expect(refused.end).toBe('aborted');
    const next = first.stdout().slice(first.stdout().indexOf('Next:'));
    const command = `drs-failback run ${PLAN} --simulate ${SCENARIO} --from-wave app --state-dir ${stateDir}`;
    expect(next).toContain(`When ready: \`${command}\``);
    expect(next).toContain('it skips wave(s) databases, which failed back');
    expect(next).not.toContain('Run again when ready');

    // `check --from-wave app` checks what that run would: databases as failed back, app's prechecks.
    const checked = await check(
      { plan: PLAN, simulate: SCENARIO, json: false, stateDir, logLevel: 'silent', fromWave: 'app' },
      quiet(),
    );
    expect(checked.ready).toBe(true);
    expect(checked.waves).toEqual([
      { name: 'databases', ready: true },
      { name: 'app', ready: true },
    ]);
    expect(checked.rows.filter((r) => r.wave === 'databases').map((r) => [r.check, r.status])).toEqual([
      ['already-failed-back', 'pass'],
      ['already-failed-back', 'pass'],
    ]);
    // Without it, the whole plan: the databases wave is not ready to fail back again.
    const whole = await check(
      { plan: PLAN, simulate: SCENARIO, json: false, stateDir, logLevel: 'silent' },
      quiet(),
    );
    expect(whole.ready).toBe(true); // a fresh world: --from-wave alone continues in the earlier run's

    // The printed command, as a child process would parse it.
    const second = tty();
    const argv = command.split(' ').slice(1);
    const { parseArgs } = await import('../../src/cli/program.js');
    const parsed = await parseArgs(argv);
    expect(parsed.command).toBe('run');
    const asked: string[] = [];
    const continued = await run(parsed.options as RunOptions, second.io, {
      user: 'alice',
      askApproval: async (q) => {
        asked.push(q.wave);
        return 'approve';
      },
      signals: new EventEmitter(),
    });
    expect(continued.end).toBe('completed');
    expect(asked).toEqual(['app']);
    expect(continued.result?.waves.map((w) => [w.name, w.outcome])).toEqual([
      ['databases', 'already-failed-back'],
      ['app', 'completed'],
    ]);
    expect(second.stderr()).toContain(`continuing in the world run ${refused.runId} left (--from-wave)`);

    // The simulated AWS's request log of the second run: nothing mutating names a databases server.
    const calls = worldCalls(stateDir, continued.runId);
    const mutating = calls.filter((c) => MUTATING.test(c.operation));
    expect(mutating.map((c) => c.operation)).toContain('StartFailbackLaunch');
    const launches = calls.filter((c) => c.operation === 'StartFailbackLaunch');
    expect(launches).toHaveLength(1);
    for (const c of mutating) for (const id of DATABASES) expect(JSON.stringify(c.input)).not.toContain(id);
    // Journal lines start when the run exists; the read before it is in the run's event stream.
    const stream = ndjson(readFileSync(join(stateDir, 'runs', continued.runId, 'events.ndjson'), 'utf8'));
    const requests = stream.filter((e) => e.type === 'aws.request');
    expect(requests.filter((e) => e.service === 'drs')[0]).toMatchObject({
      operation: 'DescribeRecoveryInstances',
      input: { filters: { sourceServerIDs: DATABASES } },
    });
    const sent = requests.filter((e) => MUTATING.test(String(e.operation)));
    for (const e of sent) for (const id of DATABASES) expect(JSON.stringify(e.input)).not.toContain(id);

    // An event per skipped server, a line in the summary, and the run's record.
    expect(stream[0]).toMatchObject({ type: 'run.started', fromWave: 'app' });
    const skips = stream.filter((e) => e.type === 'check' && e.name === 'already-failed-back');
    expect(skips.map((e) => [e.wave, e.server, e.status])).toEqual(
      DATABASES.map((id) => ['databases', id, 'pass']),
    );
    expect(stream.filter((e) => e.type === 'state' && e.wave === 'databases')).toHaveLength(0);
    expect(stream.at(-1)).toMatchObject({
      type: 'run.finished',
      outcome: 'completed',
      waves: [
        { name: 'databases', outcome: 'already-failed-back' },
        { name: 'app', outcome: 'completed' },
      ],
    });
    expect(second.stdout()).toContain('wave databases: already-failed-back');
    expect(second.stdout()).toContain(
      `${DATABASES[0]}: failed back in an earlier run (FAILBACK_COMPLETED); skipped, nothing sent`,
    );
    expect(second.stdout()).toContain(`Re-protect the on-premises servers that failed back (${APP})`);
  });

  it('a run whose first wave was refused says to run the plan again, without --from-wave', async () => {
    const stateDir = tempStateDir();
    const t = tty();
    await run(options(stateDir), t.io, { askApproval: async () => 'refuse', signals: new EventEmitter() });
    expect(t.stdout()).toContain(
      `Wave databases stopped before its point of no return; nothing was changed by it. When ready: \`drs-failback run ${PLAN} --simulate ${SCENARIO} --state-dir ${stateDir}\`.`,
    );
  });
});

describe('run --from-wave: refusals', () => {
  it("an unknown wave: exit 2 naming the plan's waves, nothing sent, no run created", async () => {
    const stateDir = tempStateDir();
    const r = await cli([
      'run',
      PLAN,
      '--simulate',
      SCENARIO,
      '--from-wave',
      'web',
      '--yes',
      '--state-dir',
      stateDir,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      '--from-wave web: plan cli-fixture has no wave of that name; its waves are: databases, app',
    );
    expect(readdirSync(stateDir)).not.toContain('runs');
  });

  it('waves before it that did not fail back: exit 3, only the read sent, no run created', async () => {
    const stateDir = tempStateDir();
    const r = await cli([
      'run',
      PLAN,
      '--simulate',
      SCENARIO,
      '--from-wave',
      'app',
      '--yes',
      '--json',
      '--state-dir',
      stateDir,
    ]);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('wave databases is not skipped:');
    expect(r.stderr).toContain('is FAILBACK_READY_FOR_LAUNCH, not FAILBACK_COMPLETED');
    expect(r.stderr).toContain('Nothing was sent (only DescribeRecoveryInstances)');
    expect(r.stderr).toContain('no finished run of this plan and scenario in the state directory');
    expect(readdirSync(stateDir)).not.toContain('runs');
  });
});

describe('which waves are skipped (DRS decides)', () => {
  const plan = parsePlan(readFileSync(PLAN, 'utf8'), PLAN);
  const instance = (server: string, state: string, origin = 'ON_PREMISES'): RecoveryInstance =>
    ({
      sourceServerID: server,
      recoveryInstanceID: `i-${server.slice(2)}`,
      originEnvironment: origin,
      failback: { state },
    }) as RecoveryInstance;
  const databases = plan.waves[0];
  if (!databases) throw new Error('fixture plan without waves');

  it('every server FAILBACK_COMPLETED: skipped', () => {
    const judged = judgeWave(
      databases,
      DATABASES.map((id) => instance(id, 'FAILBACK_COMPLETED')),
      'app',
    );
    expect(judged.failedBack).toBe(true);
  });

  it('a wave failed back in part is not skipped, and says which server and why', async () => {
    const drs = mockClient(DrsClient);
    drs.on(DescribeRecoveryInstancesCommand).resolves({
      items: [
        instance(DATABASES[0] as string, 'FAILBACK_COMPLETED'),
        instance(DATABASES[1] as string, 'FAILBACK_READY_FOR_LAUNCH'),
      ],
    });
    const events: RunEventBody[] = [];
    const refused = readEarlierWaves({ plan, fromWave: 'app', drs: new DrsClient({}), events });
    await expect(refused).rejects.toBeInstanceOf(WavesNotFailedBackError);
    const error = (await refused.catch((e: unknown) => e)) as Error;
    expect(error.message).toContain('wave databases is not skipped (only 1 of 2 server(s) failed back)');
    expect(error.message).toContain(
      `${DATABASES[1]}: its recovery instance i-${DATABASES[1]?.slice(2)} is FAILBACK_READY_FOR_LAUNCH`,
    );
    expect(error.message).toContain('a plan that lists only its servers still to fail back');
    expect(exitForError(error).code).toBe(3);
    expect(drs.calls().map((c) => c.args[0].constructor.name)).toEqual(['DescribeRecoveryInstancesCommand']);
    expect(events.filter((e) => e.type === 'check').map((e) => (e as { status: string }).status)).toEqual([
      'pass',
      'fail',
    ]);
    drs.restore();
  });

  it('an EC2-origin server is not confirmed by its DR failback state: not skipped', () => {
    const judged = judgeWave(
      databases,
      DATABASES.map((id) => instance(id, 'FAILBACK_COMPLETED', 'AWS')),
      'app',
    );
    expect(judged.failedBack).toBe(false);
    expect(judged.servers[0]?.detail).toContain('came from EC2');
  });

  it('no recovery instance, or two: not skipped', () => {
    const none = judgeWave(databases, [instance(DATABASES[0] as string, 'FAILBACK_COMPLETED')], 'app');
    expect(none.servers[1]?.detail).toContain('no recovery instance');
    const two = judgeWave(
      databases,
      [...DATABASES, DATABASES[0] as string].map((id) => instance(id, 'FAILBACK_COMPLETED')),
      'app',
    );
    expect(two.failedBack).toBe(false);
    expect(two.servers[0]?.detail).toContain('2 recovery instances');
  });
});

describe('"Next:" after a precheck failed in a later wave', () => {
  it('names check and run from that wave, with the scenario and state directory', () => {
    const plan = parsePlan(readFileSync(PLAN, 'utf8'), PLAN);
    const result = {
      runId: 'run-20260101T000000Z-abcdef',
      outcome: 'precheck-failed',
      waves: [
        { name: 'databases', outcome: 'completed', jobIds: [], failure: null, backout: null },
        { name: 'app', outcome: 'precheck-failed', jobIds: [], failure: null, backout: null },
      ],
    } as unknown as RunResult;
    const lines = summaryLines(result, plan, new RunTracker(), palette(false), '/srv/state', {
      plan: 'plan.yaml',
      simulate: 'sc.yaml',
    }).join('\n');
    expect(lines).toContain(
      'A precheck of wave app failed; nothing was changed by it. Fix the failed checks above (`drs-failback check plan.yaml --simulate sc.yaml --from-wave app --state-dir /srv/state` shows them again), then `drs-failback run plan.yaml --simulate sc.yaml --from-wave app --state-dir /srv/state` (it skips wave(s) databases, which failed back',
    );
  });
});

/** `run --yes --json` as a child process, sent SIGINT once its stream matches `when`. */
function interruptedWhen(
  stateDir: string,
  when: RegExp,
  extra: string[],
): Promise<{ code: number | null; events: Event[] }> {
  const child = spawn(
    process.execPath,
    [BIN, 'run', PLAN, '--simulate', SCENARIO, '--yes', '--json', '--state-dir', stateDir, ...extra],
    { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let signalled = false;
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (!signalled && when.test(stdout)) {
      signalled = true;
      child.kill('SIGINT');
    }
  });
  const watchdog = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(watchdog);
      resolve({ code, events: ndjson(stdout) });
    });
  });
}

describe('run --from-wave, interrupted and resumed (child processes)', () => {
  it('the resumed run keeps the skipped wave skipped and finishes the rest', async () => {
    const stateDir = tempStateDir();
    // 1. databases fails back, app is refused (in-process, a person at a terminal).
    const first = await run(options(stateDir), tty().io, {
      askApproval: async (q) => (q.wave === 'databases' ? 'approve' : 'refuse'),
      signals: new EventEmitter(),
    });
    expect(first.end).toBe('aborted');
    // 2. from app; Ctrl-C past its point of no return: paused (130).
    const second = await interruptedWhen(stateDir, /"wave":"app"[^\n]*"to":"monitoringJob"/, [
      '--speed',
      '600',
      '--from-wave',
      'app',
    ]);
    expect(second.code).toBe(130);
    const runId = String(second.events[0]?.runId);
    expect(second.events[0]).toMatchObject({ type: 'run.started', fromWave: 'app' });
    // 3. resume: databases stays skipped, app completes.
    const resumed = await cli(['resume', runId, '--yes', '--json', '--state-dir', stateDir]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const events = ndjson(resumed.stdout);
    expect(events.at(-1)).toMatchObject({
      type: 'run.finished',
      outcome: 'completed',
      waves: [
        { name: 'databases', outcome: 'already-failed-back' },
        { name: 'app', outcome: 'completed' },
      ],
    });
    expect(events.filter((e) => e.type === 'state' && e.wave === 'databases')).toEqual([]);
    // The world went on from the first run's: one launch per recovery instance over the three processes.
    const world = worldFromText(readFileSync(join(stateDir, 'runs', runId, 'sim-world.ndjson'), 'utf8'));
    const launched = world.calls
      .filter((c) => c.operation === 'StartFailbackLaunch')
      .map((c) => (c.input as { recoveryInstanceIDs: string[] }).recoveryInstanceIDs);
    expect(launched.map((ids) => ids.length)).toEqual([2, 1]);
  });
});
