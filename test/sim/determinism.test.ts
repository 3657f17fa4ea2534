import {
  DescribeJobLogItemsCommand,
  DescribeJobsCommand,
  DescribeRecoveryInstancesCommand,
  DescribeRecoverySnapshotsCommand,
  StartFailbackLaunchCommand,
  StartRecoveryCommand,
} from '@aws-sdk/client-drs';
import { DescribeInstanceStatusCommand } from '@aws-sdk/client-ec2';
import { PublishCommand } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { createSimulatedAws, loadSimulatedAws, type SimulatedAws, toScenario } from '../../src/sim/index.js';
import { baseScenario, MIN, S1, sleep } from './helpers.js';

/** A scripted session driven by VirtualClock.run; returns every response, errors included. */
async function session(sim: SimulatedAws): Promise<unknown[]> {
  const { drs, ec2, sns } = sim.clients;
  const out: unknown[] = [];
  const call = async <T>(p: Promise<T>): Promise<T | undefined> => {
    const r = await p.then(
      (r) => r,
      (e: Error) => {
        out.push({ error: e.name, message: e.message, ...(e as object) });
        return undefined;
      },
    );
    if (r !== undefined) out.push(r);
    return r;
  };
  const script = async () => {
    const ris = await drs.send(new DescribeRecoveryInstancesCommand({}));
    out.push(ris);
    const ids = (ris.items ?? []).map((i) => i.recoveryInstanceID ?? '');
    const started = await call(drs.send(new StartFailbackLaunchCommand({ recoveryInstanceIDs: ids })));
    for (let i = 0; i < 6; i++) {
      await sleep(sim.clock, 5 * MIN);
      await call(drs.send(new DescribeJobsCommand({})));
    }
    await call(drs.send(new DescribeJobLogItemsCommand({ jobID: started?.job?.jobID })));
    const snaps = await drs.send(
      new DescribeRecoverySnapshotsCommand({ sourceServerID: S1, order: 'DESC', maxResults: 2 }),
    );
    out.push(snaps);
    await call(
      drs.send(
        new StartRecoveryCommand({
          sourceServers: [{ sourceServerID: S1, recoverySnapshotID: snaps.items?.[1]?.snapshotID }],
        }),
      ),
    );
    await call(ec2.send(new DescribeInstanceStatusCommand({ IncludeAllInstances: true })));
    await call(
      sns.send(new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:111122223333:t', Message: 'done' })),
    );
  };
  await sim.clock.run(script());
  return out;
}

const scenario = (seed: number) =>
  toScenario(
    baseScenario({
      seed,
      servers: [{ sourceServerID: S1 }, { count: 3 }],
      faults: [{ operation: 'DescribeJobs', error: 'ThrottlingException', rate: 0.3 }],
    }),
  );

describe('determinism', () => {
  it('same scenario and seed: identical responses and ids, byte for byte', async () => {
    const a = await session(createSimulatedAws(scenario(7)));
    const b = await session(createSimulatedAws(scenario(7)));
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(a)).toContain('ThrottlingException');
    expect(a).toEqual(b);
  });

  it('a different seed gives different ids', async () => {
    const a = createSimulatedAws(scenario(7));
    const b = createSimulatedAws(scenario(8));
    const ids = async (sim: SimulatedAws) =>
      ((await sim.clients.drs.send(new DescribeRecoveryInstancesCommand({}))).items ?? []).map(
        (i) => i.recoveryInstanceID,
      );
    const [idsA, idsB] = [await ids(a), await ids(b)];
    expect(idsA).toHaveLength(4);
    expect(idsA).not.toEqual(idsB);
    const snap = async (sim: SimulatedAws) =>
      (
        await sim.clients.drs.send(
          new DescribeRecoverySnapshotsCommand({ sourceServerID: S1, maxResults: 1 }),
        )
      ).items?.[0]?.snapshotID;
    expect(await snap(a)).not.toBe(await snap(b));
  });
});

describe('save and load', () => {
  it('an interrupted run continues in the same world: same ids, time and rng as without the interruption', async () => {
    const straight = createSimulatedAws(scenario(3));
    const interrupted = createSimulatedAws(scenario(3));
    const firstHalf = async (sim: SimulatedAws) => {
      const { drs } = sim.clients;
      const ids = ((await drs.send(new DescribeRecoveryInstancesCommand({}))).items ?? []).map(
        (i) => i.recoveryInstanceID ?? '',
      );
      const { job } = await drs.send(new StartFailbackLaunchCommand({ recoveryInstanceIDs: ids }));
      sim.clock.advanceBy(7 * MIN);
      return job?.jobID ?? '';
    };
    const secondHalf = async (sim: SimulatedAws, jobID: string) => {
      const { drs } = sim.clients;
      sim.clock.advanceBy(20 * MIN);
      return [
        await drs.send(new DescribeJobsCommand({ filters: { jobIDs: [jobID] } })),
        await drs.send(new DescribeJobLogItemsCommand({ jobID })),
        await drs.send(new StartRecoveryCommand({ sourceServers: [{ sourceServerID: S1 }] })),
      ];
    };
    const jobA = await firstHalf(straight);
    const expected = await secondHalf(straight, jobA);

    const jobB = await firstHalf(interrupted);
    const saved = JSON.parse(JSON.stringify(interrupted.save()));
    expect(saved.now).toBe(Date.parse('2026-01-01T00:07:00Z'));
    const resumed = loadSimulatedAws(saved);
    expect(resumed.clock.now()).toBe(interrupted.clock.now());
    expect(await secondHalf(resumed, jobB)).toEqual(expected);
    expect(resumed.calls().map((c) => c.operation)).toEqual(straight.calls().map((c) => c.operation));
    expect(resumed.save()).toEqual(straight.save());
  });

  it('refuses data that is not a saved world', () => {
    expect(() => loadSimulatedAws({ format: 'other' } as never)).toThrow(/not a saved simulated world/);
  });
});

describe('scale', () => {
  it('1,000 servers over hours of virtual time stay cheap (lazy state, no ticking)', async () => {
    const sim = createSimulatedAws('examples/scenarios/fleet.yaml');
    const { drs } = sim.clients;
    const ids: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await drs.send(new DescribeRecoveryInstancesCommand({ maxResults: 1000, nextToken }));
      ids.push(...(page.items ?? []).map((i) => i.recoveryInstanceID ?? ''));
      nextToken = page.nextToken;
    } while (nextToken);
    expect(new Set(ids).size).toBe(1000);
    const started = performance.now();
    for (let i = 0; i < 5; i++) {
      await drs.send(
        new StartFailbackLaunchCommand({ recoveryInstanceIDs: ids.slice(i * 100, i * 100 + 100) }),
      );
    }
    sim.clock.advanceBy(6 * 60 * MIN);
    const jobs = await drs.send(new DescribeJobsCommand({}));
    expect(jobs.items?.every((j) => j.status === 'COMPLETED')).toBe(true);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
