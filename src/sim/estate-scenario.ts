// The scenario file of a simulated estate: several AWS accounts, each with worlds in one or more
// regions, in one file. A file with a top-level `accounts:` is an estate; any other is a plain
// scenario (one account), which keeps meaning what it always meant.
//
//   seed: 7                       # shared: seed, startAt, disasterAt, defaults, limits
//   accounts:
//     self:                       # the plan's own account (the credentials' account)
//       accountId: "111122223333"
//       regions:
//         us-east-1: { servers: [...], faults: [...] }   # a world: today's per-world keys
//     prod:                       # a name of the plan's aws.accounts
//       accountId: "444455556666"
//       regions:
//         eu-west-1: { servers: [...], limits: { concurrentJobs: 2 } }
//
// Each (account, region) becomes one world of createSimulatedEstate (src/sim/estate.ts).
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import {
  ConfigError,
  describeIssue,
  formatPath,
  type Problem,
  readYamlText,
  type SourceDocument,
  toProblems,
} from '../config/index.js';
import {
  crossCheckProblems,
  normalize,
  parseScenarioText as parsePlain,
  type Scenario,
  scenarioSchema,
  scenarioServerSchema,
} from './scenario.js';

/** The estate's name for the plan's own account (the one its credentials act in). */
export const SELF_ACCOUNT = 'self';

const shape = scenarioSchema.shape;

/** One world: today's per-world keys of a scenario; `servers` may be empty (a home with only SNS). */
const worldSchema = z.strictObject({
  defaults: shape.defaults,
  limits: shape.limits,
  topics: shape.topics,
  servers: z.array(scenarioServerSchema).optional(),
  probes: shape.probes,
  faults: shape.faults,
});

/**
 * A mapping keyed by names of `what` (each key must match `pattern`, said with `allowed`), at least
 * one. Keys are checked here, not by zod's key schema, so a bad key gets our sentence and its line.
 */
const namedMap = <T extends z.ZodType>(value: T, what: string, pattern: RegExp, allowed: string) =>
  z.record(z.string(), value).superRefine((map, ctx) => {
    const keys = Object.keys(map);
    if (keys.length === 0) ctx.addIssue({ code: 'custom', message: `at least one ${what}` });
    for (const key of keys) {
      if (!pattern.test(key)) ctx.addIssue({ code: 'custom', path: [key], message: `not ${allowed}` });
    }
  });
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const ACCOUNT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const accountSchema = z.strictObject({
  accountId: shape.accountId,
  principal: shape.principal,
  regions: namedMap(worldSchema, 'region', REGION, 'an AWS region name (like us-east-1)'),
});

export const estateScenarioSchema = z.strictObject({
  seed: shape.seed,
  startAt: shape.startAt,
  disasterAt: shape.disasterAt,
  /** Defaults of every world; a world's own `defaults` replace them key by key. */
  defaults: shape.defaults,
  /** DRS's quotas of every world (each enforces its own, per account and region); a world's own replace them. */
  limits: shape.limits,
  accounts: namedMap(
    accountSchema,
    'account',
    ACCOUNT_NAME,
    `an account name: "${SELF_ACCOUNT}" or a name of the plan's aws.accounts (letters, digits, '.', '_', '-')`,
  ),
});

type ParsedEstate = z.output<typeof estateScenarioSchema>;
type ParsedScenario = z.output<typeof scenarioSchema>;

/** One world of an estate scenario. */
export interface EstateWorld {
  /** `self` or the name of the plan's `aws.accounts` entry. */
  account: string;
  scenario: Scenario;
  /** Where it is in the file, e.g. `accounts.prod.regions.eu-west-1`. */
  path: string;
}

/** A validated estate scenario: its worlds in file order. */
export interface EstateScenario {
  worlds: EstateWorld[];
  /** The line of a key path in the file (for the problems of the plan check). */
  lineOf?: (path: readonly PropertyKey[]) => number | undefined;
}

/** What a `--simulate` file holds: one world (a plain scenario) or an estate. */
export type SimulationFile =
  | { kind: 'world'; scenario: Scenario }
  | { kind: 'estate'; estate: EstateScenario };

/** Problems in file order (stable), so the message reads top to bottom. */
const byLine = (problems: Problem[]): Problem[] =>
  [...problems].sort((a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER));

/** Whether parsed YAML data is an estate scenario (a mapping with a top-level `accounts`). */
export function isEstateData(data: unknown): boolean {
  return typeof data === 'object' && data !== null && !Array.isArray(data) && 'accounts' in data;
}

