// The protections between processes, with real child processes and no sleeps: a first `run`
// holds the plan's and its servers' locks (src/store/lock.ts) while it goes; a second process on
// the same state directory (another run of the plan, a plan sharing a server, `resume` or
// `backout` of the live run) is refused with the documented sentence and exit 2, and sends
// nothing. A lock held from another host is never taken over. Synchronised on the first
// process's stdout (its `run.started` comes after the locks are taken) and on lock files.
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, cli, fixture, ROOT, tempStateDir } from './helpers.js';

const PLAN = fixture('plan.yaml');
const READY = fixture('scenario.yaml');
const PLAN_LOCK = 'plan-cli-fixture.lock';

interface Holder {
  child: ChildProcessWithoutNullStreams;
  runId: string;
  stdout: () => string;
  closed: Promise<number | null>;
}

const holders: Holder[] = [];
afterEach(async () => {
  for (const h of holders.splice(0)) {
    h.child.kill('SIGKILL');
    await h.closed;
  }
});

/**
 * Starts `run --yes --json` paced at one virtual second per real second (a wave takes virtual
 * minutes, so it is alive for the whole test) and resolves once its stream has `run.started`:
 * by then run.json is written and the locks are held.
 */
function holdingRun(stateDir: string): Promise<Holder> {
  const child = spawn(
    process.execPath,
    [BIN, 'run', PLAN, '--simulate', READY, '--yes', '--json', '--speed', '1', '--state-dir', stateDir],
    { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const started = /"type":"run\.started"[^\n]*"runId":"(run-[^"]+)"/.exec(stdout);
      if (started?.[1]) {
        const holder = { child, runId: started[1], stdout: () => stdout, closed };
        holders.push(holder);
        resolve(holder);
      }
    });
    void closed.then((code) =>
      reject(new Error(`the first run exited (${code}) before it started: ${stderr}`)),
    );
  });
}

const runIds = (stateDir: string) => readdirSync(join(stateDir, 'runs'));

describe('two processes on one state directory (real child processes)', () => {
  it('while a run goes: a second run, a plan sharing a server, resume and backout are refused (exit 2), naming it', async () => {
    const stateDir = tempStateDir();
    const first = await holdingRun(stateDir);
    const pid = first.child.pid;
    expect(existsSync(join(stateDir, 'locks', PLAN_LOCK))).toBe(true);
    const owner = `run ${first.runId} (host ${hostname()}, pid ${pid}, since `;

    const second = await cli(['run', PLAN, '--simulate', READY, '--yes', '--json', '--state-dir', stateDir]);
    expect(second.code).toBe(2);
    expect(second.stdout).toBe('');
    expect(second.stderr).toContain(`plan cli-fixture is in use by ${owner}`);
    expect(second.stderr).toContain('only one run at a time');

    // Another plan that shares one server with the running one.
    const sharing = join(stateDir, 'sharing.yaml');
    writeFileSync(
      sharing,
      readFileSync(PLAN, 'utf8')
        .replace('name: cli-fixture', 'name: cli-sharing')
        .replace(
          /waves:[\s\S]*$/,
          'waves:\n  - name: app\n    servers:\n      - sourceServerID: s-abcdef01234567890\n',
        ),
    );
    const shared = await cli([
      'run',
      sharing,
      '--simulate',
      READY,
      '--yes',
      '--json',
      '--state-dir',
      stateDir,
    ]);
    expect(shared.code).toBe(2);
    expect(shared.stderr).toContain(`server s-abcdef01234567890 is in use by ${owner}`);

    for (const command of ['resume', 'backout']) {
      const r = await cli([command, first.runId, '--json', '--state-dir', stateDir]);
      expect(r.code, command).toBe(2);
      expect(r.stdout, command).toBe('');
      expect(r.stderr, command).toContain(`is in use by ${owner}`);
    }

    // None of them created a run or sent anything: the first run's folder is the only one, and the
    // first process is still going, its locks its own.
    expect(runIds(stateDir)).toEqual([first.runId]);
    expect(first.child.exitCode).toBeNull();
    expect(JSON.parse(readFileSync(join(stateDir, 'locks', PLAN_LOCK), 'utf8'))).toMatchObject({
      runId: first.runId,
      pid,
    });
  });

  it('a lock held from another host is never taken over, even when that pid is not running here', async () => {
    const stateDir = tempStateDir();
    mkdirSync(join(stateDir, 'locks'), { recursive: true });
    // A pid that certainly runs nowhere on this host.
    const gone = spawnSync(process.execPath, ['-e', '0']).pid;
    const other = 'ops-2.example.internal';
    writeFileSync(
      join(stateDir, 'locks', PLAN_LOCK),
      `${JSON.stringify({ runId: 'run-20260101T000000Z-ops2aa', host: other, pid: gone, startedAt: '2026-01-01T00:00:00.000Z' })}\n`,
    );
    const refused = await cli(['run', PLAN, '--simulate', READY, '--yes', '--json', '--state-dir', stateDir]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      `plan cli-fixture is in use by run run-20260101T000000Z-ops2aa (host ${other}, pid ${gone}, since 2026-01-01T00:00:00.000Z); only one run at a time.`,
    );
    expect(refused.stderr).toContain('remove the lock under locks/ by hand');
    expect(existsSync(join(stateDir, 'runs')) ? runIds(stateDir) : []).toEqual([]);
  });
});
