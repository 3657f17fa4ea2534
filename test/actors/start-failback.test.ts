import {
  ConflictException,
  DescribeJobsCommand,
  DescribeRecoveryInstancesCommand,
  DrsClient,
  InternalServerException,
  StartFailbackLaunchCommand,
} from '@aws-sdk/client-drs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { startFailback } from '../../src/actors/start-failback.js';
import { DRS_ERROR_TABLE, expectNothingSent, jid, makeDeps, NOW, rid } from './helpers.js';

const drsMock = mockClient(DrsClient);
const TAGS = { 'drs-failback:run': 'run-1', 'drs-failback:wave': 'web' };
const TAGS_RUN = { 'drs-failback:run': 'run-1' };

beforeEach(() => drsMock.reset());

describe('startFailback', () => {
  it('splits 450 recovery instances into jobs of 100 by default (DRS quota), each recorded', async () => {
    let n = 0;
    drsMock.on(StartFailbackLaunchCommand).callsFake(() => ({ job: { jobID: jid(++n) } }));
    const ids = Array.from({ length: 450 }, (_, i) => rid(i + 1));
    const { deps } = makeDeps();
    const out = await startFailback(deps, { runId: 'run-1', wave: 'web', recoveryInstanceIDs: ids });
    expect(out).toEqual({ now: NOW, jobIds: [1, 2, 3, 4, 5].map(jid) });
    const sizes = drsMock
      .commandCalls(StartFailbackLaunchCommand)
      .map((c) => c.args[0].input.recoveryInstanceIDs?.length);
    expect(sizes).toEqual([100, 100, 100, 100, 50]);
  });

  it('takes at most maxInFlight servers at once and queues the rest, without a failure', async () => {
    let n = 0;
    drsMock.on(StartFailbackLaunchCommand).callsFake(() => ({ job: { jobID: jid(++n) } }));
    const ids = Array.from({ length: 450 }, (_, i) => rid(i + 1));
    const { deps } = makeDeps();
    const out = await startFailback(deps, {
      runId: 'run-1',
      wave: 'web',
      recoveryInstanceIDs: ids,
      limits: { maxServers: 100, maxInFlight: 250, maxJobs: 20 },
    });
    expect(out).toEqual({ now: NOW, jobIds: [1, 2, 3].map(jid), queued: 200, inFlight: 250 });
    const sent = drsMock
      .commandCalls(StartFailbackLaunchCommand)
      .map((c) => c.args[0].input.recoveryInstanceIDs);
    expect(sent).toEqual([ids.slice(0, 100), ids.slice(100, 200), ids.slice(200, 250)]);
  });

  it('a quota refusal after the first job queues what is unsent; before any job it fails the start', async () => {
    const quota = DRS_ERROR_TABLE.find((c) => c.label === 'ServiceQuotaExceededException');
    drsMock
      .on(StartFailbackLaunchCommand)
      .resolvesOnce({ job: { jobID: jid(1) } })
      .rejects(quota?.make());
    const ids = Array.from({ length: 250 }, (_, i) => rid(i + 1));
    const { deps } = makeDeps();
    const out = await startFailback(deps, { runId: 'run-1', wave: 'web', recoveryInstanceIDs: ids });
    expect(out).toEqual({ now: NOW, jobIds: [jid(1)], queued: 150, inFlight: 100 });
    expect(drsMock).toHaveReceivedCommandTimes(StartFailbackLaunchCommand, 2);

    drsMock.reset();
    drsMock.on(StartFailbackLaunchCommand).rejects(quota?.make());
    const first = await startFailback(deps, { runId: 'run-1', wave: 'web', recoveryInstanceIDs: ids });
    expect(first.jobIds).toEqual([]);
    expect(first.queued).toBeUndefined();
    expect(first.failure).toMatchObject({ kind: 'quota', operation: 'StartFailbackLaunch' });
  });

  it('splits 450 recovery instances into 200/200/50 with job.maxServers 200 and records every job', async () => {
    let n = 0;
    drsMock.on(StartFailbackLaunchCommand).callsFake(() => ({ job: { jobID: jid(++n) } }));
    const ids = Array.from({ length: 450 }, (_, i) => rid(i + 1));
    const { deps } = makeDeps();
    const out = await startFailback(deps, {
      runId: 'run-1',
      wave: 'web',
      recoveryInstanceIDs: ids,
      limits: { maxServers: 200, maxInFlight: 500, maxJobs: 20 },
    });
    expect(out).toEqual({ now: NOW, jobIds: [jid(1), jid(2), jid(3)] });
    expect(drsMock).toHaveReceivedCommandTimes(StartFailbackLaunchCommand, 3);
    expect(drsMock).toHaveReceivedNthCommandWith(StartFailbackLaunchCommand, 1, {
      recoveryInstanceIDs: ids.slice(0, 200),
      tags: TAGS,
    });
    expect(drsMock).toHaveReceivedNthCommandWith(StartFailbackLaunchCommand, 2, {
      recoveryInstanceIDs: ids.slice(200, 400),
    });
    expect(drsMock).toHaveReceivedNthCommandWith(StartFailbackLaunchCommand, 3, {
      recoveryInstanceIDs: ids.slice(400),
    });
  });

  it('sends each recovery instance once even when listed twice', async () => {
    drsMock.on(StartFailbackLaunchCommand).resolves({ job: { jobID: jid(1) } });
    const { deps } = makeDeps();
    await startFailback(deps, { runId: 'run-1', wave: 'web', recoveryInstanceIDs: [rid(1), rid(1), rid(2)] });
    expect(drsMock).toHaveReceivedCommandWith(StartFailbackLaunchCommand, {
      recoveryInstanceIDs: [rid(1), rid(2)],
    });
  });

  it('stops after a failed batch and returns the jobs already started', async () => {
    const [throttling] = DRS_ERROR_TABLE;
    drsMock
      .on(StartFailbackLaunchCommand)
      .resolvesOnce({ job: { jobID: jid(1) } })
      .rejectsOnce(throttling?.make());
    const ids = Array.from({ length: 450 }, (_, i) => rid(i + 1));
    const { deps } = makeDeps();
    const out = await startFailback(deps, {
      runId: 'run-1',
      wave: 'web',
      recoveryInstanceIDs: ids,
      limits: { maxServers: 200, maxInFlight: 500, maxJobs: 20 },
    });
    expect(out.jobIds).toEqual([jid(1)]);
    expect(out.failure).toMatchObject({ kind: 'throttled', operation: 'StartFailbackLaunch' });
    // Never a third batch, and never a retry of the second.
    expect(drsMock).toHaveReceivedCommandTimes(StartFailbackLaunchCommand, 2);
  });

  it('reports a start without a job as a non-retryable failure', async () => {
    drsMock.on(StartFailbackLaunchCommand).resolves({});
    const { deps } = makeDeps();
    const out = await startFailback(deps, { runId: 'run-1', wave: 'web', recoveryInstanceIDs: [rid(1)] });
    expect(out.jobIds).toEqual([]);
    expect(out.failure).toMatchObject({ retryable: false, operation: 'StartFailbackLaunch' });
    expect(out.failure?.message).toMatch(/returned no job/);
  });

  it.each([
    [['s-00000000000000001'], /recoveryInstanceIDs value 's-00000000000000001' does not match \^i-/],
    [['i-123'], /'i-123'/],
    [[], /takes 1\.\./],
  ])('rejects %o with nothing sent', async (ids, message) => {
    const { deps } = makeDeps();
    const out = await startFailback(deps, { runId: 'run-1', wave: 'web', recoveryInstanceIDs: ids });
    expect(out.jobIds).toEqual([]);
    expect(out.failure).toMatchObject({
      kind: 'validation',
      retryable: false,
      operation: 'StartFailbackLaunch',
    });
    expect(out.failure?.message).toMatch(message);
    expectNothingSent(drsMock);
  });

  describe.each(DRS_ERROR_TABLE)('on $label', ({ make, kind, retryable, retryAfterMs, cause }) => {
    it('returns the typed failure and sends the start exactly once', async () => {
      drsMock.on(StartFailbackLaunchCommand).rejects(make());
      const { deps } = makeDeps();
      const out = await startFailback(deps, { runId: 'run-1', wave: 'web', recoveryInstanceIDs: [rid(7)] });
      expect(out.jobIds).toEqual([]);
      expect(out.failure).toMatchObject({
        kind,
        retryable,
        operation: 'StartFailbackLaunch',
        server: rid(7),
      });
      expect(out.failure?.retryAfterMs).toBe(retryAfterMs);
      expect(out.failure?.message).toMatch(new RegExp(`^StartFailbackLaunch for ${rid(7)} failed: `));
      expect(out.failure?.message).toMatch(cause);
      if (kind === 'access-denied') expect(out.failure?.iamAction).toBe('drs:StartFailbackLaunch');
      expect(drsMock).toHaveReceivedCommandTimes(StartFailbackLaunchCommand, 1);
    });
  });

  describe('what may have started comes from what was sent', () => {
    const internal = () =>
      new InternalServerException({ message: 'internal', $metadata: { httpStatusCode: 500 } });
    const input = { runId: 'run-1', wave: 'web', recoveryInstanceIDs: [rid(1)], runStartedAt: NOW - 60_000 };

    it('a 5xx on the read before the start: nothing sent, marked notSent so the machine may read again', async () => {
      drsMock.on(DescribeRecoveryInstancesCommand).rejects(internal());
      const { deps } = makeDeps();
      const out = await startFailback(deps, input);
      expect(out).toMatchObject({ jobIds: [], notSent: true, failure: { kind: 'transient' } });
      expect(out.mayHaveStarted).toBeUndefined();
      expect(drsMock).toHaveReceivedCommandTimes(StartFailbackLaunchCommand, 0);
    });

    it('a ConflictException is a rejection: no re-read, nothing started', async () => {
      drsMock.on(DescribeRecoveryInstancesCommand).resolves({ items: [] });
      drsMock.on(DescribeJobsCommand).resolves({ items: [] });
      drsMock
        .on(StartFailbackLaunchCommand)
        .rejects(new ConflictException({ message: 'busy', $metadata: {} }));
      const { deps } = makeDeps();
      const out = await startFailback(deps, input);
      expect(out).toMatchObject({ jobIds: [], failure: { kind: 'conflict' } });
      expect(out.mayHaveStarted).toBeUndefined();
      expect(drsMock).toHaveReceivedCommandTimes(DescribeRecoveryInstancesCommand, 1);
    });

    it('a 5xx on the start, then a re-read that shows nothing: nothing started, and the message says so', async () => {
      drsMock.on(DescribeRecoveryInstancesCommand).resolves({ items: [] });
      drsMock.on(DescribeJobsCommand).resolves({ items: [] });
      drsMock.on(StartFailbackLaunchCommand).rejects(internal());
      const { deps } = makeDeps();
      const out = await startFailback(deps, input);
      expect(out.jobIds).toEqual([]);
      expect(out.mayHaveStarted).toBeUndefined();
      expect(out.failure?.message).toContain('a re-read shows nothing started');
      expect(drsMock).toHaveReceivedCommandTimes(DescribeRecoveryInstancesCommand, 2);
    });

    it('a 5xx on the start, then a re-read that shows the job: the job is followed, no failure', async () => {
      drsMock
        .on(DescribeRecoveryInstancesCommand)
        .resolvesOnce({ items: [] })
        .resolves({ items: [{ recoveryInstanceID: rid(1), failback: { failbackJobID: jid(4) } }] });
      drsMock.on(DescribeJobsCommand).resolves({ items: [{ jobID: jid(4), tags: TAGS_RUN }] });
      drsMock.on(StartFailbackLaunchCommand).rejects(internal());
      const { deps } = makeDeps();
      const out = await startFailback(deps, input);
      expect(out).toEqual({ now: NOW, jobIds: [jid(4)] });
    });

    it('a 5xx on the start and a failed re-read: the outcome is unknown, so it may have started', async () => {
      drsMock.on(DescribeRecoveryInstancesCommand).resolvesOnce({ items: [] }).rejects(internal());
      drsMock.on(DescribeJobsCommand).resolves({ items: [] });
      drsMock.on(StartFailbackLaunchCommand).rejects(internal());
      const { deps } = makeDeps();
      const out = await startFailback(deps, input);
      expect(out).toMatchObject({ jobIds: [], mayHaveStarted: true, failure: { kind: 'transient' } });
    });
  });
});
