import {
  DescribeJobLogItemsCommand,
  DescribeJobsCommand,
  DrsClient,
  JobLogEvent,
  JobStatus,
  LaunchStatus,
} from '@aws-sdk/client-drs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pollJobs } from '../../src/actors/poll-jobs.js';
import { DRS_ERROR_TABLE, expectNothingSent, expectOnlyReads, jid, makeDeps, NOW, sid } from './helpers.js';

const drsMock = mockClient(DrsClient);
beforeEach(() => drsMock.reset());
afterEach(() => expectOnlyReads(drsMock));

const launched = (jobID: string, server: string) => ({
  jobID,
  status: JobStatus.COMPLETED,
  participatingServers: [{ sourceServerID: server, launchStatus: LaunchStatus.LAUNCHED }],
});

describe('pollJobs', () => {
  it('asks about many jobs in a single DescribeJobs call', async () => {
    const jobIds = Array.from({ length: 40 }, (_, i) => jid(i + 1));
    drsMock.on(DescribeJobsCommand).resolves({ items: jobIds.map((id, i) => launched(id, sid(i + 1))) });
    drsMock.on(DescribeJobLogItemsCommand).resolves({ items: [] });
    const { deps } = makeDeps();
    const out = await pollJobs(deps, { runId: 'run-1', wave: 'web', jobIds, logCursor: {} });
    expect(drsMock).toHaveReceivedCommandTimes(DescribeJobsCommand, 1);
    expect(drsMock).toHaveReceivedCommandWith(DescribeJobsCommand, { filters: { jobIDs: jobIds } });
    expect(out.verdict).toBe('launched');
    expect(out.servers).toHaveLength(40);
    expect(out.now).toBe(NOW);
  });

  it('follows DescribeJobs pages', async () => {
    drsMock
      .on(DescribeJobsCommand)
      .resolvesOnce({ items: [launched(jid(1), sid(1))], nextToken: 't2' })
      .resolvesOnce({ items: [launched(jid(2), sid(2))] });
    drsMock.on(DescribeJobLogItemsCommand).resolves({ items: [] });
    const { deps } = makeDeps();
    const out = await pollJobs(deps, {
      runId: 'run-1',
      wave: 'web',
      jobIds: [jid(1), jid(2)],
      logCursor: {},
    });
    expect(out.verdict).toBe('launched');
    expect(drsMock).toHaveReceivedNthCommandWith(DescribeJobsCommand, 2, {
      filters: { jobIDs: [jid(1), jid(2)] },
      nextToken: 't2',
    });
  });

  it('emits each job log item once and advances the cursor', async () => {
    const J = jid(1);
    drsMock.on(DescribeJobsCommand).resolves({
      items: [
        {
          jobID: J,
          status: JobStatus.STARTED,
          participatingServers: [{ sourceServerID: sid(1), launchStatus: LaunchStatus.IN_PROGRESS }],
        },
      ],
    });
    const items = [
      { event: JobLogEvent.JOB_START, logDateTime: '2024-05-01T11:00:00Z' },
      {
        event: JobLogEvent.CONVERSION_START,
        logDateTime: '2024-05-01T11:01:00Z',
        eventData: { sourceServerID: sid(1) },
      },
      {
        event: JobLogEvent.CONVERSION_END,
        logDateTime: '2024-05-01T11:02:00Z',
        eventData: { sourceServerID: sid(1) },
      },
    ];
    drsMock
      .on(DescribeJobLogItemsCommand)
      .resolvesOnce({ items: items.slice(0, 1), nextToken: 'more' })
      .resolvesOnce({ items: items.slice(1, 2) })
      .resolves({ items });
    const { deps, events } = makeDeps();
    const first = await pollJobs(deps, { runId: 'run-1', wave: 'web', jobIds: [J], logCursor: {} });
    expect(first.verdict).toBe('pending');
    expect(first.logCursor).toEqual({ [J]: 2 });
    expect(events).toEqual([
      {
        type: 'job.log',
        wave: 'web',
        jobId: J,
        event: JobLogEvent.JOB_START,
        server: undefined,
        logDateTime: '2024-05-01T11:00:00Z',
      },
      {
        type: 'job.log',
        wave: 'web',
        jobId: J,
        event: JobLogEvent.CONVERSION_START,
        server: sid(1),
        logDateTime: '2024-05-01T11:01:00Z',
      },
    ]);
    expect(drsMock).toHaveReceivedNthCommandWith(DescribeJobLogItemsCommand, 2, {
      jobID: J,
      nextToken: 'more',
    });

    events.length = 0;
    const second = await pollJobs(deps, {
      runId: 'run-1',
      wave: 'web',
      jobIds: [J],
      logCursor: first.logCursor,
    });
    expect(second.logCursor).toEqual({ [J]: 3 });
    expect(events.map((e) => (e.type === 'job.log' ? e.event : ''))).toEqual([JobLogEvent.CONVERSION_END]);
  });

  it('skips the log of a job DescribeJobs does not show yet, and says pending', async () => {
    drsMock.on(DescribeJobsCommand).resolves({ items: [] });
    const { deps } = makeDeps();
    const out = await pollJobs(deps, {
      runId: 'run-1',
      wave: 'web',
      jobIds: [jid(1)],
      logCursor: { [jid(1)]: 4 },
    });
    expect(out.verdict).toBe('pending');
    expect(out.failure).toBeUndefined();
    expect(out.logCursor).toEqual({ [jid(1)]: 4 });
    expect(drsMock).toHaveReceivedCommandTimes(DescribeJobLogItemsCommand, 0);
  });

  it('keeps the verdict when the job log cannot be read', async () => {
    drsMock.on(DescribeJobsCommand).resolves({ items: [launched(jid(1), sid(1))] });
    drsMock.on(DescribeJobLogItemsCommand).rejects(DRS_ERROR_TABLE[0]?.make());
    const { deps, events } = makeDeps();
    const out = await pollJobs(deps, { runId: 'run-1', wave: 'web', jobIds: [jid(1)], logCursor: {} });
    expect(out.verdict).toBe('launched');
    expect(out.logCursor).toEqual({});
    expect(events).toEqual([]);
  });

  it('reports a failed launch', async () => {
    drsMock.on(DescribeJobsCommand).resolves({
      items: [
        {
          jobID: jid(1),
          status: JobStatus.COMPLETED,
          participatingServers: [{ sourceServerID: sid(1), launchStatus: LaunchStatus.FAILED }],
        },
      ],
    });
    drsMock.on(DescribeJobLogItemsCommand).resolves({ items: [] });
    const { deps } = makeDeps();
    const out = await pollJobs(deps, { runId: 'run-1', wave: 'web', jobIds: [jid(1)], logCursor: {} });
    expect(out.verdict).toBe('failed');
    expect(out.detail).toContain(sid(1));
  });

  it('rejects malformed job ids with nothing sent', async () => {
    const { deps } = makeDeps();
    const out = await pollJobs(deps, { runId: 'run-1', wave: 'web', jobIds: ['job-1'], logCursor: {} });
    expect(out.verdict).toBe('pending');
    expect(out.failure).toMatchObject({ kind: 'validation', retryable: false });
    expectNothingSent(drsMock);
  });

  describe.each(DRS_ERROR_TABLE)('DescribeJobs on $label', ({ make, kind, retryable, retryAfterMs }) => {
    it('is pending with the typed failure', async () => {
      drsMock.on(DescribeJobsCommand).rejects(make());
      const { deps } = makeDeps();
      const out = await pollJobs(deps, {
        runId: 'run-1',
        wave: 'web',
        jobIds: [jid(1)],
        logCursor: { [jid(1)]: 2 },
      });
      expect(out.verdict).toBe('pending');
      expect(out.failure).toMatchObject({ kind, retryable, operation: 'DescribeJobs' });
      expect(out.failure?.retryAfterMs).toBe(retryAfterMs);
      expect(out.logCursor).toEqual({ [jid(1)]: 2 });
    });
  });
});
