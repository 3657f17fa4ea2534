import { describe, expect, it } from 'vitest';
import {
  ALWAYS_FORBIDDEN_ACTIONS,
  buildIamPolicy,
  FORBIDDEN_ACTIONS,
  forbiddenActionsFor,
  grantedActions,
  type PolicyDocument,
  policyNotes,
} from '../../src/iam/policy.js';
import { parsePlan } from '../../src/plan/load.js';
import type { Plan } from '../../src/plan/types.js';

const planText = (extra: string) => `
version: 1
name: payments
region: eu-west-1
objectives: { rpo: 15m, rto: 4h }
${extra}
waves:
  - name: db
    servers:
      - sourceServerID: s-1234567890abcdef0
      - sourceServerID: s-1234567890abcdef1
  - name: app
    servers:
      - sourceServerID: s-abcdef01234567890
`;
const plan = (extra = ''): Plan => parsePlan(planText(extra), 'plan.yaml');
const statement = (p: Plan, sid: string) => buildIamPolicy(p).Statement.find((s) => s.Sid === sid);

describe('buildIamPolicy', () => {
  it('grants the read, failback and tagging actions every plan needs', () => {
    const actions = grantedActions(buildIamPolicy(plan('backout: { restore: never }')));
    for (const a of [
      'drs:DescribeSourceServers',
      'drs:DescribeRecoveryInstances',
      'drs:DescribeRecoverySnapshots',
      'drs:DescribeJobs',
      'drs:DescribeJobLogItems',
      'drs:StartFailbackLaunch',
      'drs:StopFailback',
      'drs:TagResource',
      'ec2:DescribeInstances',
      'ec2:DescribeInstanceStatus',
    ]) {
      expect(actions).toContain(a);
    }
  });

  it('restore: never -> no StartRecovery and none of its EC2 dependencies', () => {
    const actions = grantedActions(buildIamPolicy(plan('backout: { restore: never }')));
    expect(actions).not.toContain('drs:StartRecovery');
    expect(actions).not.toContain('ec2:RunInstances');
    expect(actions).not.toContain('iam:PassRole');
    expect(actions.filter((a) => a.startsWith('ec2:'))).toEqual([
      'ec2:DescribeInstanceStatus',
      'ec2:DescribeInstances',
    ]);
  });

  it.each(['if-unhealthy'])('restore: %s -> StartRecovery on the plan source servers only', (mode) => {
    const p = plan(`backout: { restore: ${mode} }`);
    const restore = statement(p, 'DrsRestoreRecoveryPoint');
    expect(restore?.Action).toEqual(['drs:StartRecovery']);
    expect(restore?.Resource).toEqual([
      'arn:aws:drs:eu-west-1:*:source-server/s-1234567890abcdef0',
      'arn:aws:drs:eu-west-1:*:source-server/s-1234567890abcdef1',
      'arn:aws:drs:eu-west-1:*:source-server/s-abcdef01234567890',
    ]);
    expect(grantedActions(buildIamPolicy(p))).toContain('ec2:RunInstances');
  });

  it('no topic -> no sns; a topic -> sns:Publish on that topic only, with a KMS note', () => {
    expect(grantedActions(buildIamPolicy(plan())).some((a) => a.startsWith('sns:'))).toBe(false);
    const topic = 'arn:aws:sns:eu-west-1:111122223333:failback.fifo';
    const p = plan(`notifications: { topicArn: ${topic} }`);
    expect(statement(p, 'NotifyPlanTopic')).toMatchObject({ Action: ['sns:Publish'], Resource: topic });
    expect(policyNotes(p).join(' ')).toContain('kms:GenerateDataKey*');
  });

  it.each(['never', 'if-unhealthy'])('never grants a destructive or wildcard action (restore %s)', (mode) => {
    const p = plan(
      `backout: { restore: ${mode} }\nnotifications: { topicArn: arn:aws:sns:eu-west-1:111122223333:t }`,
    );
    const actions = grantedActions(buildIamPolicy(p));
    for (const forbidden of FORBIDDEN_ACTIONS) expect(actions).not.toContain(forbidden);
    expect(actions.some((a) => a.includes('*') && !a.endsWith('DataKey*'))).toBe(false);
    expect(actions.some((a) => /^drs:(Terminate|Disconnect|StopReplication|Delete)/.test(a))).toBe(false);
  });

  it('EC2 deletions that StartRecovery depends on apply only to DRS-managed resources', () => {
    const s = statement(plan(), 'Ec2ForStartRecoveryDrsManagedOnly');
    expect(s?.Condition?.Null).toEqual({ 'aws:ResourceTag/AWSElasticDisasterRecoveryManaged': 'false' });
  });

  it('uses * only where DRS has no resource-level permissions, and stays in the plan region', () => {
    const policy = buildIamPolicy(plan());
    for (const s of policy.Statement) {
      if (s.Resource === '*')
        expect(s.Condition?.StringEquals?.['aws:RequestedRegion'], s.Sid).toBe('eu-west-1');
      else
        for (const r of [s.Resource].flat()) expect(r, s.Sid).toMatch(/^arn:aws:(drs:eu-west-1|iam:|sns:)/);
    }
    expect(statement(plan(), 'DrsFailback')?.Resource).toBe('arn:aws:drs:eu-west-1:*:recovery-instance/*');
  });

  it('TagResource only for the tags StartFailbackLaunch sends, on create', () => {
    const s = statement(plan('backout: { restore: never }'), 'DrsTagJobsOnCreate');
    expect(s?.Condition).toEqual({
      StringEquals: { 'drs:CreateAction': ['StartFailbackLaunch'] },
      'ForAllValues:StringEquals': { 'aws:TagKeys': ['drs-failback:run', 'drs-failback:wave'] },
    });
  });
});

