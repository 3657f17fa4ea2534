// A run whose snapshot is missing while its log shows a mutating call: resume refuses (exit 4,
// a person must act) with what the log shows was sent, and never restarts the run from scratch.
import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exitForError } from '../../src/cli/exit-codes.js';
import { parsePlan } from '../../src/plan/load.js';
import { resumeRun } from '../../src/resume.js';
import { createSimulatedAws } from '../../src/sim/index.js';
import { planLockOwner, RunStore } from '../../src/store/index.js';
import { FIXTURE_PLAN, FIXTURE_RUN_ID } from '../fixtures/snapshots/fixture-plan.js';
import { tempStateDir } from '../store/helpers.js';

describe('resume without a snapshot', () => {
  it('refuses with exit 4 and the facts when the log shows StartFailbackLaunch was sent', async () => {
    const stateDir = tempStateDir();
    const plan = parsePlan(FIXTURE_PLAN, 'plan.yaml');
    const stored = new RunStore({ stateDir, pid: 999_999, isProcessAlive: () => false }).create(
      plan,
      FIXTURE_PLAN,
      FIXTURE_RUN_ID,
    );
    stored.appendEvent({
      type: 'aws.request',
      at: '2026-01-01T00:10:00.000Z',
      runId: FIXTURE_RUN_ID,
      seq: 1,
      service: 'drs',
      region: 'us-east-1',
      operation: 'StartFailbackLaunch',
      input: { recoveryInstanceIDs: ['i-0000000000000aaaa'] },
    });
    stored.close();
    rmSync(stored.snapshotPath, { force: true });
    const sim = createSimulatedAws('test/cli/fixtures/scenario.yaml');
    let error: unknown;
    try {
      await resumeRun({
        store: new RunStore({ stateDir }),
        runId: FIXTURE_RUN_ID,
        clients: sim.clients,
        clock: sim.clock,
      });
    } catch (e) {
      error = e;
    }
    expect((error as Error).name).toBe('ResumeRefusedError');
    expect((error as Error).message).toMatch(/snapshot\.json is missing/);
    expect((error as Error).message).toContain(
      'StartFailbackLaunch {"recoveryInstanceIDs":["i-0000000000000aaaa"]}',
    );
    expect(exitForError(error)).toMatchObject({ code: 4, unexpected: false });
    // Nothing was sent, and the run's locks still name its own (dead) process.
    expect(sim.calls()).toEqual([]);
    expect(planLockOwner(stateDir, plan.name)).toMatchObject({ runId: FIXTURE_RUN_ID, pid: 999_999 });
  });
});
