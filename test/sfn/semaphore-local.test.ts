// The in-flight quota shared by concurrent Step Functions executions: plan executions started at
// once on the local runner (the generated ASL, the real Lambdas' code), one run table (the
// DynamoDB semaphore) and one simulated world whose DRS enforces a small quota. Each actor Lambda
// takes the quota as entry.ts does (`withPlanQuota`); without it, DRS refuses the second launch.
import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../src/plan/load.js';
import type { Plan } from '../../src/plan/types.js';
import { quotaHolder } from '../../src/sfn/quota.js';
import { quotaKey } from '../../src/sfn/semaphore.js';
import { createSimulatedAws, type SimulatedAws, toScenario } from '../../src/sim/index.js';
import { createFakeRunTable, type FakeRunTable } from '../support/fake-run-table.js';
import {
  type LocalEngineOptions,
  type LocalEngineRun,
  runOnLocalStepFunctions,
  runSideBySideOnLocalStepFunctions,
} from './local-engine.js';

const MIN = 60_000;
const IDS = ['s-1234567890abcdef0', 's-abcdef01234567890', 's-0000000000000000a', 's-0000000000000000b'];
const HOME = { account: '111122223333', region: 'us-east-1' };
const KEY = quotaKey(HOME.account, HOME.region);
/** DRS's quota in the simulated world, and the plans' `job.maxInFlight`. */
const CAPACITY = 3;
const RUNS = ['run-20260301T020000Z-aaaaaa', 'run-20260301T020000Z-bbbbbb'] as const;

/** One wave of these servers, no approval; the capacity as `job.maxInFlight`. */
function plan(name: string, servers: readonly string[]): Plan {
  return parsePlan(
    `version: 1
name: ${name}
region: us-east-1
objectives: { rpo: 15m, rto: 8h }
approval: none
polling: { interval: 15s, max: 5m }
job: { maxServers: ${CAPACITY}, maxInFlight: ${CAPACITY} }
waves:
  - name: w
    servers: [${servers.map((s) => `{ sourceServerID: ${s} }`).join(', ')}]
`,
    'plan.yaml',
  );
}

/** Four servers whose launches take 5 minutes, in one account and region allowing 3 in all jobs. */
function world(): SimulatedAws {
  return createSimulatedAws(
    toScenario({
      seed: 3,
      limits: { serversInAllJobs: CAPACITY },
      defaults: { launch: { duration: '5m' }, jobStartDelay: '0s' },
      servers: IDS.map((id, i) => ({
        sourceServerID: id,
        recoveryInstanceID: `i-${String(i + 1).repeat(16)}a`,
      })),
    }),
  );
}

/** Starts the wave machine saw refused as throttled (here: the semaphore's InFlightQuotaFull). */
const throttledStarts = (run: LocalEngineRun) =>
  (run.traces['wave:0'] ?? []).filter((leaf) => leaf === 'startingFailback.throttled').length;
const outcomeOf = (run: LocalEngineRun) => (run.outcome as { outcome?: string } | null)?.outcome;
const launchesOf = (sim: SimulatedAws) => sim.calls().filter((c) => c.operation === 'StartFailbackLaunch');

/** The most servers in DRS's active jobs at any instant, from the world's job records. */
function peakInFlight(sim: SimulatedAws): number {
  const jobs = sim.world.jobs();
  const activeAt = (t: number) =>
    jobs
      .filter((j) => j.createdAt <= t && (j.endAt === null || j.endAt > t))
      .reduce((n, j) => n + j.servers.length, 0);
  return Math.max(0, ...jobs.map((j) => activeAt(j.createdAt)));
}

/** Two plan executions started at once: 2 servers each, 4 in all, over a quota of 3. */
async function twoExecutions(withQuota: boolean) {
  const sim = world();
  const table = createFakeRunTable();
  const options = (runId: string): LocalEngineOptions => ({
    runId,
    table,
    ...(withQuota ? { quota: { home: HOME } } : {}),
  });
  const runs = await runSideBySideOnLocalStepFunctions(sim, [
    { plan: plan('first', IDS.slice(0, 2)), options: options(RUNS[0]) },
    { plan: plan('second', IDS.slice(2)), options: options(RUNS[1]) },
  ]);
  return { sim, table, runs };
}

