// One least-privilege policy per AWS account a plan acts in (plan keys `aws.accounts`,
// `waves[].account`, `waves[].region`). The plan's own account (the principal that runs
// drs-failback) gets its waves' statements, sts:AssumeRole on the accounts' roles and the
// notifications; each other account's role gets only its waves' DRS and EC2 statements, in
// each of its waves' regions. Pure, like policy.ts.
import type { WavePlan } from '../../machines/types.js';
import { waveTarget } from '../plan/targets.js';
import type { Plan } from '../plan/types.js';
import {
  buildIamPolicy,
  type IamPolicyOptions,
  type PolicyDocument,
  type PolicyStatement,
  planRoleArns,
  regionSid,
} from './policy.js';

export interface AccountPolicy {
  /** The `aws.accounts` name; absent: the plan's own account. */
  account?: string;
  accountId?: string;
  /** The role the run assumes there (attach the policy to it); absent: the running principal. */
  role?: string;
  /** The DR regions of the account's waves. */
  regions: string[];
  policy: PolicyDocument;
}

/** Whether the plan names other accounts or regions, so that one policy is not enough. */
export function needsAccountPolicies(plan: Plan): boolean {
  return plan.waves.some((w) => w.account !== undefined || w.region !== undefined);
}

/** The waves of each account (undefined: the plan's own), by DR region, in plan order. */
function wavesByAccount(plan: Plan, drRegion: string): Map<string | undefined, Map<string, WavePlan[]>> {
  const groups = new Map<string | undefined, Map<string, WavePlan[]>>([[undefined, new Map()]]);
  for (const wave of plan.waves) {
    const target = waveTarget(plan, wave, drRegion);
    let regions = groups.get(target.account);
    if (!regions) {
      regions = new Map();
      groups.set(target.account, regions);
    }
    regions.set(target.region, [...(regions.get(target.region) ?? []), wave]);
  }
  return groups;
}

/**
 * The statements of several regions' policies as one: a statement every region has verbatim
 * appears once; the others carry their region in the Sid (`DrsFailbackEuWest1`).
 */
function mergeRegions(docs: readonly [string, PolicyDocument][]): PolicyDocument {
  const [only] = docs;
  if (docs.length === 1 && only) return only[1];
  const bodyOf = ({ Sid: _sid, ...body }: PolicyStatement) => JSON.stringify(body);
  const count = new Map<string, number>();
  for (const [, doc] of docs)
    for (const st of doc.Statement) count.set(bodyOf(st), (count.get(bodyOf(st)) ?? 0) + 1);
  const seen = new Set<string>();
  const statements: PolicyStatement[] = [];
  for (const [region, doc] of docs) {
    for (const st of doc.Statement) {
      const body = bodyOf(st);
      if (count.get(body) === docs.length) {
        if (!seen.has(body)) statements.push(st);
        seen.add(body);
      } else statements.push({ ...st, Sid: `${st.Sid}${regionSid(region)}` });
    }
  }
  return { Version: '2012-10-17', Statement: statements };
}

/** What the running principal needs when none of the plan's waves is in its own account. */
function orchestratorOnly(plan: Plan, drRegion: string): PolicyDocument {
  const full = buildIamPolicy({ ...plan, waves: [] }, { region: drRegion });
  const kept = new Set(['ReadCallerIdentity', 'AssumePlanRoles', 'NotifyPlanTopic']);
  return { Version: '2012-10-17', Statement: full.Statement.filter((s) => kept.has(s.Sid)) };
}

/** One policy per account the plan acts in: its own first, then `aws.accounts` in plan order. */
export function buildAccountPolicies(plan: Plan, options: IamPolicyOptions = {}): AccountPolicy[] {
  const drRegion = options.region ?? plan.region;
  const origins = options.originRegions ? { originRegions: options.originRegions } : {};
  const { aws: _aws, notifications: _notifications, ...memberBase } = plan;
  const policies: AccountPolicy[] = [];
  for (const [account, regions] of wavesByAccount(plan, drRegion)) {
    const entry = account === undefined ? undefined : plan.aws?.accounts?.[account];
    // Another account's role acts only on DRS and EC2 there: no AssumeRole, no notifications.
    const base: Plan = account === undefined ? plan : memberBase;
    const docs = [...regions].map(([region, waves]): [string, PolicyDocument] => [
      region,
      buildIamPolicy({ ...base, waves }, { ...origins, region }),
    ]);
    const homeRole = plan.aws?.role?.arn;
    policies.push({
      ...(account !== undefined ? { account } : {}),
      ...(entry ? { accountId: entry.accountId } : {}),
      ...(entry?.role
        ? { role: entry.role.arn }
        : account === undefined && homeRole
          ? { role: homeRole }
          : {}),
      regions: [...regions.keys()],
      policy: docs.length > 0 ? mergeRegions(docs) : orchestratorOnly(plan, drRegion),
    });
  }
  return policies;
}

/** The notes of a per-account policy set: who gets which document. */
export function accountPolicyNotes(plan: Plan, policies: readonly AccountPolicy[]): string[] {
  const notes = policies.map((p) =>
    p.account === undefined
      ? `the plan's own account${p.regions.length > 0 ? ` (${p.regions.join(', ')})` : ''}: attach to the principal that runs drs-failback${p.role ? ` or to ${p.role}` : ''}; it may assume ${planRoleArns(plan).join(', ') || 'no role'}.`
      : `account ${p.account} (${p.accountId}, ${p.regions.join(', ')}): attach to ${p.role ?? "the plan's credentials there"}; its trust policy must allow the plan's principal${plan.aws?.accounts?.[p.account]?.role?.externalId ? ' with the external id' : ''}.`,
  );
  return notes;
}
