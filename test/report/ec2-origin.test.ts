// The evidence report for waves with servers that came from EC2: origin region, reversed source
// servers, the launch there (left for inspection on backout), re-protect, clean-up, what was left.
import { describe, expect, it } from 'vitest';
import type { CheckData } from '../../machines/types.js';
import type { RunEvent, RunEventBody } from '../../src/events.js';
import { type AfterFailbackLike, buildReport, renderReportMarkdown } from '../../src/report/index.js';
import { testPlan } from '../store/helpers.js';

const RUN = 'run-20260101T000000Z-ec2org';
const A = 's-a000000000000000a';
const B = 's-a000000000000000b';
const P = 's-p000000000000000p';
const REV_A = 's-b000000000000000a';
const REV_B = 's-b000000000000000b';
const RI_A = 'i-0aaaaaaaaaaaaaaa1';
const RI_B = 'i-0bbbbbbbbbbbbbbb1';
const RI_P = 'i-0ccccccccccccccc1';
const NEW_A = 'i-0ddddddddddddddd1';
const NEW_B = 'i-0eeeeeeeeeeeeeee1';
const T0 = Date.parse('2026-01-01T00:00:00Z');
const WEST = 'us-west-2';

let minute = 0;
const ev = (body: RunEventBody, at = minute): RunEvent => {
  minute = at;
  return { ...body, at: new Date(T0 + at * 60_000).toISOString(), runId: RUN } as RunEvent;
};
const state = (from: string | null, to: string) =>
  ev({ type: 'state', machine: 'wave', wave: 'all', from, to });
const check = (
  server: string,
  name: string,
  detail: string,
  data: CheckData,
  status: 'pass' | 'fail' = 'pass',
) => ev({ type: 'check', wave: 'all', server, name, status, detail, data });
const instance = (recoveryInstanceId: string, ec2InstanceId: string | null = null) => ({
  recoveryInstanceIds: [recoveryInstanceId],
  recoveryInstanceId,
  ec2InstanceId,
});
const fromEc2 = { originEnvironment: 'AWS', flow: 'ec2-origin' };
const reversedTo = (reversedSourceServerId: string) => ({
  reversedSourceServerArn: `arn:aws:drs:${WEST}:444455556666:source-server/${reversedSourceServerId}`,
  reversedSourceServerId,
  originRegion: WEST,
  replicationState: 'CONTINUOUS',
});
const request = (region: string, operation: string, input: unknown) =>
  ev({ type: 'aws.request', service: 'drs', region, operation, input });
const log = (event: string, server?: string) =>
  ev({
    type: 'job.log',
    wave: 'all',
    jobId: 'drsjob-west0000000000001',
    event,
    ...(server ? { server } : {}),
    logDateTime: '',
  });

/** Precheck of A and B (EC2 origin, us-west-2) and P (on premises), approval, StartRecovery, job log. */
function launched(failB: boolean): RunEvent[] {
  minute = 0;
  return [
    ev({ type: 'run.started', plan: 'payments', waves: 1, servers: 3, simulated: true }),
    state(null, 'precheck'),
    check(
      A,
      'recovery-instance',
      `recovery instance ${RI_A} (EC2 i-0123456789abcdef1)`,
      instance(RI_A, 'i-0123456789abcdef1'),
    ),
    check(A, 'origin', `${A} came from EC2 (originEnvironment AWS): reverse replication flow`, fromEc2),
    check(B, 'recovery-instance', `recovery instance ${RI_B}`, instance(RI_B)),
    check(B, 'origin', `${B} came from EC2 (originEnvironment AWS): reverse replication flow`, fromEc2),
    check(P, 'recovery-instance', `recovery instance ${RI_P}`, instance(RI_P)),
    check(P, 'failback-state', 'failback state FAILBACK_READY_FOR_LAUNCH', {
      recoveryInstanceId: RI_P,
      failbackState: 'FAILBACK_READY_FOR_LAUNCH',
      classification: 'ready',
      expected: 'FAILBACK_READY_FOR_LAUNCH',
    }),
    check(
      A,
      'reverse-replication',
      `reversed source server ${REV_A}: replication to ${WEST} is CONTINUOUS`,
      reversedTo(REV_A),
    ),
    check(
      A,
      'rpo',
      `reversed source server ${REV_A}: replication lag PT30S (30 s) is within the RPO; RPO is 900 s`,
      {
        basis: 'replication-lag',
        rpoMs: 900_000,
        reversedSourceServerId: REV_A,
        originRegion: WEST,
        lagDuration: 'PT30S',
        lagMs: 30_000,
      },
    ),
    check(
      B,
      'reverse-replication',
      `reversed source server ${REV_B}: replication to ${WEST} is CONTINUOUS`,
      reversedTo(REV_B),
    ),
    check(P, 'backout-point', 'a backout relaunch could restore 2025-12-31T23:58:00.000Z', {
      snapshotAt: '2025-12-31T23:58:00.000Z',
      snapshotId: 'pit-00000000000000001',
      ageMs: 120_000,
    }),
    state('precheck', 'awaitingApproval'),
    ev({ type: 'approval.given', wave: 'all', approver: 'alice', via: 'terminal', by: 'alice' }, 1),
    state('awaitingApproval', 'startingFailback'),
    request('us-east-1', 'StartFailbackLaunch', { recoveryInstanceIDs: [RI_P] }),
    request(WEST, 'StartRecovery', {
      sourceServers: [{ sourceServerID: REV_A }, { sourceServerID: REV_B }],
      isDrill: false,
      tags: { 'drs-failback:run': RUN, 'drs-failback:wave': 'w' },
    }),
    state('startingFailback', 'monitoringJob'),
    log('JOB_START'),
    log('LAUNCH_START', REV_A),
    log('LAUNCH_START', REV_B),
    ...(failB ? [log('LAUNCH_FAILED', REV_B)] : []),
    ev(
      { type: 'job.log', wave: 'all', jobId: 'drsjob-west0000000000001', event: 'JOB_END', logDateTime: '' },
      20,
    ),
  ];
}

