// `prepareReverseReplication` against the simulated AWS (two regions), and its pure parts.
import {
  ConflictException,
  type DataReplicationState,
  DescribeSourceServersCommand,
  type RecoveryInstance,
  ReverseReplicationCommand,
  type SourceServer,
} from '@aws-sdk/client-drs';
import { describe, expect, it } from 'vitest';
import type { RunEventBody } from '../../src/events.js';
import { createLogger } from '../../src/log.js';
import { parsePlan } from '../../src/plan/load.js';
import type { Plan } from '../../src/plan/types.js';
import {
  classifyForPrepare,
  everyReversedReady,
  type PreparedServer,
  type PrepareOptions,
  prepareReverseReplication,
  readReplication,
} from '../../src/prepare/index.js';
import type { SimulatedAws } from '../../src/sim/index.js';
import {
  A1,
  A2,
  DR,
  ec2OriginScenario,
  MIN,
  ORIGIN,
  P1,
  RA1,
  RA2,
  REV_A2,
  recoveryInstance,
  simulateEc2Origin,
  sourceServer,
} from '../sim/ec2-origin.helpers.js';

const plan = (servers = [A1, A2, P1], rpo = '15m'): Plan =>
  parsePlan(
    `
version: 1
name: west
region: ${DR}
objectives: { rpo: ${rpo}, rto: 4h }
polling: { interval: 30s, max: 5m }
waves:
  - name: apps
    servers:
${servers.map((id) => `      - sourceServerID: ${id}`).join('\n')}
`,
    'plan.yaml',
  );

interface Prepared {
  result: Awaited<ReturnType<typeof prepareReverseReplication>>;
  events: RunEventBody[];
}

async function prepare(
  sim: SimulatedAws,
  p: Plan,
  extra: Partial<Omit<PrepareOptions, 'plan' | 'clients' | 'clock' | 'emit' | 'log'>> = {},
): Promise<Prepared> {
  const events: RunEventBody[] = [];
  const result = await sim.clock.run(
    prepareReverseReplication({
      plan: p,
      clients: sim.clients,
      clock: sim.clock,
      emit: (e) => events.push(e),
      log: createLogger({ level: 'silent' }),
      ...extra,
    }),
  );
  return { result, events };
}

const reverseCalls = (sim: SimulatedAws) => sim.calls().filter((c) => c.operation === 'ReverseReplication');
const byId = (servers: readonly PreparedServer[], id: string) => servers.find((s) => s.sourceServerID === id);