/** The semaphore's item in the run table, as stored (expired shares included). */
function quotaItem(table: FakeRunTable) {
  const item = table.items().find((i) => i.pk?.S === KEY && i.sk?.S === 'quota');
  return item ? { holders: JSON.parse(item.holders?.S ?? '{}') as Record<string, unknown>, item } : undefined;
}

describe('the in-flight quota shared by concurrent executions (local runner)', () => {
  it('two executions at once both complete; DRS never refuses a launch; the second waits for the first', async () => {
    const { sim, table, runs } = await twoExecutions(true);
    expect(runs.map(outcomeOf)).toEqual(['completed', 'completed']);
    const launches = launchesOf(sim);
    expect(launches.map((c) => c.ok)).toEqual([true, true]);
    expect(sim.calls().some((c) => c.errorName === 'ServiceQuotaExceededException')).toBe(false);
    // Never more than the capacity in flight in the account and region (non-vacuous: 4 servers).
    expect(peakInFlight(sim)).toBeLessThanOrEqual(CAPACITY);
    expect(sim.world.jobs().reduce((n, j) => n + j.servers.length, 0)).toBe(4);
    // The second launch came after the first run gave its share back: once its job had ended.
    const [first, second] = sim.world.jobs().sort((a, b) => a.createdAt - b.createdAt);
    expect(first?.endAt).not.toBeNull();
    expect(second?.createdAt).toBeGreaterThanOrEqual(first?.endAt ?? Number.POSITIVE_INFINITY);
    // One execution was held back by the semaphore (a throttled start, nothing sent), the other not.
    expect(runs.map((r) => throttledStarts(r) > 0).sort()).toEqual([false, true]);
    // Both executions took and gave back their share in the one run table.
    expect(quotaItem(table)?.holders).toEqual({});
    expect(Number(quotaItem(table)?.item.version?.N)).toBeGreaterThanOrEqual(4);
  });

  it('control: the same executions without the semaphore hit DRS’s ServiceQuotaExceededException', async () => {
    const { sim, table } = await twoExecutions(false);
    expect(launchesOf(sim).some((c) => !c.ok && c.errorName === 'ServiceQuotaExceededException')).toBe(true);
    expect(quotaItem(table)).toBeUndefined();
  });

  /**
   * An execution whose actor Lambda dies in the launch after taking 3 of 3 (nothing gives them
   * back; its executions are stopped), then another execution of 1 server in the same account.
   */
  async function crashedHolderThenOther(leaseMs: number) {
    const sim = world();
    const table = createFakeRunTable();
    const quota = { home: HOME, leaseMs };
    const crashed = await runOnLocalStepFunctions(plan('crashed', IDS.slice(0, 3)), sim, {
      runId: RUNS[0],
      table,
      quota,
      diesIn: 'startFailback',
    });
    expect(crashed.outcome).toBeNull();
    expect(launchesOf(sim)).toEqual([]);
    const held = quotaItem(table)?.holders[quotaHolder(RUNS[0], 'w')] as {
      servers: number;
      expiresAt: number;
    };
    expect(held.servers).toBe(3);
    expect(held.expiresAt).toBe(sim.clock.now() + leaseMs);
    const other = await runOnLocalStepFunctions(plan('other', IDS.slice(3)), sim, {
      runId: RUNS[1],
      table,
      quota,
    });
    return { sim, table, other, leaseEnds: held.expiresAt };
  }

  it('a crashed holder blocks the other execution only until its lease expires', async () => {
    const { sim, table, other, leaseEnds } = await crashedHolderThenOther(3 * MIN);
    expect(outcomeOf(other)).toBe('completed');
    const launches = launchesOf(sim);
    expect(launches.map((c) => c.ok)).toEqual([true]);
    // Refused while the crashed share counted (starts at 0, 1 and 2 minutes), sent at the first
    // start retry after it expired.
    expect(throttledStarts(other)).toBe(3);
    const launchedAt = Date.parse(launches[0]?.at ?? '');
    expect(launchedAt).toBeGreaterThanOrEqual(leaseEnds);
    expect(launchedAt).toBeLessThan(leaseEnds + 2 * MIN);
    expect(quotaItem(table)?.holders).toEqual({});
  });

  it('control: with a lease longer than its start retries, the other execution ends before its point of no return', async () => {
    const { sim, other } = await crashedHolderThenOther(30 * MIN);
    expect(outcomeOf(other)).toBe('aborted');
    expect(throttledStarts(other)).toBeGreaterThan(3);
    expect(launchesOf(sim)).toEqual([]);
  });
});
