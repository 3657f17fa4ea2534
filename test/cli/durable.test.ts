// Durable runs through the command line, as child processes against the simulated AWS, each in
// its own temporary --state-dir: the state directory's layout, status, report, locks, a run
// interrupted after its point of no return and resumed (or backed out) by a second process.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { worldFromText } from '../../src/sim/index.js';
import { BIN, cli, type Event, fixture, ndjson, ROOT, tempStateDir } from './helpers.js';

const PLAN = fixture('plan.yaml');
const READY = fixture('scenario.yaml');
const PLAN_LOCK = 'plan-cli-fixture.lock';

const runIds = (stateDir: string) => readdirSync(join(stateDir, 'runs'));
const runDir = (stateDir: string, runId: string) => join(stateDir, 'runs', runId);

/** Every recovery instance StartFailbackLaunch was sent for, in the saved simulated world. */
function launchedInstances(stateDir: string, runId: string): string[] {
  const world = worldFromText(readFileSync(join(runDir(stateDir, runId), 'sim-world.ndjson'), 'utf8'));
  return world.calls
    .filter((c) => c.operation === 'StartFailbackLaunch')
    .flatMap((c) => (c.input as { recoveryInstanceIDs?: string[] }).recoveryInstanceIDs ?? []);
}

const finished = (events: Event[]) => events.filter((e) => e.type === 'run.finished').at(-1);

/** A pid that is certainly not running: a child that has already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '0']);
  return child.pid;
}

function writeLock(stateDir: string, name: string, runId: string, pid: number): void {
  writeFileSync(
    join(stateDir, 'locks', name),
    `${JSON.stringify({ runId, host: hostname(), pid, startedAt: '2026-01-01T00:00:00.000Z' })}\n`,
  );
}

/**
 * Starts `run --yes --json` and sends `signal` once the event stream matches `when`.
 * SIGINT past the point of no return pauses the run (no terminal to ask on).
 */