function completed(after: AfterFailbackLike, reprotectAsked: boolean): RunEvent[] {
  return [
    ...launched(false),
    state('monitoringJob', 'verifying'),
    request(WEST, 'DescribeRecoveryInstances', { filters: { recoveryInstanceIDs: [NEW_A, NEW_B] } }),
    ...(reprotectAsked
      ? [
          state('verifying', 'reprotecting.awaitingApproval'),
          request(WEST, 'ReverseReplication', { recoveryInstanceID: NEW_A }),
          request(WEST, 'ReverseReplication', { recoveryInstanceID: NEW_B }),
        ]
      : []),
    state(reprotectAsked ? 'reprotecting' : 'verifying', 'cleaningUp.awaitingApproval'),
    ...(after.terminated.length > 0
      ? [request('us-east-1', 'TerminateRecoveryInstances', { recoveryInstanceIDs: after.terminated })]
      : []),
    state('cleaningUp', 'completed'),
    ev({ type: 'run.finished', outcome: 'completed', waves: [{ name: 'all', outcome: 'completed' }] }, 30),
  ];
}

const plan = testPlan('payments', [A, B, P]);
const result = (outcome: string, afterFailback: AfterFailbackLike | null) => [
  { name: 'all', outcome, failure: null, jobIds: [], backout: null, afterFailback },
];
const ARN_A = 'arn:aws:drs:us-east-1:111122223333:source-server/s-c000000000000000a';
const ARN_B = 'arn:aws:drs:us-east-1:111122223333:source-server/s-c000000000000000b';