describe('prepareReverseReplication', () => {
  it('reverses only the EC2-origin server not reversed yet; reports the others', async () => {
    const sim = simulateEc2Origin();
    const { result, events } = await prepare(sim, plan());
    expect(reverseCalls(sim).map((c) => [c.region, c.input])).toEqual([[DR, { recoveryInstanceID: RA1 }]]);
    expect(result.reversed).toBe(1);
    const a1 = byId(result.servers, A1);
    expect(a1).toMatchObject({ action: 'reversed', originRegion: ORIGIN, recoveryInstanceID: RA1 });
    expect(a1?.detail).toMatch(/^reversed: arn:aws:drs:us-west-2:111122223333:source-server\/s-/);
    expect(byId(result.servers, A2)).toMatchObject({
      action: 'already-reversed',
      reversedSourceServerID: REV_A2,
      detail: `already reversed: arn:aws:drs:${ORIGIN}:111122223333:source-server/${REV_A2}`,
    });
    expect(byId(result.servers, P1)).toMatchObject({ action: 'not-applicable', origin: 'ON_PREMISES' });
    // The replication is read in the origin region: A1 is catching up, A2 continuous.
    expect(a1?.replication).toMatchObject({ region: ORIGIN, state: 'INITIATING', ready: false });
    expect(byId(result.servers, A2)?.replication).toMatchObject({ state: 'CONTINUOUS', ready: true });
    expect(result.ready).toBe(false);
    // In the origin region: the look for an existing reversed source server (by A1's EC2
    // instance, documented fields) before the ReverseReplication, then the reading.
    expect(
      sim.calls().filter((c) => c.operation === 'DescribeSourceServers' && c.region === ORIGIN),
    ).toHaveLength(2);
    // Events: aws.request/response, and a check per server and reading.
    const requests = events.filter((e) => e.type === 'aws.request');
    expect(requests.map((e) => (e.type === 'aws.request' ? [e.region, e.operation] : []))).toEqual([
      [DR, 'DescribeRecoveryInstances'],
      [DR, 'DescribeSourceServers'],
      [ORIGIN, 'DescribeSourceServers'],
      [DR, 'ReverseReplication'],
      [ORIGIN, 'DescribeSourceServers'],
    ]);
    const checks = events.flatMap((e) => (e.type === 'check' ? [[e.server, e.name, e.status]] : []));
    expect(checks).toEqual([
      [A1, 'reverse-replication', 'pass'],
      [A2, 'reverse-replication', 'pass'],
      [P1, 'origin', 'pass'],
      [A1, 'reverse-replication', 'fail'],
      [A1, 'rpo', 'pass'],
      [A2, 'reverse-replication', 'pass'],
      [A2, 'rpo', 'pass'],
    ]);
  });

  it('is idempotent: a second prepare in the same world sends no ReverseReplication', async () => {
    const sim = simulateEc2Origin();
    await prepare(sim, plan());
    const second = await prepare(sim, plan());
    expect(reverseCalls(sim)).toHaveLength(1);
    expect(second.result.reversed).toBe(0);
    expect(byId(second.result.servers, A1)?.action).toBe('already-reversed');
  });

  describe('without the undocumented pointer (reversedDirectionSourceServerArn hidden)', () => {
    const hidden = () =>
      simulateEc2Origin({ defaults: { ...ec2OriginScenario().defaults, reversedPointer: false } });

    it('the simulated DR source server does not show it; hardwareId finds the reversed one in the origin region', async () => {
      const sim = hidden();
      const drSide = await sourceServer(sim.clients.drs, A2);
      expect(drSide).toBeDefined();
      expect(drSide?.reversedDirectionSourceServerArn).toBeUndefined();
      const ri = await recoveryInstance(sim.clients.drs, RA2);
      const origin = sim.clients.forRegion(ORIGIN).drs;
      const out = await origin.send(
        new DescribeSourceServersCommand({ filters: { hardwareId: ri?.ec2InstanceID ?? '' } }),
      );
      expect(out.items?.map((i) => [i.sourceServerID, i.replicationDirection])).toEqual([
        [REV_A2, 'FAILBACK'],
      ]);
      expect(out.items?.[0]?.sourceProperties?.identificationHints?.awsInstanceID).toBe(ri?.ec2InstanceID);
      expect(out.items?.[0]?.sourceCloudProperties?.originRegion).toBe(DR);
    });

    it('a second prepare (nothing recorded) sends no second ReverseReplication: it finds the reversal by documented fields', async () => {
      const sim = hidden();
      const first = await prepare(sim, plan());
      expect(reverseCalls(sim)).toHaveLength(1);
      expect(byId(first.result.servers, A2)).toMatchObject({
        action: 'already-reversed',
        reversedSourceServerID: REV_A2,
        foundBy: 'origin-region',
      });
      const second = await prepare(sim, plan());
      expect(reverseCalls(sim)).toHaveLength(1);
      expect(second.result.reversed).toBe(0);
      expect(byId(second.result.servers, A1)).toMatchObject({
        action: 'already-reversed',
        foundBy: 'origin-region',
        reversedDirectionSourceServerArn: byId(first.result.servers, A1)?.reversedDirectionSourceServerArn,
      });
      expect(second.result.servers.every((x) => x.action !== 'to-reverse' && x.action !== 'failed')).toBe(
        true,
      );
    });

    it('the recorded ARN comes first: no pointer and no origin look needed, nothing sent', async () => {
      const sim = hidden();
      const recordedNow: PreparedServer[] = [];
      const first = await prepare(sim, plan(), { onReversal: (servers) => recordedNow.push(...servers) });
      const arnA1 = byId(first.result.servers, A1)?.reversedDirectionSourceServerArn ?? '';
      expect(recordedNow.map((x) => [x.sourceServerID, x.foundBy])).toEqual([
        [A1, 'reverse-replication'],
        [A2, 'origin-region'],
      ]);
      const callsBefore = sim.calls().length;
      const recorded = new Map(
        recordedNow.map((x) => [x.sourceServerID, x.reversedDirectionSourceServerArn ?? '']),
      );
      const again: PreparedServer[] = [];
      const second = await prepare(sim, plan(), {
        recorded,
        onReversal: (servers) => again.push(...servers),
      });
      expect(reverseCalls(sim)).toHaveLength(1);
      expect(byId(second.result.servers, A1)).toMatchObject({
        action: 'already-reversed',
        foundBy: 'recorded',
        reversedDirectionSourceServerArn: arnA1,
      });
      expect(again).toEqual([]);
      // Only the DR reads and the reading of the replication: no look in the origin region first.
      const newCalls = sim.calls().slice(callsBefore);
      expect(
        newCalls.filter((c) => c.region === ORIGIN && c.operation === 'DescribeSourceServers'),
      ).toHaveLength(1);
    });

    it('a failed look in the origin region sends nothing for that server', async () => {
      const sim = simulateEc2Origin({
        defaults: { ...ec2OriginScenario().defaults, reversedPointer: false },
        faults: [{ operation: 'DescribeSourceServers', error: 'InternalServerException', region: ORIGIN }],
      });
      const { result } = await prepare(sim, plan());
      expect(reverseCalls(sim)).toHaveLength(0);
      expect(byId(result.servers, A1)).toMatchObject({ action: 'unresolved' });
      expect(byId(result.servers, A1)?.detail).toContain('nothing sent');
    });
  });

  it('watch: polls at the plan interval in virtual time until every reversed server is CONTINUOUS within the RPO', async () => {
    const sim = simulateEc2Origin();
    const start = sim.clock.now();
    const readings: number[] = [];
    const { result } = await prepare(sim, plan(), {
      watch: { intervalMs: 30_000 },
      onReading: () => readings.push(sim.clock.now() - start),
    });
    expect(result.ready).toBe(true);
    expect(result.interrupted).toBe(false);
    expect(byId(result.servers, A1)?.replication).toMatchObject({
      state: 'CONTINUOUS',
      lagDuration: 'PT30S',
    });
    // Catch-up takes 20 minutes: readings every 30 s until then, none after.
    expect(readings[0]).toBe(0);
    expect(readings.slice(1).every((t, i) => t - (readings[i] ?? 0) === 30_000)).toBe(true);
    expect(readings.at(-1)).toBeGreaterThanOrEqual(20 * MIN);
    expect(readings.at(-1)).toBeLessThan(20 * MIN + 30_000);
    expect(reverseCalls(sim)).toHaveLength(1);
  });

  it('watch ends, not ready, when the operator stops it (stalled replication never catches up)', async () => {
    const sim = simulateEc2Origin({ faults: [{ kind: 'replication-stalled', servers: [A1] }] });
    const controller = new AbortController();
    let readings = 0;
    const { result } = await prepare(sim, plan(), {
      watch: { intervalMs: 30_000, signal: controller.signal },
      onReading: () => {
        readings++;
        if (readings === 50) controller.abort();
      },
    });
    expect(result).toMatchObject({ ready: false, interrupted: true, readings: 50 });
    expect(byId(result.servers, A1)?.replication?.state).toBe('STALLED');
  });

  it('declined: nothing is sent, the servers are reported not-sent', async () => {
    const sim = simulateEc2Origin();
    const asked: string[][] = [];
    const { result } = await prepare(sim, plan(), {
      confirm: async (servers) => {
        asked.push(servers.map((s) => s.sourceServerID));
        return false;
      },
    });
    expect(asked).toEqual([[A1]]);
    expect(reverseCalls(sim)).toEqual([]);
    expect(result).toMatchObject({ declined: true, reversed: 0, ready: false });
    expect(byId(result.servers, A1)?.action).toBe('not-sent');
  });

  it('asks nothing when nothing needs reversing', async () => {
    const sim = simulateEc2Origin();
    let asked = false;
    const { result } = await prepare(sim, plan([A2, P1]), {
      confirm: async () => {
        asked = true;
        return false;
      },
    });
    expect(asked).toBe(false);
    expect(result.ready).toBe(true);
  });

  it('a throttled ReverseReplication is sent again after the hint; it did nothing the first time', async () => {
    const sim = simulateEc2Origin({
      faults: [
        { operation: 'ReverseReplication', error: 'ThrottlingException', count: 1, retryAfterSeconds: 7 },
      ],
    });
    const { result } = await prepare(sim, plan());
    const calls = reverseCalls(sim);
    expect(calls.map((c) => c.ok)).toEqual([false, true]);
    expect(Date.parse(calls[1]?.at ?? '') - Date.parse(calls[0]?.at ?? '')).toBeGreaterThanOrEqual(7_000);
    expect(byId(result.servers, A1)?.action).toBe('reversed');
  });

  it('a refused ReverseReplication is reported failed, never resent, and prepare is not ready', async () => {
    const sim = simulateEc2Origin({
      faults: [{ operation: 'ReverseReplication', error: 'AccessDeniedException', count: 1 }],
    });
    const { result } = await prepare(sim, plan());
    expect(reverseCalls(sim)).toHaveLength(1);
    const a1 = byId(result.servers, A1);
    expect(a1?.action).toBe('failed');
    expect(a1?.failure).toMatchObject({ kind: 'access-denied', iamAction: 'drs:ReverseReplication' });
    expect(result.ready).toBe(false);
  });

  it('a conflict without a reversal behind it is reported failed, never resent', async () => {
    const sim = simulateEc2Origin({
      faults: [{ operation: 'ReverseReplication', error: 'ConflictException', count: 1 }],
    });
    const { result } = await prepare(sim, plan([A1]));
    expect(byId(result.servers, A1)).toMatchObject({ action: 'failed', failure: { kind: 'conflict' } });
    expect(reverseCalls(sim)).toHaveLength(1);
  });

  it('a conflict is read again: a reversal that exists (made by someone else) counts as already reversed', async () => {
    const sim = simulateEc2Origin();
    // The reversal happens, but the answer is a ConflictException (e.g. a concurrent prepare won).
    const drs = {
      send: async (command: object) => {
        if (command instanceof ReverseReplicationCommand) {
          await sim.clients.drs.send(command);
          throw new ConflictException({ message: 'already reversing', $metadata: {} });
        }
        return sim.clients.drs.send(command as never);
      },
    };
    const events: RunEventBody[] = [];
    const result = await sim.clock.run(
      prepareReverseReplication({
        plan: plan([A1]),
        clients: { ...sim.clients, drs: drs as unknown as typeof sim.clients.drs },
        clock: sim.clock,
        emit: (e) => events.push(e),
        log: createLogger({ level: 'silent' }),
      }),
    );
    expect(byId(result.servers, A1)).toMatchObject({ action: 'already-reversed', originRegion: ORIGIN });
    expect(reverseCalls(sim)).toHaveLength(1);
    expect(result.reversed).toBe(0);
  });
});

