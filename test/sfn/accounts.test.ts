// `run --engine sfn` and aws.allowedAccounts: the accounts the actor Lambda will act in (the
// deployment's, the plan's roles, aws.accounts) are checked before anything is recorded or started.
import { describe, expect, it } from 'vitest';
import { AccountMismatchError } from '../../src/aws/identity.js';
import { loadPlan } from '../../src/plan/load.js';
import type { Plan } from '../../src/plan/types.js';
import { actingAccounts, checkActingAccounts, stateMachineAccount } from '../../src/sfn/accounts.js';

const ARN = 'arn:aws:states:us-east-1:111122223333:stateMachine:drs-failback-plan';
const base = async (): Promise<Plan> => loadPlan('examples/three-wave/plan.yaml');

describe('the accounts a run on Step Functions acts in', () => {
  it("the state machine's account for the plan's own waves", async () => {
    expect(stateMachineAccount(ARN)).toBe('111122223333');
    expect(actingAccounts(await base(), ARN)).toEqual([
      { where: 'DR region us-east-1', account: '111122223333', from: `the state machine ${ARN}` },
    ]);
  });

  it("the plan's aws.role, an aws.accounts entry and an origin's role", async () => {
    const plan = await base();
    const first = plan.waves[0];
    if (!first) throw new Error('no wave');
    const withRoles: Plan = {
      ...plan,
      aws: {
        role: { arn: 'arn:aws:iam::222233334444:role/failback' },
        accounts: { prod: { accountId: '555566667777' } },
        origins: {
          'us-west-2': { account: '888899990000', role: { arn: 'arn:aws:iam::888899990000:role/o' } },
        },
      },
      waves: [{ ...first, account: 'prod', region: 'eu-west-1' }, ...plan.waves.slice(1)],
    };
    expect(actingAccounts(withRoles, ARN).map((a) => [a.where, a.account])).toEqual([
      ['DR region us-east-1', '222233334444'],
      ['account prod (eu-west-1)', '555566667777'],
      ['origin us-west-2', '888899990000'],
    ]);
  });

  it('allowed: no refusal; no allowedAccounts: anything goes', async () => {
    const plan = await base();
    expect(() => checkActingAccounts(plan, ARN)).not.toThrow();
    expect(() =>
      checkActingAccounts({ ...plan, aws: { allowedAccounts: ['111122223333'] } }, ARN),
    ).not.toThrow();
  });

  it('a deployment in an account the plan does not allow is refused (AccountMismatchError)', async () => {
    const plan: Plan = { ...(await base()), aws: { allowedAccounts: ['999999999999'] } };
    expect(() => checkActingAccounts(plan, ARN)).toThrow(AccountMismatchError);
    expect(() => checkActingAccounts(plan, ARN)).toThrow(/as account 111122223333.*allows only 999999999999/);
  });

  it('an aws.accounts entry outside allowedAccounts is refused (a plan built in code)', async () => {
    const plan = await base();
    const first = plan.waves[0];
    if (!first) throw new Error('no wave');
    const outside: Plan = {
      ...plan,
      aws: { allowedAccounts: ['111122223333'], accounts: { prod: { accountId: '555566667777' } } },
      waves: [{ ...first, account: 'prod' }],
    };
    expect(() => checkActingAccounts(outside, ARN)).toThrow(/account prod.*555566667777/);
  });

  it('an origin acted in as another account than its `account` is refused', async () => {
    const plan: Plan = {
      ...(await base()),
      aws: { origins: { 'us-west-2': { account: '444455556666' } } },
    };
    // No origin role: the origin is acted in as the DR side, the deployment's account.
    expect(() => checkActingAccounts(plan, ARN)).toThrow(/origin us-west-2.*111122223333.*444455556666/);
  });
});