describe('report: EC2-origin waves', () => {
  it('completed with re-protect and clean-up: origin region, reversed servers, launched instances, ARNs, nothing left', () => {
    const after: AfterFailbackLike = {
      reprotected: [
        { sourceServerID: A, reversedDirectionSourceServerArn: ARN_A },
        { sourceServerID: B, reversedDirectionSourceServerArn: ARN_B },
      ],
      terminated: [RI_A, RI_B],
      cleanupJobIds: ['drsjob-term0000000000001'],
      failures: [],
      skipped: [],
    };
    const report = buildReport({
      runId: RUN,
      events: completed(after, true),
      plan,
      results: result('completed', after),
    });
    const e = report.waves[0]?.ec2Origin;
    expect(e).toMatchObject({
      originRegions: [WEST],
      launchedInstances: [{ region: WEST, recoveryInstanceIDs: [NEW_A, NEW_B] }],
      leftForInspection: false,
      reprotect: { requested: true, results: after.reprotected },
      cleanup: { terminated: [RI_A, RI_B], jobIds: ['drsjob-term0000000000001'] },
      leftRunning: [],
    });
    // The on-premises server is not part of it.
    expect(e?.servers.map((s) => s.sourceServerID)).toEqual([A, B]);
    expect(e?.servers[0]).toMatchObject({
      originRegion: WEST,
      drRecoveryInstanceID: RI_A,
      reversedSourceServerID: REV_A,
      startRecoverySent: true,
      launch: 'launched',
      launchJobIds: ['drsjob-west0000000000001'],
      reprotectedAs: ARN_A,
    });
    const md = renderReportMarkdown(report);
    expect(md).toContain(`#### EC2-origin servers (origin region ${WEST})`);
    expect(md).toContain(`- Launched in the origin region: ${NEW_A} (${WEST}), ${NEW_B} (${WEST})`);
    expect(md).toContain(`- Re-protected ${A}: ${ARN_A}`);
    expect(md).toContain(
      `- Cleaned up (TerminateRecoveryInstances, jobs drsjob-term0000000000001): ${RI_A}, ${RI_B}`,
    );
    expect(md).toContain('- Left running in the DR region: nothing');
  });

  it('clean-up refused: the old DR recovery instances are listed as left running, with why', () => {
    const after: AfterFailbackLike = {
      reprotected: [],
      terminated: [],
      cleanupJobIds: [],
      failures: [],
      skipped: ['cleanup refused by bob'],
    };
    const report = buildReport({
      runId: RUN,
      events: completed(after, false),
      plan,
      results: result('completed', after),
    });
    const e = report.waves[0]?.ec2Origin;
    expect(e?.leftRunning).toEqual([RI_A, RI_B]);
    expect(e?.reprotect.requested).toBe(false);
    const md = renderReportMarkdown(report);
    expect(md).toContain('- Re-protect: not asked for (afterFailback.reprotect off)');
    expect(md).toContain('- Clean-up: no recovery instance terminated');
    expect(md).toContain('- Skipped: cleanup refused by bob');
    expect(md).toContain(`- Left running in the DR region: ${RI_A}, ${RI_B} (old recovery instances`);
  });

  it('clean-up off (no afterFailback in the result): everything old is left running', () => {
    const events = completed(
      { reprotected: [], terminated: [], cleanupJobIds: [], failures: [], skipped: [] },
      false,
    );
    const report = buildReport({ runId: RUN, events, plan });
    expect(report.waves[0]?.ec2Origin?.leftRunning).toEqual([RI_A, RI_B]);
  });

  it('backed out after the launch in the origin region: left there for inspection, per server what happened', () => {
    const events = [
      ...launched(true),
      state('monitoringJob', 'backout.assessingDrSide'),
      state('backout.assessingDrSide', 'backedOut'),
      ev(
        { type: 'run.finished', outcome: 'backed-out', waves: [{ name: 'all', outcome: 'backed-out' }] },
        25,
      ),
    ];
    const report = buildReport({ runId: RUN, events, plan });
    const e = report.waves[0]?.ec2Origin;
    expect(e?.leftForInspection).toBe(true);
    expect(e?.servers.map((s) => [s.sourceServerID, s.launch, s.lastJobEvent])).toEqual([
      [A, 'launched', 'LAUNCH_START'],
      [B, 'failed', 'LAUNCH_FAILED'],
    ]);
    const md = renderReportMarkdown(report);
    expect(md).toContain(`left for inspection (${REV_A}: launched; ${REV_B}: launch failed)`);
    expect(md).toContain(`The DR recovery instances keep serving: ${RI_A}, ${RI_B}`);
    expect(md).not.toContain('Left running in the DR region');
  });

  it('a precheck failure: no StartRecovery, nothing left for inspection', () => {
    minute = 0;
    const events = [
      ev({ type: 'run.started', plan: 'payments', waves: 1, servers: 1, simulated: true }),
      state(null, 'precheck'),
      check(A, 'recovery-instance', `recovery instance ${RI_A}`, instance(RI_A)),
      check(A, 'origin', `${A} came from EC2 (originEnvironment AWS): reverse replication flow`, fromEc2),
      check(
        A,
        'reverse-replication',
        `reversed source server ${REV_A}: replication to ${WEST} is STALLED; needs CONTINUOUS`,
        { ...reversedTo(REV_A), replicationState: 'STALLED' },
        'fail',
      ),
      state('precheck', 'precheckFailed'),
      ev({
        type: 'run.finished',
        outcome: 'precheck-failed',
        waves: [{ name: 'all', outcome: 'precheck-failed' }],
      }),
    ];
    const e = buildReport({ runId: RUN, events, plan: testPlan('payments', [A]) }).waves[0]?.ec2Origin;
    expect(e?.servers[0]).toMatchObject({
      startRecoverySent: false,
      launch: 'not-started',
      originRegion: WEST,
    });
    expect(e?.leftForInspection).toBe(false);
  });

  it('waves without EC2-origin servers have no EC2-origin section', () => {
    minute = 0;
    const events = [
      ev({ type: 'run.started', plan: 'payments', waves: 1, servers: 1, simulated: true }),
      state(null, 'precheck'),
      check(P, 'recovery-instance', `recovery instance ${RI_P}`, instance(RI_P)),
    ];
    const report = buildReport({ runId: RUN, events, plan: testPlan('payments', [P]) });
    expect(report.waves[0]?.ec2Origin).toBeNull();
    expect(renderReportMarkdown(report)).not.toContain('EC2-origin');
  });
});
