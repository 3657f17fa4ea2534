import {
  DescribeJobsCommand,
  DescribeRecoverySnapshotsCommand,
  DrsClient,
  StartRecoveryCommand,
} from '@aws-sdk/client-drs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { restoreRecoveryPoint } from '../../src/actors/restore-recovery-point.js';
import { iso, jid, makeDeps, NOW, pit, sid } from './helpers.js';

const drsMock = mockClient(DrsClient);
const S1 = sid(1);
const S2 = sid(2);
const MINUTE = 60_000;
const RUN_START = NOW - 60 * MINUTE;
const BACKOUT_AT = NOW - 10 * MINUTE;

beforeEach(() => {
  drsMock.reset();
  drsMock.on(DescribeRecoverySnapshotsCommand, { sourceServerID: S1 }).resolves({
    items: [{ snapshotID: pit(1), sourceServerID: S1, expectedTimestamp: iso(RUN_START - 5 * MINUTE) }],
  });
  drsMock.on(DescribeRecoverySnapshotsCommand, { sourceServerID: S2 }).resolves({
    items: [{ snapshotID: pit(2), sourceServerID: S2, expectedTimestamp: iso(RUN_START - 7 * MINUTE) }],
  });
  drsMock.on(StartRecoveryCommand).resolves({ job: { jobID: jid(99) } });
});

describe('restoreRecoveryPoint after a restore (adoption)', () => {
  it('adopts the START_RECOVERY job started since the backout began; relaunches only the others', async () => {
    drsMock.on(DescribeJobsCommand, { filters: { fromDate: iso(BACKOUT_AT) } }).resolves({
      items: [
        {
          jobID: jid(3),
          type: 'LAUNCH',
          initiatedBy: 'START_RECOVERY',
          status: 'STARTED',
          creationDateTime: iso(BACKOUT_AT + MINUTE),
          participatingServers: [{ sourceServerID: S1, launchStatus: 'IN_PROGRESS' }],
        },
      ],
    });
    const { deps } = makeDeps();
    const out = await restoreRecoveryPoint(deps, {
      runId: 'run-1',
      wave: 'web',
      sourceServerIDs: [S1, S2],
      before: RUN_START,
      jobsCreatedAfter: BACKOUT_AT,
    });
    expect(out.jobIds).toEqual([jid(3), jid(99)]);
    expect(out.restored.map((r) => [r.sourceServerID, r.recoverySnapshotID])).toEqual([
      [S1, pit(1)],
      [S2, pit(2)],
    ]);
    expect(drsMock).toHaveReceivedCommandTimes(StartRecoveryCommand, 1);
    expect(drsMock).toHaveReceivedCommandWith(StartRecoveryCommand, {
      sourceServers: [{ sourceServerID: S2, recoverySnapshotID: pit(2) }],
    });
  });

  it('sends no StartRecovery when every server already relaunches', async () => {
    drsMock.on(DescribeJobsCommand).resolves({
      items: [
        {
          jobID: jid(3),
          initiatedBy: 'START_RECOVERY',
          status: 'COMPLETED',
          creationDateTime: iso(RUN_START + MINUTE),
          participatingServers: [
            { sourceServerID: S1, launchStatus: 'LAUNCHED' },
            { sourceServerID: S2, launchStatus: 'LAUNCHED' },
          ],
        },
      ],
    });
    const { deps } = makeDeps();
    const out = await restoreRecoveryPoint(deps, {
      runId: 'run-1',
      wave: 'web',
      sourceServerIDs: [S1, S2],
      before: RUN_START,
    });
    expect(out.jobIds).toEqual([jid(3)]);
    expect(out.failure).toBeUndefined();
    expect(drsMock).toHaveReceivedCommandTimes(StartRecoveryCommand, 0);
    // Without jobsCreatedAfter the window starts when the run began.
    expect(drsMock).toHaveReceivedCommandWith(DescribeJobsCommand, { filters: { fromDate: iso(RUN_START) } });
  });

  it('does not adopt a failback job or an older recovery job', async () => {
    drsMock.on(DescribeJobsCommand).resolves({
      items: [
        {
          jobID: jid(4),
          initiatedBy: 'FAILBACK',
          creationDateTime: iso(BACKOUT_AT + MINUTE),
          participatingServers: [{ sourceServerID: S1 }],
        },
        {
          jobID: jid(5),
          initiatedBy: 'START_RECOVERY',
          creationDateTime: iso(BACKOUT_AT - MINUTE),
          participatingServers: [{ sourceServerID: S1 }],
        },
      ],
    });
    const { deps } = makeDeps();
    const out = await restoreRecoveryPoint(deps, {
      runId: 'run-1',
      wave: 'web',
      sourceServerIDs: [S1],
      before: RUN_START,
      jobsCreatedAfter: BACKOUT_AT,
    });
    expect(out.jobIds).toEqual([jid(99)]);
    expect(drsMock).toHaveReceivedCommandTimes(StartRecoveryCommand, 1);
  });
});
