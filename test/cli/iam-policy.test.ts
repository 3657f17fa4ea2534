import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { OPERATIONS, type OperationName } from '../../src/aws/operations.js';
import { iamPolicy } from '../../src/cli/commands/iam-policy.js';
import type { CliIO } from '../../src/cli/io.js';
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
  it("servicequotas:GetServiceQuota only for a plan that reads DRS's job quotas, in every launch region", () => {
    // Waves of 2 and 1 servers: one job each at the default 100 per job, so no quota is read.
    expect(grantedActions(buildIamPolicy(plan()))).not.toContain('servicequotas:GetServiceQuota');
    expect(grantedActions(buildIamPolicy(plan('job: { maxServers: 2 }')))).not.toContain(
      'servicequotas:GetServiceQuota',
    );
    // A wave of 2 at 1 per job needs two jobs: the precheck reads the quotas.
    const reading = plan('job: { maxServers: 1 }');
    expect(statement(reading, 'ReadDrsJobQuotas')).toEqual({
      Sid: 'ReadDrsJobQuotas',
      Effect: 'Allow',
      Action: ['servicequotas:GetServiceQuota'],
      Resource: '*',
      Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } },
    });
    const withOrigin = buildIamPolicy(reading, { originRegions: ['us-west-2'] });
    expect(withOrigin.Statement.find((s) => s.Sid === 'ReadDrsJobQuotas')?.Condition).toEqual({
      StringEquals: { 'aws:RequestedRegion': ['eu-west-1', 'us-west-2'] },
    });
  });

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

  it('EC2 deletions that StartRecovery depends on: by resource type, DRS-managed, through DRS only', () => {
    const s = statement(plan(), 'DrsRestoreRecoveryPointEc2DrsManagedOnly');
    expect(s?.Condition).toEqual({
      StringEquals: { 'aws:RequestedRegion': 'eu-west-1' },
      Null: { 'aws:ResourceTag/AWSElasticDisasterRecoveryManaged': 'false' },
      Bool: { 'aws:ViaAWSService': 'true' },
    });
    expect(s?.Resource).toEqual([
      'arn:aws:ec2:eu-west-1:*:instance/*',
      'arn:aws:ec2:eu-west-1:*:launch-template/*',
      'arn:aws:ec2:eu-west-1:*:snapshot/*',
      'arn:aws:ec2:eu-west-1:*:volume/*',
    ]);
    expect([...(s?.Action ?? [])].sort()).toEqual([
      'ec2:DeleteLaunchTemplateVersions',
      'ec2:DeleteSnapshot',
      'ec2:DeleteVolume',
      'ec2:DetachVolume',
      'ec2:StopInstances',
      'ec2:TerminateInstances',
    ]);
    // No statement grants a deletion or a stop without those conditions.
    for (const st of buildIamPolicy(plan(), { originRegions: ['us-west-2'] }).Statement) {
      if (st.Action.some((a) => /^ec2:(Delete|Detach|Stop|Terminate)/.test(a)))
        expect(st.Condition?.Bool, st.Sid).toEqual({ 'aws:ViaAWSService': 'true' });
    }
  });

  it('uses * only where DRS has no resource-level permissions, and stays in the plan region', () => {
    const policy = buildIamPolicy(plan());
    for (const s of policy.Statement) {
      if (s.Resource === '*')
        expect(s.Condition?.StringEquals?.['aws:RequestedRegion'], s.Sid).toBe('eu-west-1');
      else
        for (const r of [s.Resource].flat())
          expect(r, s.Sid).toMatch(/^arn:aws:(drs:eu-west-1|ec2:eu-west-1|iam:|sns:)/);
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
    if (condition !== undefined) return [condition].flat().includes(region);
    return [s.Resource]
      .flat()
      .some((r) => r.startsWith(`arn:aws:drs:${region}:`) || r.startsWith(`arn:aws:ec2:${region}:`));
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
    const p = plan('afterFailback: { reprotect: true }');
    const actions = grantedActions(buildIamPolicy(p));
    expect(actions).not.toContain('drs:ReverseReplication');
    expect(actions).not.toContain('drs:TerminateRecoveryInstances');
    expect(buildIamPolicy(p)).toEqual(buildIamPolicy(p, { originRegions: [] }));
    const notes = policyNotes(p).join(' ');
    expect(notes).toContain('on-premises origin only');
    expect(notes).toContain('--origin-region');
  });

  it.each([
    ['true', 'drs:TerminateRecoveryInstances', 'drs:DisconnectRecoveryInstance'],
    ['terminate', 'drs:TerminateRecoveryInstances', 'drs:DisconnectRecoveryInstance'],
    ['disconnect', 'drs:DisconnectRecoveryInstance', 'drs:TerminateRecoveryInstances'],
  ])(
    'cleanup: %s -> granted for on-premises servers too (no --origin-region), and only that one',
    (mode, yes, no) => {
      const p = plan(`afterFailback: { cleanup: ${mode} }`);
      const actions = grantedActions(buildIamPolicy(p));
      expect(actions).toContain(yes);
      expect(actions).not.toContain(no);
      expect(forbiddenActionsFor(p)).toContain(no);
      expect(forbiddenActionsFor(p)).not.toContain(yes);
      expect(policyNotes(p).join(' ')).toContain(yes);
    },
  );

  it('an origin region adds exactly the flow: ReverseReplication in the DR region, reads, StartRecovery and tagging there', () => {
    const p = ec2Plan();
    const onPremises = buildIamPolicy(p);
    const policy = buildIamPolicy(p, { originRegions: ['us-west-2'] });
    // The DR region gains only ReverseReplication (prepare), on its recovery instances, and its
    // one dependent action not granted already.
    expect(actionsIn(policy, 'eu-west-1')).toEqual(
      [
        ...actionsIn(onPremises, 'eu-west-1'),
        'drs:DescribeReplicationConfigurationTemplates',
        'drs:ReverseReplication',
      ].sort(),
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
      Bool: { 'aws:ViaAWSService': 'true' },
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
        [s.Resource]
          .flat()
          .every((r) => r.startsWith(`arn:aws:drs:${region}:`) || r.startsWith(`arn:aws:ec2:${region}:`));
      expect(scoped, s.Sid).toBe(true);
    }
  });

  it('FORBIDDEN_ACTIONS still lists the clean-up for plans that do not opt in', () => {
    expect(FORBIDDEN_ACTIONS).toContain('drs:TerminateRecoveryInstances');
    expect(ALWAYS_FORBIDDEN_ACTIONS).not.toContain('drs:TerminateRecoveryInstances');
  });
});