/**
 * Each world's seed: the estate's seed and the world's place, so two worlds never draw the same
 * ids (AWS ids are unique across accounts) and a world keeps its ids when others are added.
 */
const worldSeed = (seed: number | string, account: string, region: string) => `${seed}/${account}/${region}`;

function worldScenarios(
  parsed: ParsedEstate,
  fileName: string,
  lineOf: SourceDocument['lineOf'],
): EstateScenario {
  const worlds: EstateWorld[] = [];
  const problems: Problem[] = [];
  const add = (path: readonly PropertyKey[], message: string) => {
    const line = lineOf(path);
    problems.push({
      file: fileName,
      ...(line === undefined ? {} : { line }),
      path: formatPath(path),
      message,
    });
  };
  const ownerOf = new Map<string, string>();
  const worldOf = new Map<string, string>();
  for (const [account, entry] of Object.entries(parsed.accounts)) {
    if (account !== SELF_ACCOUNT && entry.accountId === undefined) {
      add(['accounts', account], `missing accountId: the 12-digit id of aws.accounts.${account} in the plan`);
      continue;
    }
    for (const [region, world] of Object.entries(entry.regions)) {
      const prefix = ['accounts', account, 'regions', region];
      const data: ParsedScenario = {
        seed: worldSeed(parsed.seed ?? 1, account, region),
        ...(parsed.startAt !== undefined ? { startAt: parsed.startAt } : {}),
        ...(parsed.disasterAt !== undefined ? { disasterAt: parsed.disasterAt } : {}),
        region,
        ...(entry.accountId !== undefined ? { accountId: entry.accountId } : {}),
        ...(entry.principal !== undefined ? { principal: entry.principal } : {}),
        defaults: { ...parsed.defaults, ...world.defaults },
        limits: { ...parsed.limits, ...world.limits },
        ...(world.topics !== undefined ? { topics: world.topics } : {}),
        servers: world.servers ?? [],
        ...(world.probes !== undefined ? { probes: world.probes } : {}),
        ...(world.faults !== undefined ? { faults: world.faults } : {}),
      };
      const scenario = normalize(data);
      problems.push(...crossCheckProblems(scenario, fileName, { prefix, lineOf }));
      const path = formatPath(prefix);
      const placeKey = `${scenario.accountId}/${region}`;
      const twin = worldOf.get(placeKey);
      if (twin !== undefined) {
        add(
          [...prefix],
          `account ${scenario.accountId} in ${region} is already ${twin}: one world per account and region`,
        );
      }
      worldOf.set(placeKey, path);
      scenario.servers.forEach((s, i) => {
        for (const [id, key] of [
          [s.sourceServerID, 'sourceServerID'],
          [s.reverseReplication?.sourceServerID, 'reverseReplication'],
        ] as const) {
          if (id === undefined) continue;
          const other = ownerOf.get(id);
          if (other !== undefined && other !== path) {
            add(
              [...prefix, 'servers', i, key],
              `${id} is also in ${other}: a server is in exactly one account and region`,
            );
          }
          ownerOf.set(id, path);
        }
      });
      worlds.push({ account, scenario, path });
    }
  }
  if (problems.length > 0) throw new ConfigError(byLine(problems));
  return { worlds, lineOf };
}

/** Parses the text of a `--simulate` file: a plain scenario or an estate scenario. */
export function parseSimulationText(text: string, fileName: string): SimulationFile {
  const source = readYamlText(text, fileName);
  if (source.problems.length > 0) throw new ConfigError(source.problems);
  if (!isEstateData(source.data)) {
    // The plain format, with its own messages (src/sim/scenario.ts).
    return { kind: 'world', scenario: parsePlain(text, fileName) };
  }
  const result = estateScenarioSchema.safeParse(source.data, { error: describeIssue });
  if (!result.success) throw new ConfigError(toProblems(result.error.issues, source, fileName));
  return { kind: 'estate', estate: worldScenarios(result.data, fileName, source.lineOf) };
}

/** Reads a `--simulate` file; an unreadable file is a ConfigError naming it. */
export function loadSimulationFileSync(path: string): SimulationFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([
      { file: path, path: '', message: `cannot read file: ${(error as Error).message}` },
    ]);
  }
  return parseSimulationText(text, path);
}

/** An estate scenario file's worlds; a plain scenario is refused (use loadScenarioFileSync). */
export function loadEstateScenarioFileSync(path: string): EstateScenario {
  const file = loadSimulationFileSync(path);
  if (file.kind === 'estate') return file.estate;
  throw new ConfigError([
    { file: path, path: 'accounts', message: 'missing: an estate scenario lists its accounts and regions' },
  ]);
}