/** Actions granted in `region`: by a resource ARN of that region or an aws:RequestedRegion condition. */
function actionsIn(policy: PolicyDocument, region: string): string[] {
  const inRegion = policy.Statement.filter((s) => {
    const condition = s.Condition?.StringEquals?.['aws:RequestedRegion'];
    if (condition !== undefined) return condition === region;
    return [s.Resource].flat().some((r) => r.startsWith(`arn:aws:drs:${region}:`));
  });
  return [...new Set(inRegion.flatMap((s) => s.Action))].sort();
}

const ORIGIN_READS = [
  'drs:DescribeJobLogItems',
  'drs:DescribeJobs',
  'drs:DescribeRecoveryInstances',
  'drs:DescribeSourceServers',
  'ec2:DescribeInstanceStatus',
  'ec2:DescribeInstances',
];

describe('buildIamPolicy: EC2-origin servers (--origin-region)', () => {
  const ec2Plan = (after = '') => plan(`backout: { restore: never }\n${after}`);

  it('without origin regions: on-premises origin only, and the notes say so', () => {
    const p = plan('afterFailback: { reprotect: true, cleanup: true }');
    const actions = grantedActions(buildIamPolicy(p));
    expect(actions).not.toContain('drs:ReverseReplication');
    expect(actions).not.toContain('drs:TerminateRecoveryInstances');
    expect(buildIamPolicy(p)).toEqual(buildIamPolicy(p, { originRegions: [] }));
    const notes = policyNotes(p).join(' ');
    expect(notes).toContain('on-premises origin only');
    expect(notes).toContain('--origin-region');
    expect(notes).toContain('cleanup: true has no effect without --origin-region');
  });

  it('an origin region adds exactly the flow: ReverseReplication in the DR region, reads, StartRecovery and tagging there', () => {
    const p = ec2Plan();
    const onPremises = buildIamPolicy(p);
    const policy = buildIamPolicy(p, { originRegions: ['us-west-2'] });
    // The DR region gains only ReverseReplication (prepare), on its recovery instances.
    expect(actionsIn(policy, 'eu-west-1')).toEqual(
      [...actionsIn(onPremises, 'eu-west-1'), 'drs:ReverseReplication'].sort(),
    );
    expect(policy.Statement.find((s) => s.Sid === 'DrsReverseReplicationForPrepare')).toMatchObject({
      Action: ['drs:ReverseReplication'],
      Resource: 'arn:aws:drs:eu-west-1:*:recovery-instance/*',
    });
    const west = actionsIn(policy, 'us-west-2');
    for (const a of [...ORIGIN_READS, 'drs:StartRecovery', 'drs:TagResource', 'ec2:RunInstances'])
      expect(west, a).toContain(a);
    // StartRecovery launches with the DRS instance role, also when backout restores are off.
    expect(grantedActions(policy)).toContain('iam:PassRole');
    expect(grantedActions(onPremises)).not.toContain('iam:PassRole');
    expect(west).not.toContain('drs:ReverseReplication');
    expect(west).not.toContain('drs:StartFailbackLaunch');
    expect(west).not.toContain('drs:StopFailback');
    expect(west).not.toContain('drs:TerminateRecoveryInstances');
    // StartRecovery on the reversed source servers of that region (created by prepare: ids unknown).
    expect(policy.Statement.find((s) => s.Sid === 'OriginUsWest2DrsStartRecovery')).toMatchObject({
      Action: ['drs:StartRecovery'],
      Resource: 'arn:aws:drs:us-west-2:*:source-server/*',
    });
    expect(policy.Statement.find((s) => s.Sid === 'OriginUsWest2DrsTagJobsOnCreate')?.Condition).toEqual({
      StringEquals: { 'drs:CreateAction': ['StartRecovery'] },
      'ForAllValues:StringEquals': { 'aws:TagKeys': ['drs-failback:run', 'drs-failback:wave'] },
    });
    expect(
      policy.Statement.find((s) => s.Sid === 'OriginUsWest2DrsStartRecoveryEc2DrsManagedOnly')?.Condition,
    ).toEqual({
      StringEquals: { 'aws:RequestedRegion': 'us-west-2' },
      Null: { 'aws:ResourceTag/AWSElasticDisasterRecoveryManaged': 'false' },
    });
    expect(policyNotes(p, { originRegions: ['us-west-2'] }).join(' ')).toContain('us-west-2');
  });

  it('reprotect: true -> ReverseReplication in the origin region too; false -> not', () => {
    const on = buildIamPolicy(ec2Plan('afterFailback: { reprotect: true }'), {
      originRegions: ['us-west-2'],
    });
    const off = buildIamPolicy(ec2Plan('afterFailback: { reprotect: false }'), {
      originRegions: ['us-west-2'],
    });
    expect(actionsIn(on, 'us-west-2')).toContain('drs:ReverseReplication');
    expect(on.Statement.find((s) => s.Sid === 'OriginUsWest2DrsReprotect')?.Resource).toBe(
      'arn:aws:drs:us-west-2:*:recovery-instance/*',
    );
    expect(actionsIn(off, 'us-west-2')).not.toContain('drs:ReverseReplication');
  });

  it.each([
    ['cleanup: true', 'afterFailback: { cleanup: true }', true],
    ['cleanup: false', 'afterFailback: { cleanup: false }', false],
    ['no afterFailback', '', false],
  ])('%s -> TerminateRecoveryInstances in the DR region only when asked', (_name, after, granted) => {
    const p = ec2Plan(after);
    const policy = buildIamPolicy(p, { originRegions: ['us-west-2'] });
    const actions = grantedActions(policy);
    expect(actions.includes('drs:TerminateRecoveryInstances')).toBe(granted);
    expect(actionsIn(policy, 'us-west-2')).not.toContain('drs:TerminateRecoveryInstances');
    if (granted) {
      expect(policy.Statement.find((s) => s.Sid === 'DrsCleanupOldRecoveryInstances')).toMatchObject({
        Action: ['drs:TerminateRecoveryInstances'],
        Resource: 'arn:aws:drs:eu-west-1:*:recovery-instance/*',
      });
    }
    const forbidden = forbiddenActionsFor(p, { originRegions: ['us-west-2'] });
    expect(forbidden.includes('drs:TerminateRecoveryInstances')).toBe(!granted);
    for (const f of forbidden) expect(actions).not.toContain(f);
  });

  it.each([
    [[] as string[], 'afterFailback: { reprotect: true, cleanup: true }'],
    [['us-west-2'], 'afterFailback: { reprotect: true, cleanup: true }'],
    [['us-west-2', 'eu-central-1'], 'afterFailback: { reprotect: true, cleanup: false }'],
    [['us-west-2'], ''],
  ])('origin regions %j, %s: never an always-forbidden or wildcard action', (originRegions, after) => {
    const p = plan(`${after}\nnotifications: { topicArn: arn:aws:sns:eu-west-1:111122223333:t }`);
    const actions = grantedActions(buildIamPolicy(p, { originRegions }));
    for (const f of ALWAYS_FORBIDDEN_ACTIONS) expect(actions).not.toContain(f);
    for (const f of forbiddenActionsFor(p, { originRegions })) expect(actions).not.toContain(f);
    expect(actions.some((a) => a.includes('*') && !a.endsWith('DataKey*'))).toBe(false);
    expect(actions.some((a) => /^drs:(Disconnect|StopReplication|Delete)/.test(a))).toBe(false);
  });

  it('two origin regions: each gets its own statements, scoped to itself', () => {
    const policy = buildIamPolicy(ec2Plan(), { originRegions: ['us-west-2', 'eu-central-1', 'us-west-2'] });
    for (const region of ['us-west-2', 'eu-central-1']) {
      for (const a of [...ORIGIN_READS, 'drs:StartRecovery', 'drs:TagResource'])
        expect(actionsIn(policy, region), `${region} ${a}`).toContain(a);
    }
    const sids = policy.Statement.map((s) => s.Sid);
    expect(new Set(sids).size).toBe(sids.length);
    for (const s of policy.Statement) {
      if (!s.Sid.startsWith('Origin')) continue;
      const region = s.Sid.startsWith('OriginUsWest2') ? 'us-west-2' : 'eu-central-1';
      const scoped =
        s.Condition?.StringEquals?.['aws:RequestedRegion'] === region ||
        [s.Resource].flat().every((r) => r.startsWith(`arn:aws:drs:${region}:`));
      expect(scoped, s.Sid).toBe(true);
    }
  });

  it('FORBIDDEN_ACTIONS still lists the clean-up for plans that do not opt in', () => {
    expect(FORBIDDEN_ACTIONS).toContain('drs:TerminateRecoveryInstances');
    expect(ALWAYS_FORBIDDEN_ACTIONS).not.toContain('drs:TerminateRecoveryInstances');
  });
});
