// The in-flight quota semaphore against the DynamoDB SDK mock (an in-memory table that honours
// the conditional writes), then around the activities of runs that share one simulated account.
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type PutItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createAwsActors } from '../../src/actors/index.js';
import { parsePlan } from '../../src/plan/load.js';
import { createFailbackRun } from '../../src/run.js';
import { DEFAULT_MAX_IN_FLIGHT, planQuota, quotaHolder, withInFlightQuota } from '../../src/sfn/quota.js';
import { createQuotaSemaphore, quotaKey, SemaphoreContentionError } from '../../src/sfn/semaphore.js';
import { createSimulatedAws, toScenario } from '../../src/sim/index.js';
import { scriptedActivities } from '../support/fake-activities.js';

const MIN = 60_000;
const KEY = quotaKey('111122223333', 'us-east-1');

/** A DynamoDB table in memory behind the SDK mock; `conflicts` counts the refused conditional writes. */
function fakeTable() {
  const items = new Map<string, Record<string, unknown>>();
  const stats = { conflicts: 0, writes: 0 };
  const ddb = new DynamoDBClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  const mock = mockClient(ddb);
  const keyOf = (key: Record<string, { S?: string }> | undefined) => `${key?.pk?.S}|${key?.sk?.S}`;
  // Each call yields to the others first, so concurrent acquirers really interleave.
  const yieldTurn = async () => {
    for (let i = 0; i < 3; i++) await Promise.resolve();
  };
  mock.on(GetItemCommand).callsFake(async (input: { Key?: Record<string, { S?: string }> }) => {
    await yieldTurn();
    const item = items.get(keyOf(input.Key));
    return item ? { Item: structuredClone(item) } : {};
  });
  mock.on(PutItemCommand).callsFake(async (input: PutItemCommandInput) => {
    await yieldTurn();
    const item = input.Item as Record<string, { S?: string; N?: string }>;
    const k = keyOf(item as never);
    const current = items.get(k) as Record<string, { N?: string }> | undefined;
    const ok =
      input.ConditionExpression === 'attribute_not_exists(#v)'
        ? current === undefined
        : input.ConditionExpression === '#v = :v'
          ? current?.version?.N === input.ExpressionAttributeValues?.[':v']?.N
          : false;
    if (!ok) {
      stats.conflicts += 1;
      throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
    }
    stats.writes += 1;
    items.set(k, structuredClone(item));
    return {};
  });
  return { ddb, items, stats };
}

function semaphore(now: { t: number }, table = fakeTable(), maxConflicts?: number) {
  return {
    table,
    sem: createQuotaSemaphore({
      dynamo: table.ddb,
      table: 'runs',
      now: () => now.t,
      leaseMs: 30 * MIN,
      ...(maxConflicts !== undefined ? { maxConflicts } : {}),
    }),
  };
}

describe('the quota semaphore (DynamoDB conditional writes)', () => {
  it('concurrent acquirers never hold more than the capacity together', async () => {
    const now = { t: 0 };
    const { sem, table } = semaphore(now);
    const results = await Promise.all(
      ['a', 'b', 'c', 'd', 'e', 'f'].map((h) => sem.acquire(KEY, h, 200, 500)),
    );
    expect(results.filter((r) => r.acquired)).toHaveLength(2);
    expect(results.filter((r) => !r.acquired)).toHaveLength(4);
    const held = await sem.read(KEY);
    expect(Object.values(held).reduce((n, l) => n + l.servers, 0)).toBe(400);
    // Non-vacuous: the acquirers did collide, and the losers read again.
    expect(table.stats.conflicts).toBeGreaterThan(0);
  });

  it('a release gives the share back; a refused acquirer then fits', async () => {
    const now = { t: 0 };
    const { sem } = semaphore(now);
    expect(await sem.acquire(KEY, 'a', 300, 500)).toEqual({ acquired: true, inFlight: 300 });
    expect(await sem.acquire(KEY, 'b', 300, 500)).toEqual({ acquired: false, inFlight: 300, available: 200 });
    await sem.release(KEY, 'a');
    expect(await sem.acquire(KEY, 'b', 300, 500)).toEqual({ acquired: true, inFlight: 300 });
  });

  it("a crashed holder's share counts until its lease expires, not after", async () => {
    const now = { t: 0 };
    const { sem } = semaphore(now);
    await sem.acquire(KEY, 'crashed', 400, 500);
    now.t = 29 * MIN;
    expect((await sem.acquire(KEY, 'b', 200, 500)).acquired).toBe(false);
    now.t = 30 * MIN; // the lease ends at exactly 30 minutes
    expect(await sem.acquire(KEY, 'b', 200, 500)).toEqual({ acquired: true, inFlight: 200 });
    expect(Object.keys(await sem.read(KEY))).toEqual(['b']);
  });

  it('a renewed lease keeps counting; renewing nothing says so', async () => {
    const now = { t: 0 };
    const { sem } = semaphore(now);
    await sem.acquire(KEY, 'a', 400, 500);
    now.t = 20 * MIN;
    expect(await sem.renew(KEY, 'a')).toBe(true);
    now.t = 45 * MIN;
    expect((await sem.acquire(KEY, 'b', 200, 500)).acquired).toBe(false);
    expect(await sem.renew(KEY, 'nobody')).toBe(false);
  });

  it('the same holder acquiring again (a retried Task) holds one share', async () => {
    const now = { t: 0 };
    const { sem } = semaphore(now);
    await sem.acquire(KEY, 'run#db', 300, 500);
    expect(await sem.acquire(KEY, 'run#db', 300, 500)).toEqual({ acquired: true, inFlight: 300 });
    expect(await sem.read(KEY)).toEqual({ 'run#db': { servers: 300, expiresAt: 30 * MIN } });
  });

  it('gives up with a typed error when every write loses', async () => {
    const now = { t: 0 };
    const { sem } = semaphore(now, fakeTable(), 1);
    const results = await Promise.allSettled(['a', 'b', 'c'].map((h) => sem.acquire(KEY, h, 1, 500)));
    expect(results.some((r) => r.status === 'rejected' && r.reason instanceof SemaphoreContentionError)).toBe(
      true,
    );
  });
});

