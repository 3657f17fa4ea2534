// The estate scenario file: several accounts and regions in one `--simulate` file, validated like
// every scenario (file, line, field, allowed values), and checked against the plan it rehearses.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/index.js';
import { parsePlan } from '../../src/plan/load.js';
import {
  createSimulatedEstate,
  type EstateScenario,
  estateForPlan,
  estateJournalHeaderLine,
  journalCallLine,
  journalNowLine,
  parseSimulationText,
  simulationFromText,
  worldFromText,
} from '../../src/sim/index.js';

const S1 = 's-1234567890abcdef0';
const S2 = 's-abcdef01234567890';
const S3 = 's-0000000000000000a';

const GOOD = `seed: 9
startAt: 2026-03-01T02:00:00Z
defaults:
  launch: { duration: 20m }
limits: { concurrentJobs: 5 }
accounts:
  self:
    accountId: "111122223333"
    regions:
      us-east-1:
        servers: [{ sourceServerID: ${S1} }]
      us-west-2: {}
  prod:
    accountId: "444455556666"
    regions:
      eu-west-1:
        defaults: { launch: { duration: 5m } }
        limits: { concurrentJobs: 2 }
        servers: [{ sourceServerID: ${S2} }, { sourceServerID: ${S3} }]
        faults:
          - { kind: launch-failure, servers: [${S3}] }
`;

const PLAN = `
version: 1
name: estate
region: us-east-1
objectives: { rpo: 15m, rto: 8h }
approval: none
aws:
  accounts:
    prod: { accountId: "444455556666" }
waves:
  - name: db
    servers: [{ sourceServerID: ${S1} }]
  - name: app
    account: prod
    region: eu-west-1
    servers: [{ sourceServerID: ${S2} }, { sourceServerID: ${S3} }]
`;

function problems(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message.split('\n');
  }
  throw new Error('expected a ConfigError');
}

function estateOf(text: string): EstateScenario {
  const file = parseSimulationText(text, 'scenario.yaml');
  if (file.kind !== 'estate') throw new Error('expected an estate');
  return file.estate;
}

describe('estate scenario files', () => {
  it('gives one world per account and region, with the shared keys and its own', () => {
    const { worlds } = estateOf(GOOD);
    expect(worlds.map((w) => [w.path, w.account, w.scenario.accountId, w.scenario.region])).toEqual([
      ['accounts.self.regions.us-east-1', 'self', '111122223333', 'us-east-1'],
      ['accounts.self.regions.us-west-2', 'self', '111122223333', 'us-west-2'],
      ['accounts.prod.regions.eu-west-1', 'prod', '444455556666', 'eu-west-1'],
    ]);
    const [home, west, prod] = worlds.map((w) => w.scenario);
    expect(home?.startAt).toBe('2026-03-01T02:00:00.000Z');
    expect(home?.servers[0]?.launch.durationMs).toBe(20 * 60_000);
    expect(home?.limits.concurrentJobs).toBe(5);
    expect(west?.servers).toEqual([]);
    // A world's own defaults and limits replace the shared ones, key by key.
    expect(prod?.servers[0]?.launch.durationMs).toBe(5 * 60_000);
    expect(prod?.limits).toMatchObject({ concurrentJobs: 2, serversInAllJobs: 500 });
    expect(prod?.faults).toHaveLength(1);
    // Each world draws from its own seed: ids never repeat across accounts.
    expect(new Set(worlds.map((w) => w.scenario.seed)).size).toBe(3);
  });

  it('keeps a plain scenario a plain scenario', () => {
    const file = parseSimulationText(`servers: [{ sourceServerID: ${S1} }]\n`, 'scenario.yaml');
    expect(file.kind).toBe('world');
  });

  it('reports every problem with file, line, field and what is allowed', () => {
    const text = [
      'seed: 1', //                                                  1
      'servers: []', //                                              2
      'accounts:', //                                                3
      '  self:', //                                                  4
      '    regions:', //                                             5
      '      us-east-1:', //                                         6
      '        servers: [{ sourceServerID: s-123 }]', //             7
      '        colour: blue', //                                     8
      '      Europe: {}', //                                         9
      '  prod:', //                                                  10
      '    accountId: "4444"', //                                   11
      '    regions: {}', //                                          12
    ].join('\n');
    expect(problems(() => parseSimulationText(text, 'scenario.yaml'))).toEqual([
      'scenario.yaml:2 servers: unknown key "servers"; allowed: seed, startAt, disasterAt, defaults, limits, accounts',
      expect.stringMatching(
        /^scenario\.yaml:7 accounts\.self\.regions\.us-east-1\.servers\[0\]\.sourceServerID: not a valid sourceServerID/,
      ),
      'scenario.yaml:8 accounts.self.regions.us-east-1.colour: unknown key "colour"; allowed: defaults, limits, topics, servers, probes, faults',
      'scenario.yaml:9 accounts.self.regions.Europe: not an AWS region name (like us-east-1)',
      'scenario.yaml:11 accounts.prod.accountId: must be 12 digits',
      'scenario.yaml:12 accounts.prod.regions: at least one region',
    ]);
  });

  it("refuses a named account without its id, a server in two worlds, and a fault on another world's server", () => {
    const text = GOOD.replace('    accountId: "444455556666"\n', '').replace(
      'us-west-2: {}',
      `us-west-2: { servers: [{ sourceServerID: ${S1} }], faults: [{ kind: launch-failure, servers: [${S2}] }] }`,
    );
    expect(problems(() => parseSimulationText(text, 'scenario.yaml'))).toEqual([
      'scenario.yaml:12 accounts.self.regions.us-west-2.faults[0]: server s-abcdef01234567890 is not in servers:',
      'scenario.yaml:12 accounts.self.regions.us-west-2.servers[0].sourceServerID: s-1234567890abcdef0 is also in accounts.self.regions.us-east-1: a server is in exactly one account and region',
      'scenario.yaml:13 accounts.prod: missing accountId: the 12-digit id of aws.accounts.prod in the plan',
    ]);
  });
});

