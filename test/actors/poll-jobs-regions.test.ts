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
import {
  DRS_ERROR_TABLE,
  expectOnlyReads,
  jid,
  makeRegionalDeps,
  mockOriginRegion,
  ORIGIN_REGION,
  type OriginMocks,
  restoreOriginRegion,
  rid,
  sid,
} from './helpers.js';

const drsMock = mockClient(DrsClient);
let origin: OriginMocks;

const launched = (jobID: string, server: string, recoveryInstanceID: string) => ({
  jobID,
  status: JobStatus.COMPLETED,
  participatingServers: [{ sourceServerID: server, recoveryInstanceID, launchStatus: LaunchStatus.LAUNCHED }],
});

beforeEach(() => {
  origin = mockOriginRegion();
  drsMock.reset();
});
afterEach(() => {
  expectOnlyReads(drsMock, origin.drs);
  restoreOriginRegion(origin);
});

describe('pollJobs across regions', () => {
  it('asks each region about its own jobs in one call and tags origin-region launches with their region', async () => {
    const DR_JOBS = [jid(1), jid(3)];
    const ORIGIN_JOBS = [jid(2), jid(4)];
    drsMock.on(DescribeJobsCommand).resolves({
      items: [launched(jid(1), sid(1), rid(1)), launched(jid(3), sid(3), rid(3))],
    });
    origin.drs.on(DescribeJobsCommand).resolves({
      items: [launched(jid(2), sid(9002), rid(102)), launched(jid(4), sid(9004), rid(104))],
    });
    drsMock.on(DescribeJobLogItemsCommand).resolves({ items: [] });
    origin.drs.on(DescribeJobLogItemsCommand).resolves({
      items: [{ logDateTime: '2024-05-01T12:00:00Z', event: JobLogEvent.LAUNCH_START }],
    });
    const { deps, events } = makeRegionalDeps(origin.clients);
    const out = await pollJobs(deps, {
      runId: 'run-1',
      wave: 'app',
      jobIds: [jid(1), jid(2), jid(3), jid(4)],
      jobRegions: { [jid(2)]: ORIGIN_REGION, [jid(4)]: ORIGIN_REGION },
      logCursor: {},
    });
    expect(out.verdict).toBe('launched');
    expect(drsMock).toHaveReceivedCommandTimes(DescribeJobsCommand, 1);
    expect(drsMock).toHaveReceivedCommandWith(DescribeJobsCommand, { filters: { jobIDs: DR_JOBS } });
    expect(origin.drs).toHaveReceivedCommandTimes(DescribeJobsCommand, 1);
    expect(origin.drs).toHaveReceivedCommandWith(DescribeJobsCommand, { filters: { jobIDs: ORIGIN_JOBS } });
    // Log items are read where the job runs.
    expect(drsMock.commandCalls(DescribeJobLogItemsCommand).map((c) => c.args[0].input.jobID)).toEqual(
      DR_JOBS,
    );
    expect(origin.drs.commandCalls(DescribeJobLogItemsCommand).map((c) => c.args[0].input.jobID)).toEqual(
      ORIGIN_JOBS,
    );
    expect(events.filter((e) => e.type === 'job.log')).toHaveLength(2);
    expect(out.logCursor).toEqual({ [jid(1)]: 0, [jid(2)]: 1, [jid(3)]: 0, [jid(4)]: 1 });
    expect(out.servers).toEqual([
      { sourceServerID: sid(1), recoveryInstanceID: rid(1), launchStatus: 'LAUNCHED', jobId: jid(1) },
      {
        sourceServerID: sid(9002),
        recoveryInstanceID: rid(102),
        launchStatus: 'LAUNCHED',
        jobId: jid(2),
        region: ORIGIN_REGION,
      },
      { sourceServerID: sid(3), recoveryInstanceID: rid(3), launchStatus: 'LAUNCHED', jobId: jid(3) },
      {
        sourceServerID: sid(9004),
        recoveryInstanceID: rid(104),
        launchStatus: 'LAUNCHED',
        jobId: jid(4),
        region: ORIGIN_REGION,
      },
    ]);
  });

  it('classifies the jobs of all regions together: one failed launch in the origin region fails the wave', async () => {
    drsMock.on(DescribeJobsCommand).resolves({ items: [launched(jid(1), sid(1), rid(1))] });
    origin.drs.on(DescribeJobsCommand).resolves({
      items: [
        {
          jobID: jid(2),
          status: JobStatus.STARTED,
          participatingServers: [{ sourceServerID: sid(9002), launchStatus: LaunchStatus.FAILED }],
        },
      ],
    });
    drsMock.on(DescribeJobLogItemsCommand).resolves({ items: [] });
    origin.drs.on(DescribeJobLogItemsCommand).resolves({ items: [] });
    const { deps } = makeRegionalDeps(origin.clients);
    const out = await pollJobs(deps, {
      runId: 'run-1',
      wave: 'app',
      jobIds: [jid(1), jid(2)],
      jobRegions: { [jid(2)]: ORIGIN_REGION },
      logCursor: {},
    });
    expect(out.verdict).toBe('failed');
    expect(out.detail).toContain(`${sid(9002)} FAILED`);
  });

  it('is pending with the failure, naming the region, when the origin region cannot be read', async () => {
    const [throttling] = DRS_ERROR_TABLE;
    drsMock.on(DescribeJobsCommand).resolves({ items: [launched(jid(1), sid(1), rid(1))] });
    origin.drs.on(DescribeJobsCommand).rejects(throttling?.make());
    const { deps } = makeRegionalDeps(origin.clients);
    const out = await pollJobs(deps, {
      runId: 'run-1',
      wave: 'app',
      jobIds: [jid(1), jid(2)],
      jobRegions: { [jid(2)]: ORIGIN_REGION },
      logCursor: { [jid(1)]: 3 },
    });
    expect(out.verdict).toBe('pending');
    expect(out.failure).toMatchObject({ kind: 'throttled', retryable: true, operation: 'DescribeJobs' });
    expect(out.failure?.message).toMatch(new RegExp(`^DescribeJobs in ${ORIGIN_REGION} failed`));
    expect(out.logCursor).toEqual({ [jid(1)]: 3 });
  });
});
