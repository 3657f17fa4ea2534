import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireRunLocks, RunLockedError, RunStore } from '../../src/store/index.js';
import { RUN_A, RUN_B, S1, S2, tempStateDir, testPlan } from './helpers.js';

/** The pid of a process that ran and exited: certainly dead (pids are not reused this fast). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(child.stdout);
}

const lockOf = (stateDir: string, name: string) =>
  JSON.parse(readFileSync(join(stateDir, 'locks', name), 'utf8')) as { runId: string; pid: number };

describe('one run at a time', () => {
  it('refuses a second run of the same plan, naming the active run and its owner', () => {
    const stateDir = tempStateDir();
    new RunStore({ stateDir }).create(testPlan('payments', [S1]), 'x', RUN_A);
    const other = new RunStore({ stateDir, pid: process.pid + 100_000, isProcessAlive: () => true });
    let error: unknown;
    try {
      other.create(testPlan('payments', [S2]), 'x', RUN_B);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RunLockedError);
    expect((error as Error).message).toMatch(
      new RegExp(`plan payments is in use by run ${RUN_A} \\(host ${hostname()}, pid ${process.pid},`),
    );
    expect(lockOf(stateDir, 'plan-payments.lock')).toMatchObject({ runId: RUN_A });
  });

  it('refuses a run of another plan that shares a server, and leaves no lock of its own behind', () => {
    const stateDir = tempStateDir();
    new RunStore({ stateDir }).create(testPlan('payments', [S1]), 'x', RUN_A);
    const other = new RunStore({ stateDir, pid: 1, isProcessAlive: () => true });
    expect(() => other.create(testPlan('reports', [S2, S1]), 'x', RUN_B)).toThrow(
      new RegExp(`server ${S1} is in use by run ${RUN_A}`),
    );
    // All or nothing: the plan lock of the refused run was given back.
    expect(() => readFileSync(join(stateDir, 'locks', 'plan-reports.lock'))).toThrow();
    expect(() => readFileSync(join(stateDir, 'locks', `server-${S2}.lock`))).toThrow();
  });

  it('a refused resume rolls back only what it took: the locks the run held before stay its own', () => {
    const stateDir = tempStateDir();
    const dead = deadPid();
    new RunStore({ stateDir, pid: dead }).create(testPlan('payments', [S1, S2]), 'x', RUN_A);
    // Another live run holds S2 now.
    writeFileSync(
      join(stateDir, 'locks', `server-${S2}.lock`),
      `${JSON.stringify({ runId: RUN_B, host: hostname(), pid: 4242, startedAt: '' })}\n`,
    );
    const resumer = new RunStore({ stateDir, isProcessAlive: (pid) => pid === 4242 });
    expect(() => resumer.open(RUN_A).lock()).toThrow(new RegExp(`server ${S2} is in use by run ${RUN_B}`));
    // The plan and S1 locks were taken over, then given back to the run's (dead) process.
    expect(lockOf(stateDir, 'plan-payments.lock')).toMatchObject({ runId: RUN_A, pid: dead });
    expect(lockOf(stateDir, `server-${S1}.lock`)).toMatchObject({ runId: RUN_A, pid: dead });
    expect(lockOf(stateDir, `server-${S2}.lock`)).toMatchObject({ runId: RUN_B, pid: 4242 });
  });

  it('takes over a lock whose process died on this host', () => {
    const stateDir = tempStateDir();
    const dead = deadPid();
    new RunStore({ stateDir, pid: dead }).create(testPlan('payments', [S1]), 'x', RUN_A);
    expect(lockOf(stateDir, 'plan-payments.lock').pid).toBe(dead);
    new RunStore({ stateDir }).create(testPlan('payments', [S1]), 'x', RUN_B);
    expect(lockOf(stateDir, 'plan-payments.lock')).toMatchObject({ runId: RUN_B, pid: process.pid });
    expect(lockOf(stateDir, `server-${S1}.lock`)).toMatchObject({ runId: RUN_B, pid: process.pid });
  });

  it('never takes over a lock held on another host, even if that pid is free here', () => {
    const stateDir = tempStateDir();
    new RunStore({ stateDir, host: 'other-host', pid: deadPid() }).create(
      testPlan('payments', [S1]),
      'x',
      RUN_A,
    );
    expect(() => new RunStore({ stateDir }).create(testPlan('payments', [S1]), 'x', RUN_B)).toThrow(
      /in use by run .* \(host other-host/,
    );
  });

  it('treats an unreadable lock file as stale', () => {
    const stateDir = tempStateDir();
    acquireRunLocks(
      stateDir,
      { planName: 'payments', sourceServerIDs: [] },
      { runId: RUN_A, host: hostname(), pid: process.pid, startedAt: '' },
      { host: hostname(), pid: process.pid },
    ).release();
    writeFileSync(join(stateDir, 'locks', 'plan-payments.lock'), '');
    new RunStore({ stateDir }).create(testPlan('payments', [S1]), 'x', RUN_B);
    expect(lockOf(stateDir, 'plan-payments.lock').runId).toBe(RUN_B);
  });

  it('the resumed run takes its own locks back from its dead process; a live one refuses', () => {
    const stateDir = tempStateDir();
    new RunStore({ stateDir, pid: deadPid() }).create(testPlan('payments', [S1]), 'x', RUN_A);
    const resumed = new RunStore({ stateDir }).open(RUN_A);
    resumed.lock();
    expect(lockOf(stateDir, 'plan-payments.lock')).toMatchObject({ runId: RUN_A, pid: process.pid });
    const twice = new RunStore({ stateDir, pid: 1, isProcessAlive: () => true }).open(RUN_A);
    expect(() => twice.lock()).toThrow(new RegExp(`in use by run ${RUN_A} .*pid ${process.pid}`));
  });

  it('releases on request, only the locks that still name the run', () => {
    const stateDir = tempStateDir();
    const run = new RunStore({ stateDir }).create(testPlan('payments', [S1]), 'x', RUN_A);
    run.releaseLocks();
    new RunStore({ stateDir }).create(testPlan('payments', [S1]), 'x', RUN_B);
    // A late release of the old run leaves the new run's locks alone.
    run.releaseLocks();
    expect(lockOf(stateDir, 'plan-payments.lock').runId).toBe(RUN_B);
  });
});
