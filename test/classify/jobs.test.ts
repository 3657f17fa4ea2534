import { type Job, JobStatus, LaunchStatus } from '@aws-sdk/client-drs';
import { describe, expect, it } from 'vitest';
import { classifyJobs } from '../../src/classify/jobs.js';

const J1 = 'drsjob-00000000000000001';
const J2 = 'drsjob-00000000000000002';
const S1 = 's-00000000000000001';
const S2 = 's-00000000000000002';

const job = (jobID: string, status: string | undefined, servers: [string, string][]): Job =>
  ({
    jobID,
    status,
    participatingServers: servers.map(([sourceServerID, launchStatus]) => ({
      sourceServerID,
      recoveryInstanceID: 'i-0123abcd',
      launchStatus,
    })),
  }) as Job;

describe('classifyJobs', () => {
  it.each<[string, Job[], string[], 'launched' | 'failed' | 'pending', RegExp]>([
    [
      'COMPLETED with every server LAUNCHED',
      [
        job(J1, JobStatus.COMPLETED, [
          [S1, LaunchStatus.LAUNCHED],
          [S2, LaunchStatus.LAUNCHED],
        ]),
      ],
      [J1],
      'launched',
      /COMPLETED, 2 server\(s\) LAUNCHED/,
    ],
    [
      'a FAILED server while the job still runs',
      [
        job(J1, JobStatus.STARTED, [
          [S1, LaunchStatus.FAILED],
          [S2, LaunchStatus.IN_PROGRESS],
        ]),
      ],
      [J1],
      'failed',
      new RegExp(`${S1} FAILED`),
    ],
    [
      'a TERMINATED server',
      [job(J1, JobStatus.STARTED, [[S1, LaunchStatus.TERMINATED]])],
      [J1],
      'failed',
      /TERMINATED/,
    ],
    [
      'COMPLETED with a server not LAUNCHED',
      [
        job(J1, JobStatus.COMPLETED, [
          [S1, LaunchStatus.LAUNCHED],
          [S2, LaunchStatus.PENDING],
        ]),
      ],
      [J1],
      'failed',
      new RegExp(`COMPLETED but ${S2} is PENDING`),
    ],
    [
      'COMPLETED with an unknown launch status',
      [job(J1, JobStatus.COMPLETED, [[S1, 'HALF_LAUNCHED']])],
      [J1],
      'failed',
      /HALF_LAUNCHED \(unknown launch status\)/,
    ],
    [
      'COMPLETED with no participating servers',
      [job(J1, JobStatus.COMPLETED, [])],
      [J1],
      'failed',
      /no participating/,
    ],
    [
      'PENDING job',
      [job(J1, JobStatus.PENDING, [[S1, LaunchStatus.PENDING]])],
      [J1],
      'pending',
      /is PENDING/,
    ],
    [
      'STARTED job',
      [job(J1, JobStatus.STARTED, [[S1, LaunchStatus.IN_PROGRESS]])],
      [J1],
      'pending',
      /is STARTED/,
    ],
    [
      'STARTED job with an unknown launch status',
      [job(J1, JobStatus.STARTED, [[S1, 'WARMING_UP']])],
      [J1],
      'pending',
      /unknown launch status 'WARMING_UP'/,
    ],
    ['a job id missing from the answer', [], [J1], 'pending', /not visible/],
    [
      'one of two jobs missing',
      [job(J1, JobStatus.COMPLETED, [[S1, LaunchStatus.LAUNCHED]])],
      [J1, J2],
      'pending',
      new RegExp(`${J2} not visible`),
    ],
    [
      'an unknown job status',
      [job(J1, 'PAUSED', [[S1, LaunchStatus.PENDING]])],
      [J1],
      'pending',
      /unknown status 'PAUSED'/,
    ],
    ['no job status', [job(J1, undefined, [])], [J1], 'pending', /no status/],
    [
      'failure wins over a pending job',
      [job(J1, JobStatus.COMPLETED, [[S1, LaunchStatus.FAILED]])],
      [J1, J2],
      'failed',
      /FAILED/,
    ],
    [
      'two launched jobs',
      [
        job(J1, JobStatus.COMPLETED, [[S1, LaunchStatus.LAUNCHED]]),
        job(J2, JobStatus.COMPLETED, [[S2, LaunchStatus.LAUNCHED]]),
      ],
      [J1, J2],
      'launched',
      /LAUNCHED/,
    ],
    ['no expected job', [], [], 'failed', /no launch job/],
  ])('%s', (_label, jobs, expected, verdict, detail) => {
    const result = classifyJobs(jobs, expected);
    expect(result.verdict).toBe(verdict);
    expect(result.detail).toMatch(detail);
  });

  it('reports every participating server with its job', () => {
    const result = classifyJobs(
      [
        job(J1, JobStatus.STARTED, [[S1, LaunchStatus.IN_PROGRESS]]),
        job(J2, JobStatus.STARTED, [[S2, LaunchStatus.PENDING]]),
        job('drsjob-00000000000000009', JobStatus.STARTED, [['s-00000000000000009', LaunchStatus.FAILED]]),
      ],
      [J1, J2],
    );
    // The unrequested job is ignored.
    expect(result.verdict).toBe('pending');
    expect(result.servers).toEqual([
      {
        sourceServerID: S1,
        recoveryInstanceID: 'i-0123abcd',
        launchStatus: LaunchStatus.IN_PROGRESS,
        jobId: J1,
      },
      { sourceServerID: S2, recoveryInstanceID: 'i-0123abcd', launchStatus: LaunchStatus.PENDING, jobId: J2 },
    ]);
  });
});
