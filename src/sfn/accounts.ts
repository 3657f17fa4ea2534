// `run --engine sfn` acts through the deployment's actor Lambda, not the caller's credentials: the
// accounts it will act in are read off the plan and the state machine's ARN, and checked against
// `aws.allowedAccounts` (and each origin's `account`) as the in-process run checks its identity
// (src/aws/identity.ts), before anything is recorded or started.
import { AccountMismatchError } from '../aws/identity.js';
import { planTargets } from '../plan/targets.js';
import type { Plan } from '../plan/types.js';

/** Where the actor acts, as which account, and why that account. */
export interface ActingAccount {
  /** `DR region us-east-1`, `account prod (eu-west-1)`, `origin us-west-2`. */
  where: string;
  account: string;
  /** The plan key or ARN the account is read from. */
  from: string;
  /** The account the plan expects there (`aws.origins.<region>.account`): only it is allowed. */
  expected?: string;
}

const roleAccount = (arn: string): string | undefined => /^arn:aws[a-z-]*:iam::(\d{12}):/.exec(arn)?.[1];

/** The account of a state machine ARN (`arn:aws:states:<region>:<account>:stateMachine:<name>`). */
export function stateMachineAccount(stateMachineArn: string): string | undefined {
  const account = stateMachineArn.split(':')[4];
  return account !== undefined && /^\d{12}$/.test(account) ? account : undefined;
}

/**
 * The accounts the actor Lambda acts in for this plan: the plan's own waves as `aws.role` (else as
 * the deployment's own account, the state machine's), each `aws.accounts` entry as its `accountId`,
 * each EC2 origin as its role (else as the DR side).
 */
export function actingAccounts(plan: Plan, stateMachineArn: string): ActingAccount[] {
  const deployment = stateMachineAccount(stateMachineArn);
  const ownRole = plan.aws?.role ? roleAccount(plan.aws.role.arn) : undefined;
  const home: Omit<ActingAccount, 'where'> | undefined =
    ownRole !== undefined
      ? { account: ownRole, from: 'aws.role' }
      : deployment !== undefined
        ? { account: deployment, from: `the state machine ${stateMachineArn}` }
        : undefined;
  const acting: ActingAccount[] = [];
  if (home) acting.push({ where: `DR region ${plan.region}`, ...home });
  for (const target of planTargets(plan)) {
    if (target.accountId === undefined) continue;
    acting.push({
      where: `account ${target.account} (${target.region})`,
      account: target.accountId,
      from: `aws.accounts.${target.account}.accountId`,
    });
  }
  for (const [region, origin] of Object.entries(plan.aws?.origins ?? {})) {
    const fromRole = origin.role ? roleAccount(origin.role.arn) : undefined;
    const as = fromRole !== undefined ? { account: fromRole, from: `aws.origins.${region}.role` } : home;
    if (!as) continue;
    acting.push({
      where: `origin ${region}`,
      ...as,
      ...(origin.account !== undefined ? { expected: origin.account } : {}),
    });
  }
  return acting;
}

/** Refuses (AccountMismatchError, exit 2) a plan whose actor would act in an account it does not allow. */
export function checkActingAccounts(plan: Plan, stateMachineArn: string): ActingAccount[] {
  const allowed = plan.aws?.allowedAccounts;
  const acting = actingAccounts(plan, stateMachineArn);
  for (const a of acting) {
    const ok =
      a.expected !== undefined
        ? a.account === a.expected
        : allowed === undefined || allowed.includes(a.account);
    if (ok) continue;
    const wanted = a.expected !== undefined ? [a.expected] : (allowed ?? []);
    throw new AccountMismatchError(
      `on Step Functions the ${a.where} is acted in as account ${a.account} (${a.from}), but the plan allows only ` +
        `${wanted.join(', ')}: use the state machine deployed in the right account, or set the plan's aws.role; nothing was recorded or started.`,
    );
  }
  return acting;
}
