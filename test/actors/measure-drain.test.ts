import {
  DescribeRecoveryInstancesCommand,
  DrsClient,
  InternalServerException,
  type RecoveryInstanceDataReplicationState,
} from '@aws-sdk/client-drs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { drainOfRecoveryInstance, measureDrain } from '../../src/actors/measure-drain.js';
import { quiesceWrites } from '../../src/actors/quiesce.js';
import { expectNothingSent, makeDeps, NOW } from './helpers.js';

const drsMock = mockClient(DrsClient);
beforeEach(() => drsMock.reset());

const S1 = 's-00000000000000001';
const S2 = 's-00000000000000002';
const R1 = 'i-00000000000000001';
const R2 = 'i-00000000000000002';
const replication = (lagDuration: string | undefined, backlog = 0, state = 'CONTINUOUS') => ({
  dataReplicationInfo: {
    // Unknown states from AWS are tolerated: typed as the SDK's enum here.
    dataReplicationState: state as RecoveryInstanceDataReplicationState,
    ...(lagDuration !== undefined ? { lagDuration } : {}),
    replicatedDisks: [{ backloggedStorageBytes: backlog }],
  },
});
const input = {
  runId: 'run-1',
  wave: 'db',
  resolved: [
    { sourceServerID: S1, recoveryInstanceID: R1 },
    { sourceServerID: S2, recoveryInstanceID: R2 },
  ],
  maxLagMs: 30_000,
};

describe('drainOfRecoveryInstance', () => {
  it.each([
    ['PT5S', 0, 'CONTINUOUS', true, 5000],
    ['PT45S', 0, 'CONTINUOUS', false, 45_000],
    ['PT5S', 4096, 'CONTINUOUS', false, 5000],
    ['PT5S', 0, 'BACKLOG', false, 5000],
    ['soon', 0, 'CONTINUOUS', false, null],
    [undefined, 0, 'CONTINUOUS', false, null],
  ] as const)('lag %s, backlog %d, %s: drained %s', (lag, backlog, state, drained, lagMs) => {
    const r = drainOfRecoveryInstance(S1, replication(lag, backlog, state), 30_000, NOW);
    expect(r.drained).toBe(drained);
    expect(r.lagMs).toBe(lagMs);
  });

  it('reads a datetime lag (the model types it so on recovery instances) against AWS clock', () => {
    const r = drainOfRecoveryInstance(S1, replication(new Date(NOW - 12_000).toISOString()), 30_000, NOW);
    expect(r).toMatchObject({ drained: true, lagMs: 12_000 });
  });
});

describe('measureDrain', () => {
  it('drained when every server is: records the lag at the crossing in a cutover.drained event', async () => {
    drsMock.on(DescribeRecoveryInstancesCommand).resolves({
      items: [
        { recoveryInstanceID: R1, sourceServerID: S1, ...replication('PT3S') },
        { recoveryInstanceID: R2, sourceServerID: S2, ...replication('PT9S') },
      ],
    });
    const { deps, events } = makeDeps();
    const out = await measureDrain(deps, input);
    expect(out.drained).toBe(true);
    expect(events).toEqual([
      {
        type: 'cutover.drained',
        wave: 'db',
        maxLagMs: 30_000,
        worst: { server: S2, lagMs: 9000 },
        servers: [
          { server: S1, lagMs: 3000 },
          { server: S2, lagMs: 9000 },
        ],
      },
    ]);
  });

  it('not drained while one server is behind or missing; no event', async () => {
    drsMock.on(DescribeRecoveryInstancesCommand).resolves({
      items: [{ recoveryInstanceID: R1, sourceServerID: S1, ...replication('PT3S') }],
    });
    const { deps, events } = makeDeps();
    const out = await measureDrain(deps, input);
    expect(out.drained).toBe(false);
    expect(out.servers[1]).toEqual({
      sourceServerID: S2,
      lagMs: null,
      drained: false,
      detail: 'recovery instance not found',
    });
    expect(events).toEqual([]);
  });

  it('a failed read is "not drained" with the failure, never a pass', async () => {
    drsMock
      .on(DescribeRecoveryInstancesCommand)
      .rejects(new InternalServerException({ message: 'internal', $metadata: { httpStatusCode: 500 } }));
    const { deps } = makeDeps();
    const out = await measureDrain(deps, input);
    expect(out).toMatchObject({ drained: false, failure: { kind: 'transient', retryable: true } });
  });
});

describe('quiesceWrites', () => {
  it('real AWS: nothing to call; the simulated world is told to stop the writes', async () => {
    const { deps } = makeDeps();
    const stopped: string[][] = [];
    await quiesceWrites(
      { ...deps, writes: { stopWrites: (ids) => void stopped.push([...ids]) } },
      {
        runId: 'run-1',
        wave: 'db',
        recoveryInstanceIDs: [R1, R2],
      },
    );
    await quiesceWrites(deps, { runId: 'run-1', wave: 'db', recoveryInstanceIDs: [R1] });
    expect(stopped).toEqual([[R1, R2]]);
    expectNothingSent(drsMock);
  });
});