function signalledRun(
  stateDir: string,
  when: RegExp,
  signal: NodeJS.Signals,
  extra: string[] = [],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(
    process.execPath,
    [BIN, 'run', PLAN, '--simulate', READY, '--yes', '--json', '--state-dir', stateDir, ...extra],
    { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  let signalled = false;
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (!signalled && when.test(stdout)) {
      signalled = true;
      child.kill(signal);
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const watchdog = setTimeout(() => child.kill('SIGKILL'), 15_000);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(watchdog);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Paced at 600 virtual seconds per real second, SIGINT once the first wave polls its launch job:
 * past the point of no return, with time to spare before the job ends.
 */
const interruptedRun = (stateDir: string) =>
  signalledRun(stateDir, /"to":"monitoringJob"/, 'SIGINT', ['--speed', '600']);

describe('durable runs through the CLI (child processes, simulated AWS)', () => {
  it('run --yes --json leaves the run in the state directory; the event log is the stdout stream', async () => {
    const stateDir = tempStateDir();
    const r = await cli(['run', PLAN, '--simulate', READY, '--yes', '--json', '--state-dir', stateDir]);
    expect(r.code, r.stderr).toBe(0);
    const [runId, ...others] = runIds(stateDir);
    expect(others).toEqual([]);
    if (runId === undefined) throw new Error('no run folder');
    expect(ndjson(r.stdout)[0]).toMatchObject({ type: 'run.started', runId });
    const dir = runDir(stateDir, runId);
    for (const file of ['snapshot.json', 'events.ndjson', 'plan.json', 'run.json', 'sim-world.ndjson']) {
      expect(existsSync(join(dir, file)), file).toBe(true);
    }
    expect(readFileSync(join(dir, 'events.ndjson'), 'utf8')).toBe(r.stdout);
    expect(JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8'))).toMatchObject({ name: 'cli-fixture' });
    // Simulated is recorded in run.json itself (one rename), not in a second file.
    expect(JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'))).toMatchObject({
      simulation: { scenario: READY, world: 'sim-world.ndjson' },
    });
    expect(existsSync(join(dir, 'simulation.json'))).toBe(false);
    // Finished: its locks are released.
    expect(readdirSync(join(stateDir, 'locks'))).toEqual([]);

    const table = await cli(['status', '--state-dir', stateDir]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/RUN\s+PLAN\s+STARTED\s+STATE\s+OUTCOME/);
    // Wall-clock start, then the simulated run's mark with its virtual start.
    expect(table.stdout).toMatch(
      new RegExp(`${runId}\\s+cli-fixture\\s+\\S+ \\(simulated; virtual \\S+\\)\\s+finished\\s+completed`),
    );

    const listed = await cli(['status', '--json', '--state-dir', stateDir]);
    expect(JSON.parse(listed.stdout)).toMatchObject({
      runs: [
        { id: runId, plan: 'cli-fixture', state: 'finished', outcome: 'completed', activity: 'finished' },
      ],
    });

    const one = await cli(['status', runId, '--state-dir', stateDir]);
    expect(one.code).toBe(0);
    expect(one.stdout).toContain('databases: completed');
    expect(one.stdout).toMatch(/jobs: drsjob-/);
    expect(one.stdout).toContain('s-abcdef01234567890');
    expect(one.stdout).toContain('Last 10 event(s):');
    expect(one.stdout).toContain('run finished: completed');
    const detail = JSON.parse((await cli(['status', runId, '--json', '--state-dir', stateDir])).stdout) as {
      waves: { name: string; jobIds: string[] }[];
      lastEvents: Event[];
    };
    expect(detail.waves.map((w) => w.name)).toEqual(['databases', 'app']);
    expect(detail.waves[0]?.jobIds).toHaveLength(1);
    expect(detail.lastEvents).toHaveLength(10);
    expect(detail.lastEvents.at(-1)).toMatchObject({ type: 'run.finished', outcome: 'completed' });

    const report = await cli(['report', runId, '--format', 'json', '--state-dir', stateDir]);
    expect(report.code, report.stderr).toBe(0);
    const evidence = JSON.parse(report.stdout) as {
      runId: string;
      outcome: string;
      awsCalls: { operation: string; ok: boolean; requestId: string | null }[];
    };
    expect(evidence).toMatchObject({ runId, outcome: 'completed' });
    const launches = evidence.awsCalls.filter((c) => c.operation === 'StartFailbackLaunch');
    expect(launches).toHaveLength(2);
    for (const call of launches) expect(call).toMatchObject({ ok: true, requestId: expect.any(String) });

    const output = join(stateDir, 'evidence.md');
    const md = await cli(['report', runId, '--output', output, '--state-dir', stateDir]);
    expect(md.code).toBe(0);
    expect(md.stdout).toBe('');
    expect(md.stderr).toContain(`written to ${output}`);
    expect(readFileSync(output, 'utf8')).toContain(`# Failback evidence: ${runId}`);

    // Finished: nothing to resume or back out.
    for (const command of ['resume', 'backout']) {
      const again = await cli([command, runId, '--state-dir', stateDir]);
      expect(again.code, command).toBe(2);
      expect(again.stderr, command).toContain(`run ${runId} already finished (completed); nothing to resume`);
    }
  });

  it('an unknown run: status, resume, backout and report exit 2 naming it', async () => {
    const stateDir = tempStateDir();
    const empty = await cli(['status', '--state-dir', stateDir]);
    expect(empty.code).toBe(0);
    expect(empty.stdout).toContain(`No runs in ${stateDir}.`);
    for (const command of ['status', 'resume', 'backout', 'report']) {
      const r = await cli([command, 'run-20260101T000000Z-nosuch', '--state-dir', stateDir]);
      expect(r.code, command).toBe(2);
      expect(r.stderr, command).toContain(`no run run-20260101T000000Z-nosuch in ${stateDir}`);
      expect(r.stderr, command).not.toContain('    at ');
    }
  });

  it('a second run of the plan while one is active is refused, naming it; a stale lock is taken over', async () => {
    const stateDir = tempStateDir();
    const first = await cli(['run', PLAN, '--simulate', READY, '--yes', '--json', '--state-dir', stateDir]);
    expect(first.code).toBe(0);
    // The active run: a lock held by a live process (this test's).
    const active = 'run-20260101T000000Z-active';
    writeLock(stateDir, PLAN_LOCK, active, process.pid);
    const refused = await cli(['run', PLAN, '--simulate', READY, '--yes', '--json', '--state-dir', stateDir]);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain(
      `plan cli-fixture is in use by run ${active} (host ${hostname()}, pid ${process.pid}`,
    );
    expect(refused.stderr).toContain('only one run at a time');
    expect(runIds(stateDir)).toHaveLength(1);

    // The same lock left by a process that is gone: taken over, the run goes ahead.
    writeLock(stateDir, PLAN_LOCK, active, deadPid());
    const second = await cli(['run', PLAN, '--simulate', READY, '--yes', '--json', '--state-dir', stateDir]);
    expect(second.code, second.stderr).toBe(0);
    expect(finished(ndjson(second.stdout))).toMatchObject({ outcome: 'completed' });
    // Same scenario, same seed: the second run gets an id of its own.
    expect(runIds(stateDir)).toHaveLength(2);
    expect(readdirSync(join(stateDir, 'locks'))).toEqual([]);
  });

  it('interrupted after the point of no return (exit 130), then resumed: same outcome, one launch per instance', async () => {
    const stateDir = tempStateDir();
    const paused = await interruptedRun(stateDir);
    expect(paused.code, paused.stderr).toBe(130);
    const [runId] = runIds(stateDir);
    if (runId === undefined) throw new Error('no run folder');
    expect(paused.stderr).toContain(
      `state saved in ${runDir(stateDir, runId)}; \`drs-failback resume ${runId} --state-dir ${stateDir}\` continues`,
    );
    const before = ndjson(paused.stdout);
    expect(before.some((e) => e.type === 'aws.request' && e.operation === 'StartFailbackLaunch')).toBe(true);
    expect(finished(before)).toBeUndefined();
    expect(launchedInstances(stateDir, runId)).toHaveLength(2);

    const status = await cli(['status', '--state-dir', stateDir]);
    expect(status.stdout).toMatch(
      new RegExp(
        `${runId}\\s+cli-fixture\\s+\\S+ \\(simulated; virtual \\S+\\)\\s+wave databases: monitoringJob\\s+interrupted`,
      ),
    );

    // While a live process holds the run's lock, resume is refused and names it.
    const lock = join(stateDir, 'locks', PLAN_LOCK);
    const left = readFileSync(lock, 'utf8');
    writeLock(stateDir, PLAN_LOCK, runId, process.pid);
    const locked = await cli(['resume', runId, '--yes', '--json', '--state-dir', stateDir]);
    expect(locked.code).toBe(2);
    expect(locked.stderr).toContain(`is in use by run ${runId} (host ${hostname()}, pid ${process.pid}`);
    writeFileSync(lock, left);

    // The interrupted process is gone: its locks are taken over and the run continues.
    const resumed = await cli(['resume', runId, '--yes', '--json', '--state-dir', stateDir]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const after = ndjson(resumed.stdout);
    expect(after[0]).toMatchObject({ type: 'run.started', runId });

    const reference = tempStateDir();
    const uninterrupted = await cli([
      'run',
      PLAN,
      '--simulate',
      READY,
      '--yes',
      '--json',
      '--state-dir',
      reference,
    ]);
    expect(uninterrupted.code).toBe(0);
    const expected = finished(ndjson(uninterrupted.stdout));
    expect(finished(after)).toMatchObject({ outcome: expected?.outcome, waves: expected?.waves });

    // The simulated world continued: StartFailbackLaunch once per recovery instance, over both processes.
    const launched = launchedInstances(stateDir, runId);
    expect(launched).toHaveLength(3);
    expect(new Set(launched).size).toBe(3);
    expect([...launched].sort()).toEqual(
      [...launchedInstances(reference, runIds(reference)[0] ?? '')].sort(),
    );
    // The log holds both processes' events; the report counts the resume.
    const log = ndjson(readFileSync(join(runDir(stateDir, runId), 'events.ndjson'), 'utf8'));
    expect(log.filter((e) => e.type === 'run.started')).toHaveLength(2);
    const report = JSON.parse((await cli(['report', runId, '--json', '--state-dir', stateDir])).stdout) as {
      resumes: number;
      outcome: string;
    };
    expect(report).toMatchObject({ resumes: 1, outcome: 'completed' });
    expect(readdirSync(join(stateDir, 'locks'))).toEqual([]);
  });

  it('backout of a run paused past its point of no return: StopFailback, backed-out, exit 1', async () => {
    const stateDir = tempStateDir();
    const paused = await interruptedRun(stateDir);
    expect(paused.code, paused.stderr).toBe(130);
    const [runId] = runIds(stateDir);
    if (runId === undefined) throw new Error('no run folder');

    // Its process is gone, but its locks still keep a new run of the plan away from its servers.
    const again = await cli(['run', PLAN, '--simulate', READY, '--yes', '--json', '--state-dir', stateDir]);
    expect(again.code).toBe(2);
    expect(again.stdout).toBe('');
    expect(again.stderr).toContain(`plan cli-fixture belongs to run ${runId}, which is unfinished`);
    expect(again.stderr).toContain(`drs-failback backout ${runId}`);
    expect(runIds(stateDir)).toEqual([runId]);

    const r = await cli(['backout', runId, '--json', '--state-dir', stateDir]);
    expect(r.code, r.stderr).toBe(1);
    const events = ndjson(r.stdout);
    expect(events.filter((e) => e.type === 'aws.request' && e.operation === 'StopFailback')).toHaveLength(2);
    expect(events.some((e) => e.type === 'aws.request' && e.operation === 'StartFailbackLaunch')).toBe(false);
    expect(finished(events)).toMatchObject({
      outcome: 'backed-out',
      waves: [
        { name: 'databases', outcome: 'backed-out' },
        { name: 'app', outcome: 'not-started' },
      ],
    });
    const status = await cli(['status', runId, '--state-dir', stateDir]);
    expect(status.stdout).toContain('outcome: backed-out');
    expect(readdirSync(join(stateDir, 'locks'))).toEqual([]);
  });

  it('killed (SIGKILL) right after StartFailbackLaunch was answered: resume adopts the job, never launches twice', async () => {
    const stateDir = tempStateDir();
    const killed = await signalledRun(
      stateDir,
      /"type":"aws.response","service":"drs","operation":"StartFailbackLaunch"/,
      'SIGKILL',
    );
    expect(killed.code).toBeNull();
    const [runId] = runIds(stateDir);
    if (runId === undefined) throw new Error('no run folder');
    // The world the launch changed was on disk before the run learned of the answer.
    expect(launchedInstances(stateDir, runId)).toHaveLength(2);

    const resumed = await cli(['resume', runId, '--yes', '--json', '--state-dir', stateDir]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(finished(ndjson(resumed.stdout))).toMatchObject({ outcome: 'completed' });
    const launched = launchedInstances(stateDir, runId);
    expect(launched).toHaveLength(3);
    expect(new Set(launched).size).toBe(3);
  });
});
