import { describe, expect, it } from 'vitest';
import type { RunEvent, RunEventBody } from '../../src/events.js';
import { buildReport, formatMs, renderReportJson, renderReportMarkdown } from '../../src/report/index.js';
import { testPlan } from '../store/helpers.js';

const RUN = 'run-20260101T000000Z-report';
const S1 = 's-00000000000000001';
const S2 = 's-00000000000000002';
const T0 = Date.parse('2026-01-01T00:00:00Z');
const MIN = 60_000;

let clock = T0;
const ev = (offsetMin: number, body: RunEventBody): RunEvent => {
  clock = T0 + offsetMin * MIN;
  return { ...body, at: new Date(clock).toISOString(), runId: RUN } as RunEvent;
};

const request = (at: number, operation: string, input: unknown = {}): RunEvent =>
  ev(at, { type: 'aws.request', service: 'drs', region: 'us-east-1', operation, input });
const response = (
  at: number,
  operation: string,
  requestId: string,
  error?: { name: string; message: string },
) =>
  ev(at, {
    type: 'aws.response',
    service: 'drs',
    operation,
    ok: !error,
    requestId,
    ...(error ? { error } : {}),
  });

/** A run whose launch failed: backout relaunched S2 at a recovery point; interrupted once. */
function backedOutRun(): RunEvent[] {
  return [
    ev(0, { type: 'run.started', plan: 'payments', waves: 1, servers: 2, simulated: true }),
    ev(0, { type: 'state', machine: 'plan', from: null, to: 'running' }),
    ev(0, { type: 'state', machine: 'wave', wave: 'all', from: null, to: 'precheck' }),
    ev(1, {
      type: 'check',
      wave: 'all',
      server: S1,
      name: 'rpo',
      status: 'pass',
      detail: 'failback replication CONTINUOUS, lag 240 s within the RPO of 900 s, no backlog',
      data: {
        basis: 'failback-replication',
        rpoMs: 15 * MIN,
        recoveryInstanceId: 'i-00000000000000001',
        replicationState: 'CONTINUOUS',
        lagDuration: 'PT4M',
        lagMs: 4 * MIN,
        backlogBytes: 0,
        replicationError: null,
        clientLastSeenAt: '2026-01-01T00:00:00.000Z',
        clientSilentMs: 0,
        clientSilenceLimitMs: 10 * MIN,
        awsNow: '2026-01-01T00:01:00.000Z',
        problems: [],
      },
    }),
    ev(1, {
      type: 'check',
      wave: 'all',
      server: S1,
      name: 'backout-point',
      status: 'pass',
      detail: 'a backout relaunch could restore 2025-12-31T23:57:00.000Z',
      data: { snapshotAt: '2025-12-31T23:57:00.000Z', snapshotId: 'pit-00000000000000001', ageMs: 4 * MIN },
    }),
    ev(1, {
      type: 'check',
      wave: 'all',
      server: S2,
      name: 'rpo',
      status: 'pass',
      detail: 'failback replication CONTINUOUS, lag 600 s within the RPO of 900 s, no backlog',
      data: {
        basis: 'failback-replication',
        rpoMs: 15 * MIN,
        recoveryInstanceId: 'i-00000000000000002',
        replicationState: 'CONTINUOUS',
        lagDuration: 'PT10M',
        lagMs: 10 * MIN,
        backlogBytes: 0,
        replicationError: null,
        clientLastSeenAt: '2026-01-01T00:00:00.000Z',
        clientSilentMs: 0,
        clientSilenceLimitMs: 10 * MIN,
        awsNow: '2026-01-01T00:01:00.000Z',
        problems: [],
      },
    }),
    ev(1, {
      type: 'check',
      wave: 'all',
      server: S2,
      name: 'backout-point',
      status: 'pass',
      detail: 'a backout relaunch could restore 2025-12-31T23:51:00.000Z',
      data: { snapshotAt: '2025-12-31T23:51:00.000Z', snapshotId: 'pit-00000000000000002', ageMs: 10 * MIN },
    }),
    ev(1, { type: 'state', machine: 'wave', wave: 'all', from: 'precheck', to: 'awaitingApproval' }),
    ev(1, {
      type: 'approval.requested',
      wave: 'all',
      pointOfNoReturn: 'StartFailbackLaunch for 2 recovery instance(s)',
    }),
    ev(3, { type: 'approval.given', wave: 'all', approver: 'alice', via: 'terminal', by: 'alice' }),
    ev(3, { type: 'state', machine: 'wave', wave: 'all', from: 'awaitingApproval', to: 'startingFailback' }),
    request(3, 'StartFailbackLaunch', { recoveryInstanceIDs: ['i-00000000000000001'] }),
    // The process died here: no answer logged, then the run was resumed.
    ev(4, { type: 'run.started', plan: 'payments', waves: 1, servers: 2, simulated: true }),
    request(4, 'DescribeRecoveryInstances'),
    response(4, 'DescribeRecoveryInstances', 'req-2'),
    ev(4, { type: 'state', machine: 'wave', wave: 'all', from: 'startingFailback', to: 'monitoringJob' }),
    request(5, 'DescribeJobs'),
    response(5, 'DescribeJobs', 'req-3', { name: 'ThrottlingException', message: 'Rate exceeded' }),
    ev(20, {
      type: 'job.log',
      wave: 'all',
      jobId: 'drsjob-1',
      event: 'LAUNCH_FAILED',
      server: S2,
      logDateTime: '',
    }),
    ev(20, {
      type: 'state',
      machine: 'wave',
      wave: 'all',
      from: 'monitoringJob',
      to: 'backout.stoppingFailback',
    }),
    request(20, 'StopFailback', { recoveryInstanceID: 'i-00000000000000001' }),
    response(20, 'StopFailback', 'req-4'),
    request(21, 'StartRecovery', { sourceServers: [{ sourceServerID: S2, recoverySnapshotID: 'pit-1' }] }),
    response(21, 'StartRecovery', 'req-5'),
    ev(21, { type: 'notification', topicArn: 'arn:t', subject: 'backing out', messageId: 'm-1' }),
    ev(22, {
      type: 'notification',
      topicArn: 'arn:t',
      subject: 'backed out',
      error: 'InternalErrorException: down',
    }),
    ev(50, {
      type: 'state',
      machine: 'wave',
      wave: 'all',
      from: 'backout.restoringRecoveryPoint',
      to: 'backedOut',
    }),
    ev(50, { type: 'state', machine: 'plan', from: 'running', to: 'backedOut' }),
    ev(50, { type: 'run.finished', outcome: 'backed-out', waves: [{ name: 'all', outcome: 'backed-out' }] }),
  ];
}

