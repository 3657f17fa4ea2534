import {
  DescribeJobsCommand,
  DescribeRecoveryInstancesCommand,
  DrsClient,
  type Job,
  StartFailbackLaunchCommand,
  ThrottlingException,
} from '@aws-sdk/client-drs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { startFailback } from '../../src/actors/start-failback.js';
import { iso, jid, makeDeps, NOW, rid } from './helpers.js';

const drsMock = mockClient(DrsClient);
const RUN_START = NOW - 60 * 60_000;

const failbackJob = (n: number, createdAt: number, instances: string[], extra: Partial<Job> = {}): Job => ({
  jobID: jid(n),
  type: 'LAUNCH',
  initiatedBy: 'FAILBACK',
  status: 'STARTED',
  creationDateTime: iso(createdAt),
  participatingServers: instances.map((id) => ({ recoveryInstanceID: id, launchStatus: 'IN_PROGRESS' })),
  ...extra,
});

beforeEach(() => {
  drsMock.reset();
  drsMock.on(StartFailbackLaunchCommand).resolves({ job: { jobID: jid(99) } });
});

describe('startFailback after a restore (adoption)', () => {
  it('adopts the failbackJobID this run started and sends no StartFailbackLaunch', async () => {
    drsMock.on(DescribeRecoveryInstancesCommand).resolves({
      items: [
        { recoveryInstanceID: rid(1), failback: { failbackJobID: jid(5), state: 'FAILBACK_IN_PROGRESS' } },
      ],
    });
    drsMock
      .on(DescribeJobsCommand, { filters: { jobIDs: [jid(5)] } })
      .resolves({ items: [failbackJob(5, RUN_START + 10 * 60_000, [rid(1)])] });
    const { deps } = makeDeps();
    const out = await startFailback(deps, {
      runId: 'run-1',
      wave: 'web',
      recoveryInstanceIDs: [rid(1)],
      runStartedAt: RUN_START,
    });
    expect(out).toEqual({ now: NOW, jobIds: [jid(5)] });
    expect(drsMock).toHaveReceivedCommandTimes(StartFailbackLaunchCommand, 0);
    expect(drsMock).toHaveReceivedCommandWith(DescribeRecoveryInstancesCommand, {
      filters: { recoveryInstanceIDs: [rid(1)] },
    });
  });

  it('adopts a completed job of this run too (even one whose launch failed: never launch twice)', async () => {
    drsMock.on(DescribeRecoveryInstancesCommand).resolves({
      items: [{ recoveryInstanceID: rid(1), failback: { failbackJobID: jid(5), state: 'FAILBACK_ERROR' } }],
    });
    drsMock.on(DescribeJobsCommand, { filters: { jobIDs: [jid(5)] } }).resolves({
      items: [
        failbackJob(5, RUN_START + 60_000, [rid(1)], {
          status: 'COMPLETED',
          participatingServers: [{ recoveryInstanceID: rid(1), launchStatus: 'FAILED' }],
        }),
      ],
    });
    const { deps } = makeDeps();
    const out = await startFailback(deps, {
      runId: 'run-1',
      wave: 'web',
      recoveryInstanceIDs: [rid(1)],
      runStartedAt: RUN_START,
    });
    expect(out.jobIds).toEqual([jid(5)]);
    expect(drsMock).toHaveReceivedCommandTimes(StartFailbackLaunchCommand, 0);
  });

  it('ignores a failback job from before the run began and starts a new one', async () => {
    drsMock.on(DescribeRecoveryInstancesCommand).resolves({
      items: [
        {
          recoveryInstanceID: rid(1),
          failback: { failbackJobID: jid(4), state: 'FAILBACK_READY_FOR_LAUNCH' },
        },
      ],
    });
    drsMock.on(DescribeJobsCommand, { filters: { jobIDs: [jid(4)] } }).resolves({
      items: [failbackJob(4, RUN_START - 24 * 60 * 60_000, [rid(1)], { status: 'COMPLETED' })],
    });
    drsMock.on(DescribeJobsCommand, { filters: { fromDate: iso(RUN_START) } }).resolves({ items: [] });
    const { deps } = makeDeps();
    const out = await startFailback(deps, {
      runId: 'run-1',
      wave: 'web',
      recoveryInstanceIDs: [rid(1)],
      runStartedAt: RUN_START,
    });
    expect(out.jobIds).toEqual([jid(99)]);
    expect(drsMock).toHaveReceivedCommandTimes(StartFailbackLaunchCommand, 1);
  });

  it('finds a job whose id never reached the instance through DescribeJobs fromDate, starts only the rest', async () => {
    drsMock.on(DescribeRecoveryInstancesCommand).resolves({
      items: [
        { recoveryInstanceID: rid(1), failback: { state: 'FAILBACK_READY_FOR_LAUNCH' } },
        { recoveryInstanceID: rid(2), failback: { state: 'FAILBACK_READY_FOR_LAUNCH' } },
      ],
    });
    drsMock.on(DescribeJobsCommand, { filters: { fromDate: iso(RUN_START) } }).resolvesOnce({
      items: [
        failbackJob(7, RUN_START + 5 * 60_000, [rid(1)]),
        // Not a failback job: never adopted as one.
        failbackJob(8, RUN_START + 5 * 60_000, [rid(2)], { initiatedBy: 'START_RECOVERY' }),
      ],
      nextToken: 'page-2',
    });
    const { deps } = makeDeps();
    const out = await startFailback(deps, {
      runId: 'run-1',
      wave: 'web',
      recoveryInstanceIDs: [rid(1), rid(2)],
      runStartedAt: RUN_START,
    });
    expect(out.jobIds).toEqual([jid(7), jid(99)]);
    expect(drsMock).toHaveReceivedCommandTimes(StartFailbackLaunchCommand, 1);
    expect(drsMock).toHaveReceivedCommandWith(StartFailbackLaunchCommand, { recoveryInstanceIDs: [rid(2)] });
    // The listing was followed to its second page.
    expect(drsMock).toHaveReceivedCommandWith(DescribeJobsCommand, { nextToken: 'page-2' });
  });

  it('adopts a job tagged with this run even without runStartedAt', async () => {
    drsMock.on(DescribeRecoveryInstancesCommand).resolves({
      items: [{ recoveryInstanceID: rid(1), failback: { failbackJobID: jid(5) } }],
    });
    drsMock.on(DescribeJobsCommand).resolves({
      items: [failbackJob(5, NOW, [rid(1)], { tags: { 'drs-failback:run': 'run-1' } })],
    });
    const { deps } = makeDeps();
    const out = await startFailback(deps, { runId: 'run-1', wave: 'web', recoveryInstanceIDs: [rid(1)] });
    expect(out.jobIds).toEqual([jid(5)]);
    expect(drsMock).toHaveReceivedCommandTimes(StartFailbackLaunchCommand, 0);
  });

  it('sends nothing when the adoption read is throttled, and says which read failed', async () => {
    drsMock.on(DescribeRecoveryInstancesCommand).rejects(
      new ThrottlingException({
        message: 'Rate exceeded',
        $metadata: { httpStatusCode: 429 },
        retryAfterSeconds: '2',
      }),
    );
    const { deps } = makeDeps();
    const out = await startFailback(deps, {
      runId: 'run-1',
      wave: 'web',
      recoveryInstanceIDs: [rid(1)],
      runStartedAt: RUN_START,
    });
    expect(out.jobIds).toEqual([]);
    expect(out.failure).toMatchObject({
      kind: 'throttled',
      retryable: true,
      operation: 'DescribeRecoveryInstances',
    });
    expect(drsMock).toHaveReceivedCommandTimes(StartFailbackLaunchCommand, 0);
  });
});

