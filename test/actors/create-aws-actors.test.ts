import { DescribeJobsCommand, DrsClient, JobStatus, LaunchStatus } from '@aws-sdk/client-drs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createAwsActors } from '../../src/actors/index.js';
import { jid, makeDeps, sid } from './helpers.js';

const drsMock = mockClient(DrsClient);
beforeEach(() => drsMock.reset());

describe('createAwsActors', () => {
  it('builds every activity on the injected clients', async () => {
    const { deps } = makeDeps();
    const actors = createAwsActors(deps);
    expect(Object.keys(actors).sort()).toEqual(
      [
        'assessDrSide',
        'cleanup',
        'measureDrain',
        'pollJobs',
        'precheck',
        'quiesceWrites',
        'reprotect',
        'restoreRecoveryPoint',
        'startFailback',
        'stopFailback',
        'verifyFailback',
      ].sort(),
    );
    drsMock.on(DescribeJobsCommand).resolves({
      items: [
        {
          jobID: jid(1),
          status: JobStatus.STARTED,
          participatingServers: [{ sourceServerID: sid(1), launchStatus: LaunchStatus.PENDING }],
        },
      ],
    });
    const out = await actors.pollJobs({ runId: 'r', wave: 'w', jobIds: [jid(1)], logCursor: {} });
    expect(out.verdict).toBe('pending');
  });
});
