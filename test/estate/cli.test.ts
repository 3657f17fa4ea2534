// Rehearsing an estate from the terminal: `--simulate` with an estate scenario (several accounts
// and regions in one file) through run, status, report, resume after a kill, and --from-wave,
// each against the real CLI in a child process.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simulationFromText, type WorldState } from '../../src/sim/index.js';
import { cli, type Event, ndjson, ROOT, tempStateDir } from '../cli/helpers.js';

const PLAN = join(ROOT, 'examples/estate/plan.yaml');
const SCENARIO = join(ROOT, 'examples/estate/scenario.yaml');

const runIds = (stateDir: string) =>
  existsSync(join(stateDir, 'runs')) ? readdirSync(join(stateDir, 'runs')).sort() : [];

function onlyRun(stateDir: string): string {
  const ids = runIds(stateDir);
  expect(ids).toHaveLength(1);
  return ids[0] as string;
}

const eventLog = (stateDir: string, runId: string): Event[] =>
  ndjson(readFileSync(join(stateDir, 'runs', runId, 'events.ndjson'), 'utf8'));

/** The worlds a run's journal holds, home first. */
function worlds(stateDir: string, runId: string): { estate: boolean; worlds: WorldState[] } {
  return simulationFromText(readFileSync(join(stateDir, 'runs', runId, 'sim-world.ndjson'), 'utf8'));
}

/** `<accountId>/<region>: <recovery instance>` of every StartFailbackLaunch any world answered. */
function launches(saved: { worlds: WorldState[] }): string[] {
  return saved.worlds
    .flatMap((w) =>
      w.calls
        .filter((c) => c.operation === 'StartFailbackLaunch' && c.ok)
        .flatMap((c) =>
          ((c.input as { recoveryInstanceIDs?: string[] } | undefined)?.recoveryInstanceIDs ?? []).map(
            (id) => `${w.scenario.accountId}/${c.region}: ${id}`,
          ),
        ),
    )
    .sort();
}

const transitions = (log: Event[]) =>
  log
    .filter((e) => e.type === 'state')
    .map((e) => `${String(e.machine)}/${String(e.wave ?? '')}: ${String(e.to)}`);

const outcomes = (log: Event[]) =>
  ((log.find((e) => e.type === 'run.finished')?.waves ?? []) as { name: string; outcome: string }[]).map(
    (w) => `${w.name}: ${w.outcome}`,
  );

const EXPECTED_OUTCOMES = [
  'analytics: completed',
  'reports: completed',
  'core-db: completed',
  'payments: completed',
  'ledger: backed-out',
  'frontend: not-started',
];

