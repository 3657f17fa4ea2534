// `drs-failback iam-policy <plan>`: the least-privilege policy for exactly what the plan can do.
import {
  type AccountPolicy,
  accountPolicyNotes,
  buildAccountPolicies,
  needsAccountPolicies,
} from '../../iam/accounts.js';
import { buildIamPolicy, type PolicyDocument, policyNotes } from '../../iam/policy.js';
import { loadPlan } from '../../plan/load.js';
import { type CliIO, writeLine } from '../io.js';
import type { IamPolicyOptions } from '../options.js';

/**
 * Prints the policy JSON on stdout (so it can be piped to a file) and notes on stderr. A plan
 * whose waves name accounts or regions gets one policy per account: a JSON list of
 * `{ account, accountId, role, regions, policy }`, the plan's own account first (no `account`).
 */
export async function iamPolicy(
  options: IamPolicyOptions,
  io: CliIO,
): Promise<PolicyDocument | AccountPolicy[]> {
  const plan = await loadPlan(options.plan);
  const policyOptions = {
    originRegions: options.originRegions,
    ...(options.region !== undefined ? { region: options.region } : {}),
  };
  if (needsAccountPolicies(plan)) {
    const policies = buildAccountPolicies(plan, policyOptions);
    writeLine(io.stdout, JSON.stringify(policies, null, 2));
    if (!options.json) {
      for (const note of [...accountPolicyNotes(plan, policies), ...policyNotes(plan, policyOptions)])
        writeLine(io.stderr, `note: ${note}`);
    }
    return policies;
  }
  const policy = buildIamPolicy(plan, policyOptions);
  writeLine(io.stdout, JSON.stringify(policy, null, 2));
  if (!options.json) {
    for (const note of policyNotes(plan, policyOptions)) writeLine(io.stderr, `note: ${note}`);
  }
  return policy;
}
