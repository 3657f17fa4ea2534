import { describe, expect, it } from 'vitest';
import { buildIamPolicy, FORBIDDEN_ACTIONS, grantedActions, policyNotes } from '../../src/iam/policy.js';
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

  it.each(['if-unhealthy', 'always'])(
    'restore: %s -> StartRecovery on the plan source servers only',
    (mode) => {
      const p = plan(`backout: { restore: ${mode} }`);
      const restore = statement(p, 'DrsRestoreRecoveryPoint');
      expect(restore?.Action).toEqual(['drs:StartRecovery']);
      expect(restore?.Resource).toEqual([
        'arn:aws:drs:eu-west-1:*:source-server/s-1234567890abcdef0',
        'arn:aws:drs:eu-west-1:*:source-server/s-1234567890abcdef1',
        'arn:aws:drs:eu-west-1:*:source-server/s-abcdef01234567890',
      ]);
      expect(grantedActions(buildIamPolicy(p))).toContain('ec2:RunInstances');
    },
  );

  it('no topic -> no sns; a topic -> sns:Publish on that topic only, with a KMS note', () => {
    expect(grantedActions(buildIamPolicy(plan())).some((a) => a.startsWith('sns:'))).toBe(false);
    const topic = 'arn:aws:sns:eu-west-1:111122223333:failback.fifo';
    const p = plan(`notifications: { topicArn: ${topic} }`);
    expect(statement(p, 'NotifyPlanTopic')).toMatchObject({ Action: ['sns:Publish'], Resource: topic });
    expect(policyNotes(p).join(' ')).toContain('kms:GenerateDataKey*');
  });

  it.each(['never', 'if-unhealthy', 'always'])(
    'never grants a destructive or wildcard action (restore %s)',
    (mode) => {
      const p = plan(
        `backout: { restore: ${mode} }\nnotifications: { topicArn: arn:aws:sns:eu-west-1:111122223333:t }`,
      );
      const actions = grantedActions(buildIamPolicy(p));
      for (const forbidden of FORBIDDEN_ACTIONS) expect(actions).not.toContain(forbidden);
      expect(actions.some((a) => a.includes('*') && !a.endsWith('DataKey*'))).toBe(false);
      expect(actions.some((a) => /^drs:(Terminate|Disconnect|StopReplication|Delete)/.test(a))).toBe(false);
    },
  );

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
