import { readFileSync } from 'node:fs';
import {
  DescribeJobsCommand,
  DescribeRecoveryInstancesCommand,
  DescribeSourceServersCommand,
  ReverseReplicationCommand,
  StartRecoveryCommand,
  TerminateRecoveryInstancesCommand,
} from '@aws-sdk/client-drs';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import {
  createSimulatedAws,
  loadSimulatedAws,
  type SimulatedAws,
  toScenario,
  type WorldState,
} from '../../src/sim/index.js';
import { ARN, ec2OriginScenario, MIN, ORIGIN, RA1, RA2 } from './ec2-origin.helpers.js';
import { sleep } from './helpers.js';

/**
 * The whole EC2-origin failback, scripted on the virtual clock: reverse, wait for CONTINUOUS,
 * StartRecovery in the origin region, re-protect, clean up. Returns every response.
 */
async function failback(sim: SimulatedAws, pause?: () => Promise<SimulatedAws>): Promise<unknown[]> {
  const out: unknown[] = [];
  let current = sim;
  const record = async <T>(p: Promise<T>): Promise<T | undefined> =>
    p.then(
      (r) => {
        out.push(r);
        return r;
      },
      (e: Error) => {
        out.push({ error: e.name, message: e.message });
        return undefined;
      },
    );
  const script = async (): Promise<void> => {
    const { drs } = current.clients;
    const arn = (await record(drs.send(new ReverseReplicationCommand({ recoveryInstanceID: RA1 }))))
      ?.reversedDirectionSourceServerArn;
    const reversedID = ARN.exec(arn ?? '')?.[3] ?? '';
    for (let i = 0; i < 5; i++) {
      await sleep(current.clock, 5 * MIN);
      const west = current.clients.forRegion(ORIGIN).drs;
      await record(
        west.send(new DescribeSourceServersCommand({ filters: { sourceServerIDs: [reversedID] } })),
      );
    }
    const west = current.clients.forRegion(ORIGIN);
    const started = await record(
      west.drs.send(new StartRecoveryCommand({ sourceServers: [{ sourceServerID: reversedID }] })),
    );
    await sleep(current.clock, 16 * MIN);
    const done = await record(
      west.drs.send(new DescribeJobsCommand({ filters: { jobIDs: [started?.job?.jobID ?? ''] } })),
    );
    const newRI = done?.items?.[0]?.participatingServers?.[0]?.recoveryInstanceID ?? '';
    await record(west.drs.send(new ReverseReplicationCommand({ recoveryInstanceID: newRI })));
    await record(
      current.clients.drs.send(new TerminateRecoveryInstancesCommand({ recoveryInstanceIDs: [RA1] })),
    );
    await record(west.drs.send(new DescribeRecoveryInstancesCommand({})));
    await record(west.ec2.send(new DescribeInstancesCommand({})));
    await record(current.clients.drs.send(new DescribeSourceServersCommand({})));
  };
  if (!pause) {
    await sim.clock.run(script());
    return out;
  }
  // Run the first part, swap in the restored world, then run the same script on from there.
  const { drs } = sim.clients;
  await sim.clock.run(
    (async () => {
      out.push(await drs.send(new ReverseReplicationCommand({ recoveryInstanceID: RA2 })));
      await sleep(sim.clock, 7 * MIN);
    })(),
  );
  current = await pause();
  await current.clock.run(script());
  return out;
}

const scenario = (seed: number) => toScenario(ec2OriginScenario({ seed }));

describe('two regions: determinism', () => {
  it('same scenario and seed: identical responses across both regions, byte for byte', async () => {
    const a = await failback(createSimulatedAws(scenario(3)));
    const b = await failback(createSimulatedAws(scenario(3)));
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(a)).not.toContain('"error"');
  });

  it('a different seed gives different reversed and launched ids', async () => {
    const a = JSON.stringify(await failback(createSimulatedAws(scenario(3))));
    const b = JSON.stringify(await failback(createSimulatedAws(scenario(4))));
    const ids = (text: string) => [...text.matchAll(/source-server\/(s-[0-9a-zA-Z]{17})/g)].map((m) => m[1]);
    expect(ids(a)).not.toEqual(ids(b));
  });
});

describe('two regions: save and load', () => {
  it('keeps every region: a run resumed in the loaded world sees what it would have seen', async () => {
    const reference = createSimulatedAws(scenario(5));
    const uninterrupted = await failback(reference, async () => reference);

    const original = createSimulatedAws(scenario(5));
    let saved: WorldState | undefined;
    const resumed = await failback(original, async () => {
      saved = JSON.parse(JSON.stringify(original.save())) as WorldState;
      return loadSimulatedAws(saved);
    });
    expect(JSON.stringify(resumed)).toBe(JSON.stringify(uninterrupted));

    const regions = new Set(saved?.sourceServers.map((s) => s.region));
    expect([...regions].sort()).toEqual(['us-east-1', 'us-west-2']);
    expect(saved?.recoveryInstances.find((r) => r.recoveryInstanceID === RA2)?.reversedTo?.region).toBe(
      ORIGIN,
    );
    expect(saved?.calls.every((c) => typeof c.region === 'string')).toBe(true);
  });

  it('loads a world saved before regions existed: everything is in the scenario region', async () => {
    const old = JSON.parse(
      readFileSync('test/fixtures/snapshots/v1-monitoring-job.world.json', 'utf8'),
    ) as WorldState;
    expect(old.sourceServers[0]).not.toHaveProperty('region');
    const sim = loadSimulatedAws(old);
    const saved = sim.save();
    expect(saved.sourceServers.every((s) => s.region === old.scenario.region)).toBe(true);
    expect(saved.calls.every((c) => c.region === old.scenario.region)).toBe(true);
    const listed = await sim.clients.drs.send(new DescribeSourceServersCommand({}));
    expect(listed.items?.length).toBe(old.sourceServers.length);
  });
});
