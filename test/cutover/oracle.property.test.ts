// Property tests: the product's account of each server (where its serving copy is, what was lost)
// held to the simulated world's data oracle over generated fault sequences; and, with the writes
// stopped and confirmed, nothing crosses the point of no return with more than maxLag of writes
// not yet home. Seeded (fast-check), so a failure prints the scenario that broke it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../src/plan/load.js';
import { serverFates } from '../../src/report/serving.js';
import { createSimulatedAws } from '../../src/sim/index.js';
import { parseScenarioText } from '../../src/sim/scenario.js';
import { runOnSimulation } from '../e2e/harness.js';

const SERVERS = ['s-7a00000000000000a', 's-7a00000000000000b', 's-7a00000000000000c'] as const;

interface Case {
  quiesce: 'confirm' | 'none';
  maxLagS: number;
  writeRate: number;
  faults: string[];
}

const someServers = fc.subarray([...SERVERS], { minLength: 1 });
const fault = fc.oneof(
  someServers.map((s) => `  - kind: launch-failure\n    servers: [${s.join(', ')}]`),
  fc
    .tuple(fc.constantFrom(...SERVERS), fc.integer({ min: 5, max: 40 }))
    .map(([s, at]) => `  - kind: recovery-instance-lost\n    server: ${s}\n    at: ${at}m`),
  fc
    .tuple(someServers, fc.constantFrom('20s', '2m', '5m'))
    .map(([s, lag]) => `  - kind: replication-lag\n    servers: [${s.join(', ')}]\n    lag: ${lag}`),
  fc.constant('  - operation: StartFailbackLaunch\n    error: ConflictException\n    count: 1'),
  fc.constant('  - operation: StartFailbackLaunch\n    error: InternalServerException\n    count: 1'),
  fc.constant('  - operation: DescribeJobs\n    error: InternalServerException\n    count: 1'),
  someServers.map((s) => `  - kind: impaired-after-launch\n    servers: [${s.join(', ')}]`),
  // A launch that fails while the server's recovery instance is lost: the backout must relaunch.
  fc
    .tuple(fc.constantFrom(...SERVERS), fc.integer({ min: 5, max: 14 }))
    .map(
      ([s, at]) =>
        `  - kind: launch-failure\n    servers: [${s}]\n  - kind: recovery-instance-lost\n    server: ${s}\n    at: ${at}m`,
    ),
);
const cases: fc.Arbitrary<Case> = fc.record({
  quiesce: fc.constantFrom('confirm' as const, 'none' as const),
  maxLagS: fc.constantFrom(10, 30, 600),
  writeRate: fc.constantFrom(0, 100_000, 500_000),
  faults: fc.array(fault, { maxLength: 3 }),
});

function scenarioText(c: Case): string {
  return `seed: oracle
startAt: 2026-03-01T02:00:00Z
disasterAt: 2026-02-20T02:00:00Z
defaults:
  launch: { duration: 15m }
  recovery: { duration: 10m }
  recoveryPoints: { retention: 14d }
  writeRate: ${c.writeRate}
  failbackClient: { pairedBefore: 1d, initialSync: 3h, lag: 4s }
topics:
  - arn:aws:sns:us-east-1:111122223333:failback
servers:
${SERVERS.map((s) => `  - sourceServerID: ${s}`).join('\n')}
faults:${c.faults.length === 0 ? ' []' : `\n${c.faults.join('\n')}`}
`;
}

function planText(c: Case): string {
  return `version: 1
name: oracle
region: us-east-1
notifications:
  topicArn: arn:aws:sns:us-east-1:111122223333:failback
objectives: { rpo: 15m, rto: 4h }
approval: per-wave
polling: { interval: 15s, max: 5m }
verify: { timeout: 20m }
job: { timeout: 2h }
cutover: { quiesce: ${c.quiesce}, maxLag: ${c.maxLagS}s, timeout: 15m }
backout: { restore: if-unhealthy, allowDataLoss: true }
waves:
  - name: oracle
    servers:
${SERVERS.map((s) => `      - sourceServerID: ${s}`).join('\n')}
`;
}

async function run(c: Case) {
  const plan = parsePlan(planText(c), 'plan.yaml');
  const sim = createSimulatedAws(parseScenarioText(scenarioText(c), 'scenario.yaml'));
  const ran = await runOnSimulation(plan, sim);
  return { ...ran, sim };
}

const ORACLE_OF = {
  primary: ['failback-target', 'origin-instance'],
  'both-may-be-live': ['failback-target'],
  dr: ['recovery-instance'],
  'dr-relaunched': ['relaunched-instance'],
  unknown: ['recovery-instance', 'relaunched-instance', 'failback-target', 'none'],
} as const;

describe('the product against the data oracle', () => {
  it('says where each copy serves and what was lost exactly as the oracle does', async () => {
    await fc.assert(
      fc.asyncProperty(cases, async (c) => {
        const { result, sim } = await run(c);
        const wave = result.waves[0];
        if (!wave) throw new Error('no wave result');
        const fates = serverFates(wave, [...SERVERS]);
        const oracle = sim.dataOracle();
        for (const fate of fates) {
          const truth = oracle.find((o) => o.sourceServerID === fate.sourceServerID);
          if (!truth) throw new Error(`no oracle entry for ${fate.sourceServerID}`);
          const where = `${fate.sourceServerID}: product says ${fate.serving} (${fate.loss}); oracle ${truth.serving} lacking ${truth.lacksMs} ms`;
          expect(ORACLE_OF[fate.serving] as readonly string[], where).toContain(truth.serving);
          // "Nothing lost" only when nothing is.
          if (fate.nothingLost) expect(truth.lacksMs, where).toBe(0);
          // A relaunch says "every write after <snapshot time> is lost". True when the relaunched
          // copy holds nothing newer than that time and the lost instance wrote nothing before it
          // (the snapshot's timestamp may trail its data instant by the time taking it took).
          const restored = wave.backout?.restored?.find((r) => r.sourceServerID === fate.sourceServerID);
          if (fate.serving === 'dr-relaunched' && restored) {
            const said = Date.parse(restored.snapshotAt);
            expect(Date.parse(truth.copyAt ?? ''), where).toBeLessThanOrEqual(said);
            const lost = sim.world.state.recoveryInstances.find(
              (ri) => ri.sourceServerID === fate.sourceServerID && ri.launchedByJobID === undefined,
            );
            expect(lost?.visibleAt ?? 0, where).toBeGreaterThanOrEqual(said);
          }
        }
      }),
      { numRuns: 30, seed: 20261202 },
    );
  }, 300_000);

  it('with quiesce: confirm, no primary lacks more than maxLag of writes at the crossing', async () => {
    await fc.assert(
      fc.asyncProperty(
        cases.map((c) => ({ ...c, quiesce: 'confirm' as const })),
        async (c) => {
          const { events, sim } = await run(c);
          const drained = events.find((e) => e.type === 'cutover.drained');
          if (drained?.type !== 'cutover.drained') return; // nothing crossed
          for (const s of drained.servers) expect(s.lagMs).toBeLessThanOrEqual(c.maxLagS * 1000);
          for (const o of sim.dataOracle()) {
            if (o.serving === 'failback-target') expect(o.lacksMs ?? 0).toBeLessThanOrEqual(c.maxLagS * 1000);
          }
        },
      ),
      { numRuns: 20, seed: 20261203 },
    );
  }, 300_000);
});
