// Waves in other DR accounts and regions: each wave's calls go to its own account's and region's
// simulated world, where its servers are; a plan without the keys runs as before.
import { describe, expect, it } from 'vitest';
import { AccountMismatchError, readIdentities } from '../../src/aws/identity.js';
import { ConfigError, formatProblem } from '../../src/config/index.js';
import type { RunEvent } from '../../src/events.js';
import { parsePlan } from '../../src/plan/load.js';
import { planTargets, waveTarget } from '../../src/plan/targets.js';
import { createFailbackRun } from '../../src/run.js';
import { createSimulatedEstate, toScenario } from '../../src/sim/index.js';

const S1 = 's-1234567890abcdef0';
const S2 = 's-abcdef01234567890';
const S3 = 's-0000000000000000a';
const PROD = '444455556666';

const PLAN = `
version: 1
name: estate
region: us-east-1
objectives: { rpo: 15m, rto: 8h }
approval: none
aws:
  accounts:
    prod:
      accountId: "${PROD}"
      role: { arn: "arn:aws:iam::${PROD}:role/failback", externalId: ext-123 }
waves:
  - name: db
    servers: [{ sourceServerID: ${S1} }]
  - name: app
    account: prod
    region: eu-west-1
    servers: [{ sourceServerID: ${S2} }]
  - name: web
    region: us-west-2
    servers: [{ sourceServerID: ${S3} }]
`;