const finalSnapshot = {
  status: 'done',
  context: {
    rpoMs: 15 * MIN,
    rtoMs: 240 * MIN,
    rtoDeadlineAt: T0 + 240 * MIN,
    results: [
      {
        name: 'all',
        outcome: 'backed-out',
        failure: { code: 'launch-failed', message: 's-2 FAILED' },
        jobIds: ['drsjob-1'],
        backout: {
          reason: { code: 'launch-failed', message: 's-2 FAILED' },
          stopped: ['i-00000000000000001'],
          stopFailures: [],
          needsRestore: [S2],
          restored: [
            { sourceServerID: S2, recoverySnapshotID: 'pit-1', snapshotAt: '2025-12-31T23:50:00.000Z' },
          ],
          restoreJobIds: ['drsjob-2'],
          restoreDeadlineAt: null,
          restoreJobDeadlineAt: null,
          health: [],
        },
      },
    ],
  },
};

describe('buildReport', () => {
  const report = buildReport({
    runId: RUN,
    events: backedOutRun(),
    snapshot: finalSnapshot,
    plan: testPlan(),
  });

  it('says what happened: outcome, resumes, RTO achieved and RPO at cutover against the objectives', () => {
    expect(report).toMatchObject({
      runId: RUN,
      plan: 'payments',
      simulated: true,
      outcome: 'backed-out',
      resumes: 1,
      startedAt: '2026-01-01T00:00:00.000Z',
      finishedAt: '2026-01-01T00:50:00.000Z',
      rto: {
        objectiveMs: 240 * MIN,
        achievedMs: 50 * MIN,
        // A backed-out run missed its objective (a completed failback), however quick it was.
        met: false,
        deadlineAt: '2026-01-01T04:00:00.000Z',
      },
      // S2's newest point was 10 minutes old when the precheck ran at 00:01.
      rpo: { objectiveMs: 15 * MIN, worstAgeMs: 10 * MIN, met: true },
    });
  });

  it('pairs every AWS call with its answer and request id; a call cut off by the crash has none', () => {
    expect(report.awsCalls.map((c) => [c.operation, c.requestId, c.ok])).toEqual([
      ['StartFailbackLaunch', null, null],
      ['DescribeRecoveryInstances', 'req-2', true],
      ['DescribeJobs', 'req-3', false],
      ['StopFailback', 'req-4', true],
      ['StartRecovery', 'req-5', true],
    ]);
    expect(report.awsCalls[0]).toMatchObject({
      mutating: true,
      input: { recoveryInstanceIDs: ['i-00000000000000001'] },
    });
    expect(report.awsCalls[1]?.input).toBeUndefined();
    expect(report.awsCalls[2]?.error).toEqual({ name: 'ThrottlingException', message: 'Rate exceeded' });
    expect(report.gaps.join('\n')).toMatch(
      /StartFailbackLaunch sent at 2026-01-01T00:03:00.000Z has no logged answer/,
    );
  });

  it('lists the timeline, approvals (who, when) and notifications (message ids, failures)', () => {
    expect(report.timeline.map((t) => t.to)).toEqual([
      'running',
      'precheck',
      'awaitingApproval',
      'startingFailback',
      'monitoringJob',
      'backout.stoppingFailback',
      'backedOut',
      'backedOut',
    ]);
    expect(report.approvals).toEqual([
      {
        wave: 'all',
        requestedAt: '2026-01-01T00:01:00.000Z',
        pointOfNoReturn: 'StartFailbackLaunch for 2 recovery instance(s)',
        decision: 'given',
        by: 'alice',
        approver: 'alice',
        via: 'terminal',
        at: '2026-01-01T00:03:00.000Z',
      },
    ]);
    expect(report.notifications.map((n) => [n.messageId, n.error])).toEqual([
      ['m-1', null],
      [null, 'InternalErrorException: down'],
    ]);
  });

  it('gives per-server results and, for the backout, what was restored from which recovery point', () => {
    const wave = report.waves[0];
    expect(wave).toMatchObject({ name: 'all', outcome: 'backed-out', jobIds: ['drsjob-1'] });
    expect(wave?.servers).toEqual([
      expect.objectContaining({
        sourceServerID: S1,
        recoveryPointAgeMs: 4 * MIN,
        lastJobEvent: null,
        restoredFrom: null,
      }),
      expect.objectContaining({
        sourceServerID: S2,
        newestRecoveryPointAt: '2025-12-31T23:51:00.000Z',
        lastJobEvent: 'LAUNCH_FAILED',
        restoredFrom: {
          sourceServerID: S2,
          recoverySnapshotID: 'pit-1',
          snapshotAt: '2025-12-31T23:50:00.000Z',
        },
      }),
    ]);
    expect(wave?.backout).toMatchObject({ stopped: ['i-00000000000000001'], restoreJobIds: ['drsjob-2'] });
  });

  it('reports an unfinished run as such, with its gaps', () => {
    const partial = buildReport({ runId: RUN, events: backedOutRun().slice(0, 9) });
    expect(partial.outcome).toBeNull();
    expect(partial.rto.achievedMs).toBeNull();
    expect(partial.gaps.join('\n')).toMatch(/has not finished/);
    expect(partial.waves.map((w) => [w.name, w.outcome])).toEqual([['all', 'in progress']]);
  });
});