describe('the quota around the activities', () => {
  it('a full quota refuses the start as a throttled call, sends nothing, and a finished poll releases', async () => {
    const now = { t: 0 };
    const { sem } = semaphore(now);
    await sem.acquire(KEY, 'other-run#app', 499, 500);
    const calls: { name: string }[] = [];
    const activities = withInFlightQuota(scriptedActivities({}, calls as never), {
      semaphore: sem,
      keyOf: () => KEY,
      capacity: 500,
      now: () => now.t,
    });
    const input = { runId: 'run-1', wave: 'db', recoveryInstanceIDs: ['i-1', 'i-2'] };
    const refused = await activities.startFailback(input);
    expect(refused.failure).toMatchObject({ kind: 'throttled', name: 'InFlightQuotaFull', retryable: true });
    expect(refused.jobIds).toEqual([]);
    expect(calls.map((c) => c.name)).toEqual([]);
    await sem.release(KEY, 'other-run#app');
    const started = await activities.startFailback(input);
    expect(started.jobIds).toHaveLength(1);
    expect((await sem.read(KEY))[quotaHolder('run-1', 'db')]?.servers).toBe(2);
    await activities.pollJobs({ runId: 'run-1', wave: 'db', jobIds: started.jobIds, logCursor: {} });
    expect(await sem.read(KEY)).toEqual({});
  });

  it('per wave: waves in different accounts or regions count apart, waves in one account and region together', async () => {
    const now = { t: 0 };
    const { sem } = semaphore(now);
    const plan = parsePlan(
      [
        'version: 1',
        'name: estate',
        'region: us-east-1',
        'objectives: { rpo: 15m, rto: 8h }',
        'aws:',
        '  accounts:',
        '    prod: { accountId: "555566667777" }',
        'job: { maxServers: 3, maxInFlight: 3 }',
        'waves:',
        '  - { name: home-a, servers: [{ sourceServerID: s-1234567890abcdef0 }] }',
        '  - { name: home-b, servers: [{ sourceServerID: s-abcdef01234567890 }] }',
        '  - { name: prod, account: prod, servers: [{ sourceServerID: s-0000000000000000a }] }',
        '  - { name: west, region: us-west-2, servers: [{ sourceServerID: s-0000000000000000b }] }',
      ].join('\n'),
      'plan.yaml',
    );
    const quota = planQuota(plan, { account: '111122223333', region: 'us-east-1' });
    expect(quota.capacity).toBe(3);
    expect(['home-a', 'home-b', 'prod', 'west'].map(quota.keyOf)).toEqual([
      quotaKey('111122223333', 'us-east-1'),
      quotaKey('111122223333', 'us-east-1'),
      quotaKey('555566667777', 'us-east-1'),
      quotaKey('111122223333', 'us-west-2'),
    ]);
    const activities = withInFlightQuota(scriptedActivities({}, [] as never), {
      semaphore: sem,
      keyOf: (_runId, wave) => quota.keyOf(wave),
      capacity: quota.capacity,
      now: () => now.t,
    });
    const start = (wave: string, servers: number) =>
      activities.startFailback({
        runId: 'run-1',
        wave,
        recoveryInstanceIDs: Array.from({ length: servers }, (_, i) => `i-${wave}-${i}`),
      });
    // 2 of 3 at home: another 2 at home do not fit, 2 in prod and 2 in us-west-2 do.
    expect((await start('home-a', 2)).failure).toBeUndefined();
    expect((await start('home-b', 2)).failure).toMatchObject({ name: 'InFlightQuotaFull' });
    expect((await start('prod', 2)).failure).toBeUndefined();
    expect((await start('west', 2)).failure).toBeUndefined();
    expect(Object.keys(await sem.read(quotaKey('111122223333', 'us-east-1')))).toEqual([
      quotaHolder('run-1', 'home-a'),
    ]);
    expect(Object.keys(await sem.read(quotaKey('555566667777', 'us-east-1')))).toEqual([
      quotaHolder('run-1', 'prod'),
    ]);
  });

  it("without the run's plan: the Lambda's own account and region, and the default capacity", () => {
    const quota = planQuota(undefined, { account: 'self', region: 'eu-west-1' });
    expect(quota.keyOf('any')).toBe(quotaKey('self', 'eu-west-1'));
    expect(quota.capacity).toBe(DEFAULT_MAX_IN_FLIGHT);
  });

  it("the plan's aws.role names the account of its own waves", () => {
    const plan = parsePlan(
      [
        'version: 1',
        'name: p',
        'region: us-east-1',
        'objectives: { rpo: 15m, rto: 8h }',
        'aws: { role: { arn: "arn:aws:iam::222233334444:role/failback" } }',
        'waves: [{ name: a, servers: [{ sourceServerID: s-1234567890abcdef0 }] }]',
      ].join('\n'),
      'plan.yaml',
    );
    const quota = planQuota(plan, { account: '111122223333', region: 'us-east-1' });
    expect(quota.keyOf('a')).toBe(quotaKey('222233334444', 'us-east-1'));
    expect(quota.capacity).toBe(DEFAULT_MAX_IN_FLIGHT);
  });

  /** Two runs of 2 servers each in one world whose DRS takes at most 3 servers in all active jobs. */
  async function twoRuns(withQuota: boolean) {
    const ids = ['s-1234567890abcdef0', 's-abcdef01234567890', 's-0000000000000000a', 's-0000000000000000b'];
    const sim = createSimulatedAws(
      toScenario({
        seed: 3,
        limits: { serversInAllJobs: 3 },
        defaults: { launch: { duration: '5m' }, jobStartDelay: '0s' },
        servers: ids.map((id, i) => ({
          sourceServerID: id,
          recoveryInstanceID: `i-${String(i + 1).repeat(16)}a`,
        })),
      }),
    );
    const clock = {
      get t() {
        return sim.clock.now();
      },
    };
    const { sem } = semaphore(clock as { t: number });
    const aws = createAwsActors({
      drs: sim.clients.drs,
      ec2: sim.clients.ec2,
      log: pino({ level: 'silent' }),
      clock: sim.clock,
      emit: () => {},
      probes: sim.probes,
    });
    const activities = withQuota
      ? withInFlightQuota(aws, {
          semaphore: sem,
          keyOf: () => KEY,
          capacity: 3,
          now: () => sim.clock.now(),
          retryAfterMs: 2 * MIN,
        })
      : aws;
    const runOf = (name: string, servers: string[]) =>
      createFailbackRun({
        plan: parsePlan(
          `version: 1\nname: ${name}\nregion: us-east-1\nobjectives: { rpo: 15m, rto: 8h }\napproval: none\nwaves:\n  - name: w\n    servers: [${servers.map((s) => `{ sourceServerID: ${s} }`).join(', ')}]\n`,
          'plan.yaml',
        ),
        clients: sim.clients,
        clock: sim.clock,
        activities,
      });
    const results = await sim.clock.run(
      Promise.all([runOf('first', ids.slice(0, 2)).start(), runOf('second', ids.slice(2)).start()]),
    );
    const launches = sim.calls().filter((c) => c.operation === 'StartFailbackLaunch');
    return { outcomes: results.map((r) => r.outcome), launches };
  }

  it('runs sharing one account stay under its quota together (the simulated DRS enforces it too)', async () => {
    const { outcomes, launches } = await twoRuns(true);
    expect(outcomes).toEqual(['completed', 'completed']);
    // DRS never refused a launch for its quota: the semaphore held the second run back until
    // the first run's 5-minute job ended.
    expect(launches).toHaveLength(2);
    expect(launches.every((c) => c.ok)).toBe(true);
    expect(Date.parse(launches[1]?.at ?? '') - Date.parse(launches[0]?.at ?? '')).toBeGreaterThanOrEqual(
      5 * MIN,
    );
  });

  it('control: without the semaphore the same runs hit the DRS quota', async () => {
    const { launches } = await twoRuns(false);
    expect(launches.some((c) => !c.ok && c.errorName === 'ServiceQuotaExceededException')).toBe(true);
  });
});