describe('classifyForPrepare / readReplication (pure)', () => {
  const planned = { wave: 'w', sourceServerID: A1 };
  const instance = (extra: Partial<RecoveryInstance> = {}): RecoveryInstance => ({
    recoveryInstanceID: RA1,
    sourceServerID: A1,
    originEnvironment: 'AWS',
    ...extra,
  });
  const source = (extra: Partial<SourceServer> = {}): SourceServer => ({
    sourceServerID: A1,
    sourceCloudProperties: { originRegion: ORIGIN },
    ...extra,
  });

  it.each([
    ['no recovery instance', [], source(), 'unresolved'],
    ['two recovery instances', [instance(), instance({ recoveryInstanceID: RA2 })], source(), 'unresolved'],
    ['on-premises origin', [instance({ originEnvironment: 'ON_PREMISES' })], source(), 'not-applicable'],
    ['no origin reported', [instance({ originEnvironment: undefined })], source(), 'not-applicable'],
    ['EC2 origin, no source server', [instance()], undefined, 'unresolved'],
    ['EC2 origin, not reversed', [instance()], source(), 'to-reverse'],
    [
      'EC2 origin, reversed',
      [instance()],
      source({
        reversedDirectionSourceServerArn: `arn:aws:drs:${ORIGIN}:111122223333:source-server/${REV_A2}`,
      }),
      'already-reversed',
    ],
    [
      'EC2 origin, malformed ARN',
      [instance()],
      source({ reversedDirectionSourceServerArn: 'nope' }),
      'unresolved',
    ],
  ] as const)('%s -> %s', (_name, instances, sourceServer, action) => {
    expect(classifyForPrepare(planned, [...instances], sourceServer).action).toBe(action);
  });

  it('the origin region comes from the reversed ARN, else from sourceCloudProperties', () => {
    expect(classifyForPrepare(planned, [instance()], source()).originRegion).toBe(ORIGIN);
    const reversed = classifyForPrepare(
      planned,
      [instance()],
      source({
        reversedDirectionSourceServerArn: `arn:aws:drs:eu-west-1:111122223333:source-server/${REV_A2}`,
      }),
    );
    expect(reversed.originRegion).toBe('eu-west-1');
  });

  it.each([
    ['CONTINUOUS', 'PT30S', true],
    ['CONTINUOUS', 'PT2H', false],
    ['CONTINUOUS', undefined, true],
    ['INITIAL_SYNC', 'PT30S', false],
    ['STALLED', 'PT1M', false],
    ['SOMETHING_NEW', 'PT1M', false],
  ] as const)('replication %s lag %s within a 15m RPO -> ready %s', (state, lag, ready) => {
    const item: SourceServer = {
      sourceServerID: REV_A2,
      // Unknown states from a newer API are passed through as strings.
      dataReplicationInfo: {
        dataReplicationState: state as DataReplicationState,
        ...(lag ? { lagDuration: lag } : {}),
      },
    };
    expect(readReplication(ORIGIN, REV_A2, item, 15 * MIN).ready).toBe(ready);
  });

  it('a reversed server missing in the origin region is not ready and says where it looked', () => {
    const r = readReplication(ORIGIN, REV_A2, undefined, 15 * MIN);
    expect(r.ready).toBe(false);
    expect(r.stateCheck.detail).toBe(`reversed source server ${REV_A2} not found in ${ORIGIN}`);
  });

  it('everyReversedReady ignores on-premises servers and needs every EC2-origin one', () => {
    const ready = {
      wave: 'w',
      sourceServerID: A2,
      action: 'already-reversed',
      detail: '',
      reversedSourceServerID: REV_A2,
    };
    const replication = {
      region: ORIGIN,
      reversedSourceServerID: REV_A2,
      stateCheck: { status: 'pass', detail: '' },
      lagCheck: { status: 'pass', detail: '' },
    } as const;
    const onPremises: PreparedServer = {
      wave: 'w',
      sourceServerID: P1,
      action: 'not-applicable',
      detail: '',
    };
    expect(everyReversedReady([onPremises])).toBe(true);
    expect(
      everyReversedReady([
        onPremises,
        { ...ready, action: 'already-reversed', replication: { ...replication, ready: true } },
      ]),
    ).toBe(true);
    expect(
      everyReversedReady([
        { ...ready, action: 'already-reversed', replication: { ...replication, ready: false } },
      ]),
    ).toBe(false);
    expect(everyReversedReady([{ ...ready, action: 'failed' }])).toBe(false);
  });
});