/** What the estate check needs of a plan (src/plan/types.ts's Plan fits). */
export interface EstatePlan {
  name: string;
  region: string;
  aws?: { accounts?: Readonly<Record<string, { accountId: string }>> };
  waves: readonly {
    name: string;
    account?: string;
    region?: string;
    servers: readonly { sourceServerID: string }[];
  }[];
}

/**
 * An estate scenario against the plan it rehearses, as scenarios for createSimulatedEstate: the
 * home world first (the plan's own account, `self`, in the plan's region: identity and
 * notifications), then the others in file order. Refused (ConfigError naming file, line and field)
 * when the plan's own region has no world, a name is not one of the plan's accounts or has another
 * id, a wave's account and region have no world, a wave's server is not in its wave's world, or a
 * fault names a server outside the plan (it would never fire).
 */
export function estateForPlan(estate: EstateScenario, plan: EstatePlan, fileName: string): Scenario[] {
  const problems: Problem[] = [];
  const add = (path: readonly PropertyKey[], message: string) => {
    const line = estate.lineOf?.(path);
    problems.push({
      file: fileName,
      ...(line === undefined ? {} : { line }),
      path: formatPath(path),
      message,
    });
  };
  const worldAt = (account: string, region: string) =>
    estate.worlds.find((w) => w.account === account && w.scenario.region === region);
  const planAccounts = plan.aws?.accounts ?? {};
  const names = Object.keys(planAccounts);
  for (const account of new Set(estate.worlds.map((w) => w.account))) {
    if (account === SELF_ACCOUNT) continue;
    const entry = planAccounts[account];
    const id = estate.worlds.find((w) => w.account === account)?.scenario.accountId;
    if (entry === undefined) {
      add(
        ['accounts', account],
        `plan ${plan.name} has no aws.accounts.${account}${names.length > 0 ? ` (its names: ${names.join(', ')})` : ''}; name the plan's own account "${SELF_ACCOUNT}"`,
      );
    } else if (entry.accountId !== id) {
      add(
        ['accounts', account, 'accountId'],
        `${id} is not plan ${plan.name}'s aws.accounts.${account}.accountId (${entry.accountId})`,
      );
    }
  }
  const home = worldAt(SELF_ACCOUNT, plan.region);
  if (home === undefined) {
    add(
      estate.worlds.some((w) => w.account === SELF_ACCOUNT)
        ? ['accounts', SELF_ACCOUNT, 'regions']
        : ['accounts'],
      `no world for the plan's own account in its region ${plan.region} (where the run reads its identity and notifies): add accounts.${SELF_ACCOUNT}.regions.${plan.region} (servers may be empty)`,
    );
  }
  const planServers = new Set<string>();
  for (const wave of plan.waves) {
    const account = wave.account ?? SELF_ACCOUNT;
    const region = wave.region ?? plan.region;
    const world = worldAt(account, region);
    const where = `accounts.${account}.regions.${region}`;
    for (const s of wave.servers) planServers.add(s.sourceServerID);
    if (world === undefined) {
      add(
        ['accounts'],
        `plan wave ${wave.name} acts in account ${account}, region ${region}: the scenario has no ${where}`,
      );
      continue;
    }
    if (world.scenario.servers.some((s) => s.sourceServerID === undefined)) continue;
    const known = new Set(
      world.scenario.servers.flatMap((s) => [s.sourceServerID, s.reverseReplication?.sourceServerID]),
    );
    const missing = wave.servers.map((s) => s.sourceServerID).filter((id) => !known.has(id));
    for (const id of missing) {
      const elsewhere = estate.worlds.find((w) => w.scenario.servers.some((s) => s.sourceServerID === id));
      add(
        ['accounts', account, 'regions', region, 'servers'],
        `plan wave ${wave.name} fails back ${id}, not in this world's servers${elsewhere ? ` (it is in ${elsewhere.path})` : ''}`,
      );
    }
  }
  for (const world of estate.worlds) {
    world.scenario.faults.forEach((f, i) => {
      const named = 'servers' in f && f.servers ? f.servers : 'server' in f ? [f.server] : [];
      const outside = named.filter((id) => !planServers.has(id));
      if (outside.length > 0) {
        add(
          ['accounts', world.account, 'regions', world.scenario.region, 'faults', i],
          `names ${outside.join(', ')}, not in plan ${plan.name}: the fault would never fire`,
        );
      }
    });
  }
  if (problems.length > 0 || home === undefined) throw new ConfigError(byLine(problems));
  return [home.scenario, ...estate.worlds.filter((w) => w !== home).map((w) => w.scenario)];
}