/**
 * The table of dependent actions transcribed into docs/iam-policy.md: operation -> its IAM action
 * and its dependent actions (backticked `service:Action` names in the third column).
 */
function documentedDependents(): Map<string, { action: string; dependents: string[] }> {
  const doc = readFileSync(new URL('../../docs/iam-policy.md', import.meta.url), 'utf8');
  const section = doc.slice(doc.indexOf('## Dependent actions (the catalogue)'));
  const rows = new Map<string, { action: string; dependents: string[] }>();
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const op = /^`([A-Za-z]+)`$/.exec(cells[1] ?? '')?.[1];
    const action = /^`([a-z0-9-]+:[A-Za-z]+)`$/.exec(cells[2] ?? '')?.[1];
    if (op === undefined || action === undefined) continue;
    const third = (cells[3] ?? '').replace(/\(sends tags[^)]*\)|\(`kms:[^)]*\)/g, '');
    rows.set(op, {
      action,
      dependents: [...third.matchAll(/`([a-z0-9-]+:[A-Za-z]+)`/g)].map((m) => m[1] ?? ''),
    });
  }
  return rows;
}

describe('the generated policy against the documented dependent actions', () => {
  const rows = documentedDependents();
  // The Step Functions engine's own calls are granted by its deployment (deploy/), not the plan's policy.
  const sent = (Object.keys(OPERATIONS) as OperationName[]).filter(
    (n) => OPERATIONS[n].use === 'sends' && OPERATIONS[n].scope !== 'orchestrator',
  );

  it('the docs table lists every operation the project sends, as the catalogue does', () => {
    expect([...rows.keys()].sort()).toEqual([...sent].sort());
    for (const name of sent) {
      const row = rows.get(name);
      expect(row?.action, name).toBe(OPERATIONS[name].iamAction);
      expect([...(row?.dependents ?? [])].sort(), name).toEqual(
        [...OPERATIONS[name].dependentActions].sort(),
      );
    }
    // StartRecovery: 2 DRS, 32 EC2 (see the table's source note), iam:PassRole.
    expect(rows.get('StartRecovery')?.dependents).toHaveLength(35);
  });

  // Where each operation can be sent, with a plan that makes it sendable: the DR region for the
  // failback, the backout relaunch, prepare and the clean-up; the origin region for the EC2-origin
  // launch and re-protect.
  const everything = plan(
    'backout: { restore: if-unhealthy }\nafterFailback: { reprotect: true, cleanup: true }\nnotifications: { topicArn: arn:aws:sns:eu-west-1:111122223333:t }\njob: { maxServers: 1 }',
  );
  const full = buildIamPolicy(everything, { originRegions: ['us-west-2'] });
  const sentIn: Array<[OperationName, string]> = [
    // AssumeRole only when the plan names roles (its own tests: AssumePlanRoles).
    ...sent
      .filter((n) => n !== 'Publish' && n !== 'AssumeRole')
      .map((n): [OperationName, string] => [n, 'eu-west-1']),
    ['StartRecovery', 'us-west-2'],
    ['ReverseReplication', 'us-west-2'],
    ['DescribeSourceServers', 'us-west-2'],
    ['DescribeJobs', 'us-west-2'],
    ['GetServiceQuota', 'us-west-2'],
  ];

  // The two clean-ups are alternatives: disconnect needs its own plan.
  const disconnecting = buildIamPolicy(plan('afterFailback: { cleanup: disconnect }'), {
    originRegions: ['us-west-2'],
  });
  it.each(sentIn)(
    '%s in %s: its action and every documented dependent action are granted there',
    (name, region) => {
      const policy = name === 'DisconnectRecoveryInstance' ? disconnecting : full;
      const granted = actionsIn(policy, region);
      const row = rows.get(name);
      expect(granted).toContain(row?.action);
      for (const dependent of row?.dependents ?? []) {
        if (dependent.startsWith('iam:')) expect(grantedActions(policy), dependent).toContain(dependent);
        else expect(granted, `${name} -> ${dependent}`).toContain(dependent);
      }
    },
  );

  it.each(['never', 'if-unhealthy'])(
    'restore: %s -> the clean-up brings all its EC2 dependents (deletions scoped)',
    (mode) => {
      const p = plan(`backout: { restore: ${mode} }\nafterFailback: { cleanup: true }`);
      const policy = buildIamPolicy(p, { originRegions: ['us-west-2'] });
      const dr = actionsIn(policy, 'eu-west-1');
      for (const a of OPERATIONS.TerminateRecoveryInstances.dependentActions) expect(dr, a).toContain(a);
      const scoped = policy.Statement.find(
        (s) => s.Sid === 'DrsCleanupOldRecoveryInstancesEc2DrsManagedOnly',
      );
      expect(scoped).toMatchObject({
        Action: ['ec2:DeleteVolume', 'ec2:TerminateInstances'],
        Resource: ['arn:aws:ec2:eu-west-1:*:instance/*', 'arn:aws:ec2:eu-west-1:*:volume/*'],
      });
    },
  );

  it('grants nothing the code never sends: every action is a sent operation, a dependent, or run tagging', () => {
    const allowed = new Set<string>(['drs:TagResource']);
    for (const name of sent) {
      allowed.add(OPERATIONS[name].iamAction);
      for (const d of OPERATIONS[name].dependentActions) allowed.add(d);
    }
    for (const a of grantedActions(full)) expect(allowed.has(a), a).toBe(true);
    expect(grantedActions(full)).not.toContain('drs:GetLaunchConfiguration');
    expect(grantedActions(full)).not.toContain('drs:GetFailbackReplicationConfiguration');
  });

  it('iam:PassRole for both DRS roles, to EC2 only, wherever StartRecovery can be sent', () => {
    for (const policy of [
      buildIamPolicy(plan()),
      buildIamPolicy(plan('backout: { restore: never }'), { originRegions: ['us-west-2'] }),
    ]) {
      const pass = policy.Statement.filter((s) => s.Action.includes('iam:PassRole'));
      expect(pass).toHaveLength(1);
      expect(pass[0]?.Resource).toEqual([
        'arn:aws:iam::*:role/service-role/AWSElasticDisasterRecoveryConversionServerRole',
        'arn:aws:iam::*:role/service-role/AWSElasticDisasterRecoveryRecoveryInstanceRole',
      ]);
      expect(pass[0]?.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } });
    }
  });

  it('ReverseReplication brings drs:DescribeReplicationConfigurationTemplates where it is sent', () => {
    const p = plan('backout: { restore: never }');
    expect(actionsIn(buildIamPolicy(p, { originRegions: ['us-west-2'] }), 'eu-west-1')).toContain(
      'drs:DescribeReplicationConfigurationTemplates',
    );
    expect(grantedActions(buildIamPolicy(p))).not.toContain('drs:DescribeReplicationConfigurationTemplates');
  });
});

describe('iam-policy --region', () => {
  it('builds every DR-region statement for the region given, not the plan region', () => {
    const policy = buildIamPolicy(plan(), { region: 'us-east-2', originRegions: ['us-west-2'] });
    const text = JSON.stringify(policy);
    expect(text).not.toContain('eu-west-1');
    expect(statement(plan(), 'DrsFailback')?.Resource).toBe('arn:aws:drs:eu-west-1:*:recovery-instance/*');
    expect(policy.Statement.find((s) => s.Sid === 'DrsFailback')?.Resource).toBe(
      'arn:aws:drs:us-east-2:*:recovery-instance/*',
    );
    expect(actionsIn(policy, 'us-east-2')).toContain('drs:StartFailbackLaunch');
  });

  it('the command passes --region through', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iam-'));
    const file = join(dir, 'plan.yaml');
    writeFileSync(file, planText(''));
    const out = new PassThrough();
    const err = new PassThrough();
    let stdout = '';
    out.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    const io: CliIO = { stdin: new PassThrough(), stdout: out, stderr: err, env: {} };
    await iamPolicy(
      { plan: file, originRegions: [], region: 'ap-southeast-2', json: true, stateDir: dir },
      io,
    );
    expect(stdout).toContain('arn:aws:drs:ap-southeast-2:*:recovery-instance/*');
    expect(stdout).not.toContain('eu-west-1');
  });
});
