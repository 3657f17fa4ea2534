// `iam-policy` for a plan whose waves act in several accounts and regions: one policy per account,
// each scoped to its own waves' servers and regions.
import { describe, expect, it } from 'vitest';
import { buildAccountPolicies, needsAccountPolicies } from '../../src/iam/accounts.js';
import { buildIamPolicy, type PolicyDocument } from '../../src/iam/policy.js';
import { parsePlan } from '../../src/plan/load.js';

const PROD = '444455556666';
const S1 = 's-1234567890abcdef0';
const S2 = 's-abcdef01234567890';
const S3 = 's-0000000000000000a';
const planText = (waves: string) => `
version: 1
name: estate
region: us-east-1
objectives: { rpo: 15m, rto: 8h }
notifications: { topicArn: "arn:aws:sns:us-east-1:111122223333:failback" }
aws:
  accounts:
    prod: { accountId: "${PROD}", role: { arn: "arn:aws:iam::${PROD}:role/failback", externalId: ext-1 } }
waves:
${waves}`;
const ESTATE = `  - name: db
    servers: [{ sourceServerID: ${S1} }]
  - name: app
    account: prod
    region: eu-west-1
    servers: [{ sourceServerID: ${S2} }]
  - name: web
    account: prod
    region: eu-central-1
    servers: [{ sourceServerID: ${S3} }]
`;

const sids = (doc: PolicyDocument) => doc.Statement.map((s) => s.Sid);
const text = (doc: PolicyDocument) => JSON.stringify(doc);

describe('buildAccountPolicies', () => {
  it("gives the plan's account its waves, the AssumeRole and the topic; prod its two regions' waves", () => {
    const plan = parsePlan(planText(ESTATE), 'plan.yaml');
    expect(needsAccountPolicies(plan)).toBe(true);
    const [home, prod, ...rest] = buildAccountPolicies(plan);
    expect(rest).toEqual([]);
    expect(home).toMatchObject({ regions: ['us-east-1'] });
    expect(home?.account).toBeUndefined();
    expect(prod).toMatchObject({
      account: 'prod',
      accountId: PROD,
      role: `arn:aws:iam::${PROD}:role/failback`,
      regions: ['eu-west-1', 'eu-central-1'],
    });
    if (!home || !prod) throw new Error('two policies expected');
    const assume = home.policy.Statement.find((s) => s.Sid === 'AssumePlanRoles');
    expect(assume?.Resource).toEqual([`arn:aws:iam::${PROD}:role/failback`]);
    expect(sids(home.policy)).toContain('NotifyPlanTopic');
    expect(text(home.policy)).toContain(S1);
    expect(text(home.policy)).not.toContain(S2);
    // The member role: no AssumeRole, no topic; each region's waves under its own Sids.
    expect(sids(prod.policy)).not.toContain('AssumePlanRoles');
    expect(sids(prod.policy)).not.toContain('NotifyPlanTopic');
    expect(sids(prod.policy)).toEqual(
      expect.arrayContaining(['DrsFailbackEuWest1', 'DrsFailbackEuCentral1']),
    );
    const reads = (region: string) =>
      prod.policy.Statement.find((s) => s.Sid === `DrsReadPlanSourceServers${region}`)?.Resource;
    expect(reads('EuWest1')).toEqual([`arn:aws:drs:eu-west-1:*:source-server/${S2}`]);
    expect(reads('EuCentral1')).toEqual([`arn:aws:drs:eu-central-1:*:source-server/${S3}`]);
    // Sids stay unique within a document (IAM refuses duplicates).
    for (const p of [home, prod]) expect(new Set(sids(p.policy)).size).toBe(p.policy.Statement.length);
  });

  it("gives the plan's account only AssumeRole, identity and topic when every wave is elsewhere", () => {
    const waves = ESTATE.replace(`  - name: db\n    servers: [{ sourceServerID: ${S1} }]\n`, '');
    const [home] = buildAccountPolicies(parsePlan(planText(waves), 'plan.yaml'));
    expect(home?.regions).toEqual([]);
    expect(sids(home?.policy ?? { Version: '2012-10-17', Statement: [] })).toEqual([
      'ReadCallerIdentity',
      'AssumePlanRoles',
      'NotifyPlanTopic',
    ]);
  });

  it('leaves a plan without the keys to the one policy, as before', () => {
    const plan = parsePlan(planText(`  - name: db\n    servers: [{ sourceServerID: ${S1} }]\n`), 'plan.yaml');
    expect(needsAccountPolicies(plan)).toBe(false);
    const [home] = buildAccountPolicies(plan);
    expect(home?.policy).toEqual(buildIamPolicy(plan));
  });
});