function problemsIn(text: string): string[] {
  try {
    parsePlan(text, 'plan.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map(formatProblem);
    throw error;
  }
  throw new Error('expected the plan to be refused');
}

/** Three worlds: the home account in us-east-1 and us-west-2, the prod account in eu-west-1. */
function estate() {
  const server = (id: string, ri: string) => ({ sourceServerID: id, recoveryInstanceID: ri });
  return createSimulatedEstate([
    toScenario({ seed: 1, servers: [server(S1, 'i-1111111111111111a')] }),
    toScenario({
      seed: 2,
      accountId: PROD,
      region: 'eu-west-1',
      servers: [server(S2, 'i-2222222222222222b')],
    }),
    toScenario({ seed: 3, region: 'us-west-2', servers: [server(S3, 'i-3333333333333333c')] }),
  ]);
}

describe('plan keys aws.accounts, waves[].account, waves[].region', () => {
  it('gives each wave its target: account id, role and region', () => {
    const plan = parsePlan(PLAN, 'plan.yaml');
    expect(plan.waves.map((w) => waveTarget(plan, w))).toEqual([
      { region: 'us-east-1' },
      {
        account: 'prod',
        accountId: PROD,
        region: 'eu-west-1',
        role: { arn: `arn:aws:iam::${PROD}:role/failback`, externalId: 'ext-123' },
      },
      { region: 'us-west-2' },
    ]);
    expect(planTargets(plan).map((t) => `${t.account ?? '-'}/${t.region}`)).toEqual([
      '-/us-east-1',
      'prod/eu-west-1',
      '-/us-west-2',
    ]);
  });

  it('refuses an unknown account name, naming the allowed ones, and a bad region', () => {
    const text = PLAN.replace('account: prod', 'account: prd').replace('region: us-west-2', 'region: west');
    expect(problemsIn(text)).toEqual([
      'plan.yaml:16 waves[1].account: "prd" is not a name in aws.accounts; allowed: prod',
      'plan.yaml:20 waves[2].region: "west" does not match an AWS region like us-east-1',
    ]);
  });

  it('refuses a wave account when the plan has no aws.accounts', () => {
    const text = PLAN.replace(/aws:\n(.*\n){4}/, '');
    expect(problemsIn(text)).toEqual([
      'plan.yaml:11 waves[1].account: "prod" is not a name in aws.accounts, which the plan does not have; add aws.accounts.prod with its accountId and role',
    ]);
  });

  it("refuses a role in another account than the entry's, and an account outside allowedAccounts", () => {
    const text = PLAN.replace(`arn:aws:iam::${PROD}`, 'arn:aws:iam::999999999999').replace(
      'aws:\n',
      'aws:\n  allowedAccounts: ["111122223333"]\n',
    );
    expect(problemsIn(text)).toEqual([
      'plan.yaml:11 aws.accounts.prod.accountId: 444455556666 is not among aws.allowedAccounts (111122223333); add it there or remove the account',
      'plan.yaml:12 aws.accounts.prod.role.arn: the role is in account 999999999999, not in 444455556666 (accountId); the run assumes it to act in that account',
    ]);
  });
});

describe('a run over an estate of accounts and regions', () => {
  it("sends each wave's calls to its account's and region's world", async () => {
    const sim = estate();
    const run = createFailbackRun({
      plan: parsePlan(PLAN, 'plan.yaml'),
      clients: sim.clients,
      clock: sim.clock,
      probes: sim.probes,
      runId: 'run-20260101T000000Z-abcdef',
    });
    const events: RunEvent[] = [];
    run.on((e) => events.push(e));
    const result = await sim.clock.run(run.start());
    expect(result.outcome).toBe('completed');

    const launches = (accountId: string, region: string) =>
      sim
        .world(accountId, region)
        .calls()
        .filter((c) => c.operation === 'StartFailbackLaunch')
        .map((c) => (c.input as { recoveryInstanceIDs: string[] }).recoveryInstanceIDs);
    expect(launches('111122223333', 'us-east-1')).toEqual([['i-1111111111111111a']]);
    expect(launches(PROD, 'eu-west-1')).toEqual([['i-2222222222222222b']]);
    expect(launches('111122223333', 'us-west-2')).toEqual([['i-3333333333333333c']]);
    // The stream says where each launch went.
    const regions = events.flatMap((e) =>
      e.type === 'aws.request' && e.operation === 'StartFailbackLaunch' ? [e.region] : [],
    );
    expect(regions).toEqual(['us-east-1', 'eu-west-1', 'us-west-2']);
    // Calls in another account name it; the plan's own account's do not.
    const accounts = events.flatMap((e) =>
      e.type === 'aws.request' && e.operation === 'StartFailbackLaunch' ? [e.account ?? '-'] : [],
    );
    expect(accounts).toEqual(['-', 'prod', '-']);
  });

  it('fails the precheck of a wave whose target the estate does not have', async () => {
    const sim = estate();
    const plan = parsePlan(PLAN.replace('region: eu-west-1', 'region: us-east-1'), 'plan.yaml');
    // prod has no world in us-east-1: the estate refuses to make one up.
    const run = createFailbackRun({ plan, clients: sim.clients, clock: sim.clock, probes: sim.probes });
    const result = await sim.clock.run(run.start());
    expect(result.outcome).toBe('precheck-failed');
    expect(result.waves.map((w) => w.outcome)).toEqual(['completed', 'precheck-failed', 'not-started']);
    expect(result.waves[1]?.failure?.message).toMatch(/no account 444455556666 in us-east-1/);
  });
});

describe("the identity in each plan account is read before the run and must be the entry's", () => {
  const stsAnswering = (account: string) => ({
    send: async () => ({
      Account: account,
      Arn: `arn:aws:sts::${account}:assumed-role/failback/drs-failback`,
    }),
  });
  const plan = () => parsePlan(PLAN, 'plan.yaml');
  const home = stsAnswering('111122223333') as never;

  it('reads the home regions, then each account target, and returns them all', async () => {
    const identities = await readIdentities({
      plan: plan(),
      region: 'us-east-1',
      stsFor: () => home,
      stsOfAccount: () => stsAnswering(PROD) as never,
    });
    expect(identities.map((i) => `${i.region}:${i.account}`)).toEqual([
      'us-east-1:111122223333',
      `eu-west-1:${PROD}`,
    ]);
  });

  it('stops with AccountMismatchError when the role lands in another account', async () => {
    const reading = readIdentities({
      plan: plan(),
      region: 'us-east-1',
      stsFor: () => home,
      stsOfAccount: () => stsAnswering('999999999999') as never,
    });
    await expect(reading).rejects.toBeInstanceOf(AccountMismatchError);
    await expect(reading).rejects.toThrow(
      'account prod in eu-west-1 answers as account 999999999999 (as arn:aws:sts::999999999999:assumed-role/failback/drs-failback), but the plan says 444455556666',
    );
  });
});

describe("the cutover's quiesce in an estate", () => {
  async function quiescedRun(withWrites: boolean) {
    const server = (id: string, ri: string) => ({
      sourceServerID: id,
      recoveryInstanceID: ri,
      writeRate: 1_000_000,
    });
    const lagging = { failbackClient: { lag: '2m' } };
    const sim = createSimulatedEstate([
      toScenario({ seed: 1, defaults: lagging, servers: [server(S1, 'i-1111111111111111a')] }),
      toScenario({
        seed: 2,
        accountId: PROD,
        region: 'eu-west-1',
        defaults: lagging,
        servers: [server(S2, 'i-2222222222222222b')],
      }),
      toScenario({
        seed: 3,
        region: 'us-west-2',
        defaults: lagging,
        servers: [server(S3, 'i-3333333333333333c')],
      }),
    ]);
    const text = PLAN.replace(
      'approval: none',
      'approval: none\ncutover: { quiesce: confirm, maxLag: 30s, timeout: 10m }',
    );
    const run = createFailbackRun({
      plan: parsePlan(text, 'plan.yaml'),
      clients: sim.clients,
      clock: sim.clock,
      probes: sim.probes,
      ...(withWrites ? { writes: sim.writes } : { writes: sim.home.world }),
    });
    // A person confirms every quiesce.
    run.on((e) => {
      if (e.type === 'approval.requested') queueMicrotask(() => run.approve('alice'));
    });
    const result = await sim.clock.run(run.start());
    return {
      result,
      stopped: (accountId: string, region: string) =>
        sim
          .world(accountId, region)
          .world.state.recoveryInstances.map((ri) => ri.writesStoppedAt !== undefined),
    };
  }

  it("stops the writes in the world that holds each wave's recovery instances", async () => {
    const { result, stopped } = await quiescedRun(true);
    expect(result.waves.map((w) => w.outcome)).toEqual(['completed', 'completed', 'completed']);
    expect(stopped(PROD, 'eu-west-1')).toEqual([true]);
    expect(stopped('111122223333', 'us-west-2')).toEqual([true]);
  });

  it('control: with the home world alone stopping writes, the other worlds never drain', async () => {
    const { result, stopped } = await quiescedRun(false);
    expect(result.waves[0]?.outcome).toBe('completed');
    expect(result.waves[1]?.outcome).not.toBe('completed');
    expect(stopped(PROD, 'eu-west-1')).toEqual([false]);
  });
});