describe('run --simulate with an estate scenario', () => {
  it('runs every wave in its own account and region: the stream, the journal, status and report say so', async () => {
    const stateDir = tempStateDir();
    const r = await cli(['run', PLAN, '--simulate', SCENARIO, '--yes', '--json', '--state-dir', stateDir]);
    expect(r.code).toBe(1); // backed-out: the DR side serves ledger
    const stream = ndjson(r.stdout);
    expect(outcomes(stream)).toEqual(EXPECTED_OUTCOMES);

    // The identity of every account target is read, each in its own world, naming its account.
    const identity = stream.filter((e) => e.type === 'aws.request' && e.operation === 'GetCallerIdentity');
    expect(identity.map((e) => `${String(e.account ?? '-')}/${String(e.region)}`)).toEqual([
      '-/us-east-1',
      'data/eu-west-1',
      'data/us-east-1',
      'prod/us-east-1',
      'prod/eu-west-1',
    ]);
    const started = stream.find((e) => e.type === 'run.started');
    expect(((started?.identities ?? []) as { account: string }[]).map((i) => i.account)).toEqual([
      '111122223333',
      '777788889999',
      '777788889999',
      '444455556666',
      '444455556666',
    ]);

    // Each wave's calls carry its account name (absent: the plan's own) and its region.
    const placeOf = new Map<string, Set<string>>();
    let wave = '';
    for (const e of stream) {
      if (e.type === 'check' && typeof e.wave === 'string') wave = e.wave;
      if (e.type === 'aws.request' && e.operation === 'StartFailbackLaunch') {
        const input = e.input as { tags?: Record<string, string> };
        wave = input.tags?.['drs-failback:wave'] ?? wave;
        const set = placeOf.get(wave) ?? new Set();
        set.add(`${String(e.account ?? '-')}/${String(e.region)}`);
        placeOf.set(wave, set);
      }
    }
    expect(Object.fromEntries([...placeOf].map(([w, s]) => [w, [...s]]))).toEqual({
      analytics: ['data/eu-west-1'],
      reports: ['data/us-east-1'],
      'core-db': ['-/us-east-1'],
      payments: ['prod/us-east-1'],
      ledger: ['prod/eu-west-1'],
    });
    // Only the plan's own account sends notifications (SNS is the home world's).
    const publish = stream.filter((e) => e.type === 'aws.request' && e.operation === 'Publish');
    expect(publish.length).toBeGreaterThan(0);
    expect(publish.every((e) => e.account === undefined && e.region === 'us-east-1')).toBe(true);

    // One journal for the estate: six worlds, home first; each launch answered by its own world.
    const id = onlyRun(stateDir);
    const saved = worlds(stateDir, id);
    expect(saved.estate).toBe(true);
    expect(saved.worlds.map((w) => `${w.scenario.accountId}/${w.scenario.region}`)).toEqual([
      '111122223333/us-east-1',
      '111122223333/eu-west-1',
      '444455556666/us-east-1',
      '444455556666/eu-west-1',
      '777788889999/eu-west-1',
      '777788889999/us-east-1',
    ]);
    expect(launches(saved).map((l) => l.replace(/: .*/, ''))).toEqual([
      '111122223333/us-east-1',
      '444455556666/eu-west-1',
      '444455556666/us-east-1',
      '444455556666/us-east-1',
      '777788889999/eu-west-1',
      '777788889999/us-east-1',
    ]);

    const status = await cli(['status', id, '--state-dir', stateDir]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('  ledger (account prod, eu-west-1): backed-out');
    expect(status.stdout).toContain('  core-db (own account, us-east-1): completed');
    const report = await cli(['report', id, '--format', 'json', '--state-dir', stateDir]);
    expect(report.code).toBe(0);
    const waves = (
      JSON.parse(report.stdout) as {
        waves: { name: string; outcome: string; place?: { account?: string; region: string } }[];
      }
    ).waves;
    expect(waves.map((w) => `${w.name}: ${w.outcome}`)).toEqual(EXPECTED_OUTCOMES);
    expect(waves.map((w) => `${w.place?.account ?? '-'}/${w.place?.region}`)).toEqual([
      'data/eu-west-1',
      'data/us-east-1',
      '-/us-east-1',
      'prod/us-east-1',
      'prod/eu-west-1',
      '-/eu-west-1',
    ]);
    const markdown = await cli(['report', id, '--state-dir', stateDir]);
    expect(markdown.stdout).toContain(
      '### ledger: backed-out\n\nWhere: account prod (444455556666), eu-west-1',
    );
  }, 60_000);

  it('the summary says where each wave acts, and the continue command skips exactly the waves that failed back', async () => {
    const stateDir = tempStateDir();
    const r = await cli(['run', PLAN, '--simulate', SCENARIO, '--yes', '--state-dir', stateDir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('5. ledger (1) [account prod, eu-west-1; after core-db]: s-e5000000000000004');
    expect(r.stdout).toContain(
      'account prod in eu-west-1: account 444455556666 as arn:aws:sts::444455556666:assumed-role/drs-failback/drs-failback',
    );
    expect(r.stdout).toContain('wave ledger (account prod, eu-west-1): start → precheck');
    expect(r.stdout).toContain('→ drs:StartFailbackLaunch in eu-west-1, account prod');
    expect(r.stdout).toContain('wave ledger (account prod, eu-west-1): backed-out');
    expect(r.stdout).toContain('wave frontend (own account, eu-west-1): not-started');
    expect(r.stdout).toContain('--from-wave ledger --state-dir');
    expect(r.stdout).toContain('(it skips wave(s) analytics, reports, core-db, payments, which failed back');
  }, 60_000);

  it('refuses a scenario that does not fit the plan with exit 2, naming file, line and field', async () => {
    const dir = tempStateDir();
    const bad = join(dir, 'scenario.yaml');
    // ledger's server moved to the plan's own account: its wave acts in prod, where it is not.
    writeFileSync(
      bad,
      readFileSync(SCENARIO, 'utf8').replace(
        '      eu-west-1:\n        servers:\n          - { sourceServerID: s-e5000000000000005',
        '      eu-west-1:\n        servers:\n          - { sourceServerID: s-e5000000000000004, hostname: x }\n          - { sourceServerID: s-e5000000000000005',
      ),
    );
    const r = await cli(['run', PLAN, '--simulate', bad, '--yes', '--json', '--state-dir', dir]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      `${bad}:36 accounts.prod.regions.eu-west-1.servers[0].sourceServerID: s-e5000000000000004 is also in accounts.self.regions.eu-west-1: a server is in exactly one account and region`,
    );
    expect(runIds(dir)).toEqual([]);
  }, 60_000);
});

describe('an estate run killed mid-run, then resumed', () => {
  // At the first launch (analytics, in the data account) core-db (the plan's own) is under way; at
  // the first wave's result (core-db) analytics and payments (prod) are in flight.
  const inFlight: Record<string, string[]> = {
    'request:StartFailbackLaunch': ['analytics', 'core-db'],
    'snapshot:wave-result': ['analytics', 'core-db', 'payments'],
  };
  for (const point of Object.keys(inFlight)) {
    it(`killed after ${point} with waves in flight in two accounts: resume ends as the uninterrupted run, one launch per instance`, async () => {
      const baselineDir = tempStateDir();
      const base = await cli([
        'run',
        PLAN,
        '--simulate',
        SCENARIO,
        '--yes',
        '--json',
        '--state-dir',
        baselineDir,
      ]);
      expect(base.code).toBe(1);
      const baseId = onlyRun(baselineDir);

      const stateDir = tempStateDir();
      const killed = await cli(
        ['run', PLAN, '--simulate', SCENARIO, '--yes', '--json', '--state-dir', stateDir],
        {
          DRS_FAILBACK_FAULT: point,
        },
      );
      expect(killed.code).not.toBe(0);
      const id = onlyRun(stateDir);
      const before = eventLog(stateDir, id);
      expect(before.some((e) => e.type === 'run.finished')).toBe(false);
      const begun = new Set(
        before.filter((e) => e.type === 'state' && e.machine === 'wave').map((e) => e.wave),
      );
      expect([...begun].sort()).toEqual(inFlight[point]);

      const resumed = await cli(['resume', id, '--yes', '--json', '--state-dir', stateDir], {
        AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      });
      expect(resumed.stderr).toBe('');
      expect(resumed.code).toBe(1);
      const log = eventLog(stateDir, id);
      expect(outcomes(log)).toEqual(EXPECTED_OUTCOMES);
      expect(transitions(log)).toEqual(transitions(eventLog(baselineDir, baseId)));
      const after = launches(worlds(stateDir, id));
      expect(after).toEqual(launches(worlds(baselineDir, baseId)));
      expect(new Set(after).size).toBe(after.length);
    }, 120_000);
  }
});

describe('--from-wave in an estate', () => {
  it('reads each earlier wave in its own account and region, skips them, and completes in the world the first run left', async () => {
    const stateDir = tempStateDir();
    // ledger's start is refused once (nothing changed): the run ends aborted at ledger.
    const scenario = join(stateDir, 'scenario.yaml');
    writeFileSync(
      scenario,
      readFileSync(SCENARIO, 'utf8').replace(
        '          - kind: launch-failure\n            servers: [s-e5000000000000004]',
        '          - { operation: StartFailbackLaunch, error: AccessDeniedException, count: 1 }',
      ),
    );
    const first = await cli([
      'run',
      PLAN,
      '--simulate',
      scenario,
      '--yes',
      '--json',
      '--state-dir',
      stateDir,
    ]);
    expect(first.code).toBe(4); // aborted after other waves failed back: a person decides
    expect(outcomes(ndjson(first.stdout)).slice(4)).toEqual(['ledger: aborted', 'frontend: not-started']);

    const check = await cli([
      'check',
      PLAN,
      '--simulate',
      scenario,
      '--from-wave',
      'ledger',
      '--json',
      '--state-dir',
      stateDir,
    ]);
    expect(check.code).toBe(0);
    const judged = ndjson(check.stdout).filter((e) => e.type === 'check' && e.name === 'already-failed-back');
    expect(judged.map((e) => `${String(e.wave)}: ${String(e.status)}`)).toEqual([
      'analytics: pass',
      'reports: pass',
      'core-db: pass',
      'payments: pass',
      'payments: pass',
    ]);

    const again = await cli([
      'run',
      PLAN,
      '--simulate',
      scenario,
      '--from-wave',
      'ledger',
      '--yes',
      '--json',
      '--state-dir',
      stateDir,
    ]);
    expect(again.code).toBe(0);
    const stream = ndjson(again.stdout);
    // One read per account and region the earlier waves act in, before anything else is sent.
    const reads = stream.filter(
      (e) => e.type === 'aws.request' && e.operation === 'DescribeRecoveryInstances',
    );
    expect(reads.slice(0, 4).map((e) => `${String(e.account ?? '-')}/${String(e.region)}`)).toEqual([
      'data/eu-west-1',
      'data/us-east-1',
      '-/us-east-1',
      'prod/us-east-1',
    ]);
    expect(outcomes(stream)).toEqual([
      'analytics: already-failed-back',
      'reports: already-failed-back',
      'core-db: already-failed-back',
      'payments: already-failed-back',
      'ledger: completed',
      'frontend: completed',
    ]);
    const ids = runIds(stateDir);
    expect(ids).toHaveLength(2);
    // The second run continued in the first run's estate: every earlier launch is in its journal.
    const second = worlds(stateDir, ids.find((i) => i !== onlyFirst(ids, first.stdout)) as string);
    expect(second.estate).toBe(true);
    expect(launches(second)).toHaveLength(7);
  }, 120_000);
});

/** The id of the run whose stream is `stdout`. */
function onlyFirst(ids: string[], stdout: string): string {
  const runId = ndjson(stdout).find((e) => e.type === 'run.started')?.runId;
  expect(ids).toContain(runId);
  return runId as string;
}

describe('prepare in an estate', () => {
  it("reverses an EC2-origin server in its wave's account and region, and run continues in that world", async () => {
    const dir = tempStateDir();
    const plan = join(dir, 'plan.yaml');
    const scenario = join(dir, 'scenario.yaml');
    writeFileSync(
      plan,
      `version: 1
name: estate-ec2
region: us-east-1
aws:
  accounts:
    prod: { accountId: "444455556666", role: { arn: "arn:aws:iam::444455556666:role/drs-failback" } }
objectives: { rpo: 15m, rto: 4h }
approval: none
waves:
  - name: db
    servers: [{ sourceServerID: s-e6000000000000001 }]
  - name: api
    account: prod
    region: eu-west-1
    servers: [{ sourceServerID: s-e6000000000000002 }]
`,
    );
    writeFileSync(
      scenario,
      `seed: 3
startAt: 2026-03-01T02:00:00Z
defaults: { launch: { duration: 10m }, reverseReplication: { catchUp: 5m, lag: 30s } }
accounts:
  self:
    accountId: "111122223333"
    regions:
      us-east-1:
        servers: [{ sourceServerID: s-e6000000000000001 }]
  prod:
    accountId: "444455556666"
    regions:
      eu-west-1:
        servers:
          - { sourceServerID: s-e6000000000000002, origin: AWS, originRegion: eu-central-1 }
`,
    );
    const prepared = await cli([
      'prepare',
      plan,
      '--simulate',
      scenario,
      '--yes',
      '--json',
      '--state-dir',
      dir,
    ]);
    const reversal = ndjson(prepared.stdout).filter(
      (e) => e.type === 'aws.request' && e.operation === 'ReverseReplication',
    );
    expect(reversal.map((e) => `${String(e.account)}/${String(e.region)}`)).toEqual(['prod/eu-west-1']);
    expect(prepared.code).toBe(0);

    const run = await cli(['run', plan, '--simulate', scenario, '--yes', '--json', '--state-dir', dir]);
    expect(run.stderr).not.toMatch(/error/i);
    const stream = ndjson(run.stdout);
    expect(outcomes(stream)).toEqual(['db: completed', 'api: completed']);
    // The launch in the origin region, in prod's world, of the server prepare reversed.
    const launches = stream.filter((e) => e.type === 'aws.request' && e.operation === 'StartRecovery');
    expect(launches.map((e) => `${String(e.account)}/${String(e.region)}`)).toContain('prod/eu-central-1');
    expect(stream.some((e) => e.type === 'aws.request' && e.operation === 'ReverseReplication')).toBe(false);
  }, 120_000);
});

describe('backout of an estate run', () => {
  const killThenBackout = async (point: string) => {
    const stateDir = tempStateDir();
    const killed = await cli(
      ['run', PLAN, '--simulate', SCENARIO, '--yes', '--json', '--state-dir', stateDir],
      { DRS_FAILBACK_FAULT: point },
    );
    expect(killed.code).not.toBe(0);
    const id = onlyRun(stateDir);
    const r = await cli(['backout', id, '--json', '--state-dir', stateDir]);
    const stream = ndjson(r.stdout);
    const requests = (operation: string) =>
      stream
        .filter((e) => e.type === 'aws.request' && e.operation === operation)
        .map((e) => `${String(e.account ?? '-')}/${String(e.region)}`);
    return { r, requests, outcomes: outcomes(eventLog(stateDir, id)) };
  };

  it("killed at the first start's intent (never sent): each wave in flight reads, finds no job, ends aborted; nothing sent", async () => {
    const { r, requests, outcomes: ends } = await killThenBackout('request:StartFailbackLaunch');
    expect(r.code).toBe(3);
    expect(requests('StartFailbackLaunch')).toEqual([]);
    expect(requests('StopFailback')).toEqual([]);
    expect(ends).toEqual([
      'analytics: aborted',
      'reports: not-started',
      'core-db: aborted',
      'payments: not-started',
      'ledger: not-started',
      'frontend: not-started',
    ]);
  }, 120_000);

  it('killed after the first start was answered: that wave is stopped in its own account and region, the other aborts', async () => {
    const { r, requests, outcomes: ends } = await killThenBackout('response:StartFailbackLaunch');
    expect(r.code).toBe(1);
    expect(requests('StartFailbackLaunch')).toEqual([]);
    expect(requests('StopFailback')).toEqual(['data/eu-west-1']);
    expect(ends).toEqual([
      'analytics: backed-out',
      'reports: not-started',
      'core-db: aborted',
      'payments: not-started',
      'ledger: not-started',
      'frontend: not-started',
    ]);
  }, 120_000);
});

describe('a plain scenario with a plan of several accounts', () => {
  it('stops at the identity check with exit 2, pointing to estate scenarios', async () => {
    const dir = tempStateDir();
    const scenario = join(dir, 'plain.yaml');
    const ids = [1, 2, 3, 4, 5, 6, 7].map((n) => `s-e500000000000000${n}`);
    writeFileSync(scenario, `servers:\n${ids.map((id) => `  - sourceServerID: ${id}\n`).join('')}`);
    const r = await cli(['run', PLAN, '--simulate', scenario, '--yes', '--json', '--state-dir', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'the scenario simulates account 111122223333 only; account data (777788889999) has no simulated world (an estate scenario gives it one',
    );
    expect(runIds(dir)).toEqual([]);
  }, 60_000);
});