describe('startFailback resolving an in-doubt start for a backout (adoptOnly), and once its state was left', () => {
  const input = {
    runId: 'run-1',
    wave: 'web',
    recoveryInstanceIDs: [rid(1), rid(2)],
    runStartedAt: RUN_START,
  };

  it('adoptOnly: no job of this run found, nothing sent, no failure (the start never went out)', async () => {
    drsMock.on(DescribeRecoveryInstancesCommand).resolves({
      items: [{ recoveryInstanceID: rid(1), failback: { state: 'FAILBACK_READY_FOR_LAUNCH' } }],
    });
    drsMock.on(DescribeJobsCommand).resolves({ items: [] });
    const { deps } = makeDeps();
    const out = await startFailback(deps, { ...input, adoptOnly: true });
    expect(out).toEqual({ now: NOW, jobIds: [] });
    expect(drsMock).toHaveReceivedCommandTimes(StartFailbackLaunchCommand, 0);
    // Read by the run's start: the jobs created since it began.
    expect(drsMock).toHaveReceivedCommandWith(DescribeJobsCommand, { filters: { fromDate: iso(RUN_START) } });
  });

  it('adoptOnly: a job of this run found by its tags is returned, nothing sent (only part of the wave in it)', async () => {
    drsMock.on(DescribeRecoveryInstancesCommand).resolves({ items: [] });
    drsMock.on(DescribeJobsCommand).resolves({
      items: [failbackJob(7, RUN_START + 60_000, [rid(1)], { tags: { 'drs-failback:run': 'run-1' } })],
    });
    const { deps } = makeDeps();
    const out = await startFailback(deps, { ...input, adoptOnly: true, jobIds: [jid(3)] });
    expect(out).toEqual({ now: NOW, jobIds: [jid(3), jid(7)] });
    expect(drsMock).toHaveReceivedCommandTimes(StartFailbackLaunchCommand, 0);
  });

  it('adoptOnly: a read that fails leaves the start in doubt (mayHaveStarted), nothing sent', async () => {
    drsMock
      .on(DescribeRecoveryInstancesCommand)
      .rejects(new ThrottlingException({ message: 'slow down', $metadata: {} }));
    const { deps } = makeDeps();
    const out = await startFailback(deps, { ...input, adoptOnly: true });
    expect(out).toMatchObject({ jobIds: [], mayHaveStarted: true, failure: { kind: 'throttled' } });
    expect(out.notSent).toBeUndefined();
    expect(drsMock).toHaveReceivedCommandTimes(StartFailbackLaunchCommand, 0);
  });

  it('the wave left the start while the activity read (its signal aborted): no StartFailbackLaunch', async () => {
    const stopped = new AbortController();
    drsMock.on(DescribeRecoveryInstancesCommand).callsFake(() => {
      // The backout arrives while the restored start reads what already runs.
      stopped.abort();
      return { items: [] };
    });
    drsMock.on(DescribeJobsCommand).resolves({ items: [] });
    const { deps } = makeDeps();
    const out = await startFailback(deps, input, stopped.signal);
    expect(out.jobIds).toEqual([]);
    expect(drsMock).toHaveReceivedCommandTimes(StartFailbackLaunchCommand, 0);
  });

  it('the same start with its signal untouched sends StartFailbackLaunch once (the check can fail)', async () => {
    drsMock.on(DescribeRecoveryInstancesCommand).resolves({ items: [] });
    drsMock.on(DescribeJobsCommand).resolves({ items: [] });
    const { deps } = makeDeps();
    const out = await startFailback(deps, input, new AbortController().signal);
    expect(out.jobIds).toEqual([jid(99)]);
    expect(drsMock).toHaveReceivedCommandTimes(StartFailbackLaunchCommand, 1);
  });
});

