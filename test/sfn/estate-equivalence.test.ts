// Waves in two accounts and two regions, in both engines: in process (clients per target,
// src/run/targets.ts) and as the generated ASL under aws-local-stepfunctions, whose actor Lambda
// routes each wave's calls the same way (src/sfn/actor-activities.ts). Each wave's aws.request
// sequence (operation, input, region, account) and the outcome must be identical, and each
// wave's launch must land in the simulated world of its own account and region.
import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../src/plan/load.js';
import { createSimulatedEstate, toScenario } from '../../src/sim/index.js';
import {
  type AwsRequest,
  type EngineRun,
  normalizeMintedIds,
  runInProcess,
  runOnLocalStepFunctions,
} from './local-engine.js';

const HOME = '111122223333';
const B = '444455556666';

const PLAN = `
version: 1
name: estate
region: us-east-1
objectives: { rpo: 15m, rto: 8h }
approval: per-wave
aws:
  accounts:
    b:
      accountId: "${B}"
      role: { arn: "arn:aws:iam::${B}:role/drs-failback-member", externalId: ext-b }
waves:
  - name: home-east
    servers: [{ sourceServerID: s-1111111111111111a }, { sourceServerID: s-1111111111111111b }]
  - name: b-west
    account: b
    region: eu-west-1
    servers: [{ sourceServerID: s-2222222222222222a }]
  - name: b-east
    account: b
    servers: [{ sourceServerID: s-3333333333333333a }]
  - name: home-west
    region: eu-west-1
    servers: [{ sourceServerID: s-4444444444444444a }]
`;

/** Four worlds: each (account, region) holds the servers of one wave. */
function estate() {
  const server = (id: string) => ({ sourceServerID: id, recoveryInstanceID: `i-${id.slice(2)}` });
  return createSimulatedEstate([
    toScenario({
      seed: 1,
      servers: [server('s-1111111111111111a'), server('s-1111111111111111b')],
    }),
    toScenario({ seed: 2, accountId: B, region: 'eu-west-1', servers: [server('s-2222222222222222a')] }),
    toScenario({ seed: 3, accountId: B, region: 'us-east-1', servers: [server('s-3333333333333333a')] }),
    toScenario({ seed: 4, region: 'eu-west-1', servers: [server('s-4444444444444444a')] }),
  ]);
}

/** Where each wave acts, by its requests: `<account name or "-">/<region>`. */
const targetOf = (r: AwsRequest) => `${r.account ?? '-'}/${r.region}`;
const WAVE_TARGETS = ['-/us-east-1', 'b/eu-west-1', 'b/us-east-1', '-/eu-west-1'];

function byTarget(requests: readonly AwsRequest[]): Record<string, AwsRequest[]> {
  const groups: Record<string, AwsRequest[]> = {};
  for (const r of requests) {
    groups[targetOf(r)] ??= [];
    groups[targetOf(r)]?.push(r);
  }
  return groups;
}

function expectSameWaves(inProcess: EngineRun, local: EngineRun): void {
  const [a, b] = [byTarget(inProcess.requests), byTarget(local.requests)];
  expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
  for (const [target, requests] of Object.entries(a)) expect(b[target], target).toEqual(requests);
  expect(local.requests).toEqual(inProcess.requests);
  expect(local.outcome).toEqual(inProcess.outcome);
}

async function bothEngines() {
  const plan = parsePlan(PLAN, 'plan.yaml');
  const inProcess = await runInProcess(plan, estate(), []);
  const sim = estate();
  const local = await runOnLocalStepFunctions(plan, sim, {});
  const ids = [new Map<string, string>(), new Map<string, string>()] as const;
  const normalized = (run: EngineRun, names: Map<string, string>): EngineRun => ({
    ...run,
    requests: normalizeMintedIds(run.requests, names),
    outcome: normalizeMintedIds(run.outcome, names),
  });
  return { inProcess: normalized(inProcess, ids[0]), local: normalized(local, ids[1]), sim };
}

describe('waves in two accounts and two regions: identical runs in both engines', () => {
  it("each wave's requests (operation, input, region, account) and the outcome", async () => {
    const { inProcess, local, sim } = await bothEngines();
    expectSameWaves(inProcess, local);
    expect(local.outcome).toMatchObject({
      outcome: 'completed',
      waves: ['home-east', 'b-west', 'b-east', 'home-west'].map((name) => ({ name, outcome: 'completed' })),
    });
    // Non-vacuous: every wave called AWS in its own target, and its launch reached that world.
    const groups = byTarget(local.requests);
    expect(Object.keys(groups).sort()).toEqual([...WAVE_TARGETS].sort());
    for (const target of WAVE_TARGETS)
      expect(
        groups[target]?.some((r) => r.operation === 'StartFailbackLaunch'),
        target,
      ).toBe(true);
    const launched = (accountId: string, region: string) =>
      sim
        .world(accountId, region)
        .calls()
        .filter((c) => c.operation === 'StartFailbackLaunch')
        .flatMap((c) => (c.input as { recoveryInstanceIDs: string[] }).recoveryInstanceIDs);
    expect(launched(HOME, 'us-east-1').sort()).toEqual(['i-1111111111111111a', 'i-1111111111111111b']);
    expect(launched(B, 'eu-west-1')).toEqual(['i-2222222222222222a']);
    expect(launched(B, 'us-east-1')).toEqual(['i-3333333333333333a']);
    expect(launched(HOME, 'eu-west-1')).toEqual(['i-4444444444444444a']);
  });

  it('the comparison fails when a request names another account', async () => {
    const { inProcess, local } = await bothEngines();
    const i = local.requests.findIndex((r) => r.account === 'b');
    expect(i).toBeGreaterThanOrEqual(0);
    const requests = local.requests.map((r, j) => {
      if (j !== i) return r;
      const { account: _account, ...home } = r;
      return home;
    });
    expect(() => expectSameWaves(inProcess, { ...local, requests })).toThrow();
  });
});