describe('rendering', () => {
  const report = buildReport({
    runId: RUN,
    events: backedOutRun(),
    snapshot: finalSnapshot,
    plan: testPlan(),
  });

  it('Markdown carries the facts an auditor asks for', () => {
    const md = renderReportMarkdown(report);
    expect(md).toMatch(/^# Failback evidence: run-20260101T000000Z-report\n/);
    expect(md).toContain('| RTO | achieved 50m 00s of 4h 00m: **missed** |');
    expect(md).not.toContain(': met |\n| RTO deadline');
    expect(md).toContain('- s-00000000000000002 from pit-1, taken 2025-12-31T23:50:00.000Z');
    expect(md).toContain(
      '| all | 2026-01-01T00:01:00.000Z | given | alice via terminal | 2026-01-01T00:03:00.000Z |',
    );
    expect(md).toContain('| 2026-01-01T00:21:00.000Z | StartRecovery | req-5 | ok |');
    expect(md).toContain('no answer logged');
    expect(md).toContain('InternalErrorException: down');
  });

  it('JSON round-trips', () => {
    expect(JSON.parse(renderReportJson(report))).toEqual(report);
  });

  it('formats durations', () => {
    expect(formatMs(null)).toBe('unknown');
    expect(formatMs(4_000)).toBe('4s');
    expect(formatMs(61_000)).toBe('1m 01s');
    expect(formatMs(3_723_000)).toBe('1h 02m');
  });
});