describe('an estate scenario against its plan', () => {
  const plan = () => parsePlan(PLAN, 'plan.yaml');

  it('orders the worlds home first and builds the estate', () => {
    const scenarios = estateForPlan(estateOf(GOOD), plan(), 'scenario.yaml');
    expect(scenarios.map((s) => `${s.accountId}/${s.region}`)).toEqual([
      '111122223333/us-east-1',
      '111122223333/us-west-2',
      '444455556666/eu-west-1',
    ]);
    const estate = createSimulatedEstate(scenarios);
    expect(estate.home.world.scenario.region).toBe('us-east-1');
    expect(estate.world('444455556666', 'eu-west-1').world.scenario.limits.concurrentJobs).toBe(2);
  });

  it('refuses what the plan would not find: ids, names, homes, servers and faults, naming each', () => {
    const text = GOOD.replace('prod:\n    accountId: "444455556666"', 'prod:\n    accountId: "999999999999"')
      .replace(
        '  self:\n    accountId: "111122223333"\n    regions:\n      us-east-1:',
        '  self:\n    accountId: "111122223333"\n    regions:\n      us-east-2:',
      )
      .concat(`  qa:\n    accountId: "555555555555"\n    regions:\n      us-east-1: {}\n`);
    const wrongPlan = parsePlan(
      PLAN.replace(
        `servers: [{ sourceServerID: ${S2} }, { sourceServerID: ${S3} }]`,
        `servers: [{ sourceServerID: ${S2} }]`,
      ),
      'plan.yaml',
    );
    expect(problems(() => estateForPlan(estateOf(text), wrongPlan, 'scenario.yaml'))).toEqual([
      'scenario.yaml:6 accounts: plan wave db acts in account self, region us-east-1: the scenario has no accounts.self.regions.us-east-1',
      "scenario.yaml:9 accounts.self.regions: no world for the plan's own account in its region us-east-1 (where the run reads its identity and notifies): add accounts.self.regions.us-east-1 (servers may be empty)",
      "scenario.yaml:14 accounts.prod.accountId: 999999999999 is not plan estate's aws.accounts.prod.accountId (444455556666)",
      'scenario.yaml:21 accounts.prod.regions.eu-west-1.faults[0]: names s-0000000000000000a, not in plan estate: the fault would never fire',
      'scenario.yaml:22 accounts.qa: plan estate has no aws.accounts.qa (its names: prod); name the plan\'s own account "self"',
    ]);
  });

  it("refuses a wave whose server is in another world's servers", () => {
    const moved = PLAN.replace(
      `  - name: db\n    servers: [{ sourceServerID: ${S1} }]`,
      `  - name: db\n    servers: [{ sourceServerID: ${S1} }, { sourceServerID: ${S3} }]`,
    ).replace(`{ sourceServerID: ${S2} }, { sourceServerID: ${S3} }`, `{ sourceServerID: ${S2} }`);
    expect(
      problems(() => estateForPlan(estateOf(GOOD), parsePlan(moved, 'plan.yaml'), 'scenario.yaml')),
    ).toEqual([
      "scenario.yaml:11 accounts.self.regions.us-east-1.servers: plan wave db fails back s-0000000000000000a, not in this world's servers (it is in accounts.prod.regions.eu-west-1)",
    ]);
  });
});

describe("an estate's journal", () => {
  it('replays every world on one clock, each call in its own world; a world journal stays version 1', async () => {
    const estate = createSimulatedEstate(estateForPlan(estateOf(GOOD), parsePlan(PLAN, 'plan.yaml'), 's'));
    const list = [...estate.worlds.values()];
    let text = estateJournalHeaderLine(estate.save());
    list.forEach((sim, index) => {
      sim.world.onCall((call) => {
        text += journalCallLine(call, index);
      });
    });
    const prod = estate.world('444455556666', 'eu-west-1');
    await prod.clients.drs.send(new (await import('@aws-sdk/client-drs')).DescribeSourceServersCommand({}));
    estate.clock.advanceBy(60_000);
    text += journalNowLine(estate.clock.now());
    await estate.home.clients.drs.send(new (await import('@aws-sdk/client-drs')).DescribeJobsCommand({}));
    const saved = simulationFromText(text, 'journal');
    expect(saved.estate).toBe(true);
    expect(saved.worlds.map((w) => w.calls.map((c) => c.operation))).toEqual([
      ['DescribeJobs'],
      [],
      ['DescribeSourceServers'],
    ]);
    expect(saved.worlds.map((w) => w.now)).toEqual(list.map(() => estate.clock.now()));
    expect(saved.worlds.map((w) => w.rngState)).toEqual(estate.save().map((w) => w.rngState));
    // A single-world reader refuses an estate, rather than continuing in its home alone.
    expect(() => worldFromText(text, 'journal')).toThrow(/a simulated estate of 3 worlds/);
    // A call line naming a world the header does not have is not a journal entry.
    expect(() => simulationFromText(`${text}{"w":7,"call":{}}\n{"now":1}\n`, 'journal')).toThrow(
      /line \d+ is not a journal entry/,
    );
  });
});
