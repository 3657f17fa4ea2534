// Generated worlds: random fault sequences from the scenario's fault catalogue (errors of the
// API reference's table on random operations, failed launches, jobs that never end, impaired
// targets, EC2 eventual consistency, lost recovery instances, SNS outages) against a small
// plan. Whatever goes wrong, a run must end in a contract outcome, never launch a recovery
// instance twice, never call anything destructive, and announce every state change once.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/plan/types.js';
import {
  createSimulatedAws,
  FAULT_ERROR_NAMES,
  type ScenarioFile,
  SIM_OPERATIONS,
  toScenario,
} from '../../src/sim/index.js';
import { expectRunInvariants, runOnSimulation } from './harness.js';

const A = 's-7600000000000000a';
const B = 's-7600000000000000b';
const C = 's-7600000000000000c';
const SERVERS = [A, B, C] as const;
const TOPIC = 'arn:aws:sns:us-east-1:111122223333:failback';
const MIN = 60_000;
// Deeper exploration on demand: FAULT_SEQUENCE_RUNS=1000 FAULT_SEQUENCE_SEED=7 npx vitest run test/e2e
const NUM_RUNS = Number(process.env.FAULT_SEQUENCE_RUNS ?? 40);
const SEED = Number(process.env.FAULT_SEQUENCE_SEED ?? 20260301);
const outcomes = new Map<string, number>();

type Fault = NonNullable<ScenarioFile['faults']>[number];

function smallPlan(approval: Plan['approval'], restore: Plan['backout']['restore']): Plan {
  return {
    version: 1,
    name: 'generated',
    region: 'us-east-1',
    notifications: { topicArn: TOPIC },
    objectives: { rpoMs: 15 * MIN, rtoMs: 4 * 60 * MIN },
    approval,
    polling: { intervalMs: 30_000, maxMs: 5 * MIN },
    verify: { timeoutMs: 20 * MIN },
    job: { timeoutMs: 60 * MIN },
    backout: { restore },
    waves: [
      {
        name: 'first',
        servers: [
          { sourceServerID: A, verify: { ec2InstanceId: 'i-0760000000000000a', probes: [] } },
          { sourceServerID: B },
        ],
      },
      { name: 'second', servers: [{ sourceServerID: C }] },
    ],
  };
}

const minutes = (max: number) => fc.integer({ min: 0, max }).map((m) => `${m}m`);
const someServers = fc.subarray([...SERVERS], { minLength: 1 });
const during = fc.option(fc.constantFrom('failback' as const, 'recovery' as const, 'any' as const), {
  nil: undefined,
});

/** Drops the keys whose value is undefined: the scenario schema is strict about its keys. */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** A fault window from..until in order: scenario validation refuses an inverted one. */
function ordered<T extends { from?: string; until?: string }>(f: T): T {
  const from = f.from === undefined ? undefined : Number.parseInt(f.from, 10);
  const until = f.until === undefined ? undefined : Number.parseInt(f.until, 10);
  if (from === undefined || until === undefined || from <= until) return f;
  return { ...f, from: f.until, until: f.from };
}

const errorFault: fc.Arbitrary<Fault> = fc
  .record({
    operation: fc.constantFrom(...SIM_OPERATIONS, '*' as const),
    error: fc.constantFrom(...FAULT_ERROR_NAMES),
    count: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
    rate: fc.option(fc.constantFrom(0.1, 0.3, 0.5, 1), { nil: undefined }),
    from: fc.option(minutes(90), { nil: undefined }),
    until: fc.option(minutes(180), { nil: undefined }),
    retryAfterSeconds: fc.option(fc.integer({ min: 0, max: 120 }), { nil: undefined }),
  })
  .map((f) => ordered(defined(f)));

const fault: fc.Arbitrary<Fault> = fc.oneof(
  { weight: 4, arbitrary: errorFault },
  fc.record({ kind: fc.constant('launch-failure' as const), servers: someServers, during }).map(defined),
  fc
    .record({
      kind: fc.constant('job-never-finishes' as const),
      servers: fc.option(someServers, { nil: undefined }),
      during,
    })
    .map(defined),
  fc.record({ kind: fc.constant('impaired-after-launch' as const), servers: someServers }),
  fc.record({ kind: fc.constant('instance-not-found-for' as const), duration: minutes(10) }),
  fc.record({
    kind: fc.constant('recovery-instance-lost' as const),
    server: fc.constantFrom(...SERVERS),
    at: minutes(120),
  }),
  fc
    .record({
      kind: fc.constant('sns-outage' as const),
      from: fc.option(minutes(60), { nil: undefined }),
      until: fc.option(minutes(240), { nil: undefined }),
    })
    .map((f) => ordered(defined(f))),
);

const world = fc.record({
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  faults: fc.array(fault, { maxLength: 4 }),
  approval: fc.constantFrom('per-wave' as const, 'once' as const, 'none' as const),
  restore: fc.constantFrom('if-unhealthy' as const, 'never' as const),
});

function scenarioFor(seed: number, faults: Fault[]): ScenarioFile {
  return {
    seed,
    startAt: '2026-03-01T02:00:00Z',
    defaults: { launch: { duration: '20m' }, health: { after: '3m' }, recovery: { duration: '15m' } },
    topics: [TOPIC],
    servers: [
      { sourceServerID: A, target: { ec2InstanceID: 'i-0760000000000000a' } },
      { sourceServerID: B, launch: { duration: '25m' } },
      { sourceServerID: C },
    ],
    faults,
  };
}

describe('generated fault sequences', () => {
  it('always end in a contract outcome, launch once, destroy nothing and notify every state', async () => {
    await fc.assert(
      fc.asyncProperty(world, async ({ seed, faults, approval, restore }) => {
        const sim = createSimulatedAws(toScenario(scenarioFor(seed, faults)));
        const run = await runOnSimulation(smallPlan(approval, restore), sim);
        outcomes.set(run.result.outcome, (outcomes.get(run.result.outcome) ?? 0) + 1);
        expectRunInvariants(run);
      }),
      { seed: SEED, numRuns: NUM_RUNS },
    );
    if (process.env.FAULT_SEQUENCE_RUNS) console.log(Object.fromEntries(outcomes));
  }, 600_000);

  it('a fault-free world completes (the generator is not vacuous)', async () => {
    const sim = createSimulatedAws(toScenario(scenarioFor(1, [])));
    const run = await runOnSimulation(smallPlan('per-wave', 'if-unhealthy'), sim);
    expect(run.result.outcome).toBe('completed');
    expectRunInvariants(run);
  });
});