describe('a backout read while this process still waits for its start (ABORT during the send)', () => {
  it('waits for the start to be answered, then finds its job: the read never misses a start in flight', async () => {
    const input = { runId: 'run-1', wave: 'web', recoveryInstanceIDs: [rid(1)], runStartedAt: RUN_START };
    let answer: () => void = () => {};
    let created = false;
    drsMock.on(StartFailbackLaunchCommand).callsFake(
      () =>
        new Promise((resolve) => {
          answer = () => {
            created = true;
            resolve({ job: { jobID: jid(8) } });
          };
        }),
    );
    drsMock.on(DescribeRecoveryInstancesCommand).resolves({ items: [] });
    drsMock.on(DescribeJobsCommand).callsFake(() => ({
      items: created
        ? [failbackJob(8, RUN_START + 60_000, [rid(1)], { tags: { 'drs-failback:run': 'run-1' } })]
        : [],
    }));
    const { deps } = makeDeps();
    const withRegistry = { ...deps, startsInFlight: new Map<string, Set<Promise<unknown>>>() };
    const start = startFailback(withRegistry, input);
    await vi.waitFor(() => expect(drsMock).toHaveReceivedCommandTimes(StartFailbackLaunchCommand, 1));
    const read = startFailback(withRegistry, { ...input, adoptOnly: true });
    let readDone = false;
    void read.then(() => {
      readDone = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(readDone).toBe(false);
    answer();
    expect(await read).toEqual({ now: NOW, jobIds: [jid(8)] });
    expect((await start).jobIds).toEqual([jid(8)]);
    expect(drsMock).toHaveReceivedCommandTimes(StartFailbackLaunchCommand, 1);
    expect(withRegistry.startsInFlight.size).toBe(0);
  });
});
