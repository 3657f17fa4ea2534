// Rules across fields of a plan file. They run even when single fields failed, so the value
// may hold anything where a field was invalid: every read here checks what it finds.
import type { z } from 'zod';
import { formatPath } from '../config/index.js';
import { formatDuration } from './duration.js';
import { PLAN_DEFAULTS } from './types.js';

type Ctx = Pick<z.core.$RefinementCtx, 'addIssue'>;

export function checkPlanConsistency(file: unknown, ctx: Ctx): void {
  if (!isRecord(file)) return;
  checkWaves(file.waves, ctx);
  checkPolling(file.polling, ctx);
  checkAccounts(file.aws, file.waves, ctx);
  checkWaveOrder(file.waves, ctx);
  checkJobLimits(file.job, ctx);
}

/** `waves[].after` names other waves of the plan, and the waves' order has no cycle. */
function checkWaveOrder(waves: unknown, ctx: Ctx): void {
  if (!Array.isArray(waves)) return;
  const names = waves.map((w: unknown) => (isRecord(w) && typeof w.name === 'string' ? w.name : undefined));
  const known = names.filter((n): n is string => n !== undefined);
  // Each wave's dependencies by index (absent `after`: the wave listed before).
  const deps: number[][] = waves.map((wave: unknown, w) => {
    const after = isRecord(wave) ? wave.after : undefined;
    if (!Array.isArray(after)) return w === 0 ? [] : [w - 1];
    const found: number[] = [];
    after.forEach((name: unknown, a) => {
      if (typeof name !== 'string' || name.trim() === '') return;
      const index = names.indexOf(name);
      const path = ['waves', w, 'after', a];
      if (index === w) {
        ctx.addIssue({
          code: 'custom',
          path,
          message: `a wave cannot start after itself (${JSON.stringify(name)})`,
        });
      } else if (index === -1) {
        ctx.addIssue({
          code: 'custom',
          path,
          message: `${JSON.stringify(name)} is not the name of a wave of this plan; waves: ${known.join(', ')}`,
        });
      } else found.push(index);
    });
    return found;
  });
  const cycle = findCycle(deps);
  if (cycle !== null) {
    const first = cycle[0] ?? 0;
    ctx.addIssue({
      code: 'custom',
      path: ['waves', first, 'after'],
      message: `the waves wait for each other in a circle: ${[...cycle, first].map((i) => names[i] ?? `waves[${i}]`).join(' -> ')} (each starts after the next); no wave of it could ever start`,
    });
  }
}

/** A cycle in the dependency graph (wave indices, each depending on the next), or null. */
function findCycle(deps: readonly number[][]): number[] | null {
  const state = deps.map(() => 0); // 0 new, 1 on the path, 2 done
  const path: number[] = [];
  const visit = (i: number): number[] | null => {
    state[i] = 1;
    path.push(i);
    for (const d of deps[i] ?? []) {
      if (state[d] === 1) return path.slice(path.indexOf(d));
      if (state[d] === 0) {
        const found = visit(d);
        if (found) return found;
      }
    }
    path.pop();
    state[i] = 2;
    return null;
  };
  for (let i = 0; i < deps.length; i++) {
    if (state[i] !== 0) continue;
    const found = visit(i);
    if (found) return found;
  }
  return null;
}

/**
 * `waves[].account` names an entry of `aws.accounts`; an entry's id and its role's account agree,
 * and are among `aws.allowedAccounts` when the plan lists them.
 */
function checkAccounts(aws: unknown, waves: unknown, ctx: Ctx): void {
  const accounts = isRecord(aws) && isRecord(aws.accounts) ? aws.accounts : {};
  const names = Object.keys(accounts);
  const allowed =
    isRecord(aws) && Array.isArray(aws.allowedAccounts)
      ? aws.allowedAccounts.filter((a): a is string => typeof a === 'string')
      : undefined;
  for (const [name, entry] of Object.entries(accounts)) {
    if (!isRecord(entry) || typeof entry.accountId !== 'string') continue;
    const roleArn = isRecord(entry.role) && typeof entry.role.arn === 'string' ? entry.role.arn : undefined;
    const roleAccount =
      roleArn === undefined ? undefined : /^arn:aws[a-z-]*:iam::(\d{12}):/.exec(roleArn)?.[1];
    if (roleAccount !== undefined && roleAccount !== entry.accountId) {
      ctx.addIssue({
        code: 'custom',
        path: ['aws', 'accounts', name, 'role', 'arn'],
        message: `the role is in account ${roleAccount}, not in ${entry.accountId} (accountId); the run assumes it to act in that account`,
      });
    }
    if (allowed !== undefined && !allowed.includes(entry.accountId)) {
      ctx.addIssue({
        code: 'custom',
        path: ['aws', 'accounts', name, 'accountId'],
        message: `${entry.accountId} is not among aws.allowedAccounts (${allowed.join(', ')}); add it there or remove the account`,
      });
    }
  }
  if (!Array.isArray(waves)) return;
  waves.forEach((wave: unknown, w) => {
    if (!isRecord(wave) || typeof wave.account !== 'string' || wave.account === '') return;
    if (names.includes(wave.account)) return;
    ctx.addIssue({
      code: 'custom',
      path: ['waves', w, 'account'],
      message:
        names.length === 0
          ? `${JSON.stringify(wave.account)} is not a name in aws.accounts, which the plan does not have; add aws.accounts.${wave.account} with its accountId and role`
          : `${JSON.stringify(wave.account)} is not a name in aws.accounts; allowed: ${names.join(', ')}`,
    });
  });
}

/** A job larger than what may be in flight at once could never start. */
function checkJobLimits(job: unknown, ctx: Ctx): void {
  const given = isRecord(job) ? job : {};
  const maxServers = given.maxServers ?? PLAN_DEFAULTS.job.maxServers;
  const maxInFlight = given.maxInFlight ?? PLAN_DEFAULTS.job.maxInFlight;
  if (typeof maxServers !== 'number' || typeof maxInFlight !== 'number' || maxServers <= maxInFlight) return;
  ctx.addIssue({
    code: 'custom',
    path: ['job', given.maxServers !== undefined ? 'maxServers' : 'maxInFlight'],
    message: `job.maxServers (${maxServers}) is more than job.maxInFlight (${maxInFlight}${given.maxInFlight === undefined ? ' by default' : ''}); a job that large could never start`,
  });
}

function checkWaves(waves: unknown, ctx: Ctx): void {
  if (!Array.isArray(waves)) return;
  const waveNames = new Map<string, number>();
  const servers = new Map<string, (string | number)[]>();
  waves.forEach((wave: unknown, w) => {
    if (!isRecord(wave)) return;
    if (typeof wave.name === 'string' && wave.name !== '') {
      const first = waveNames.get(wave.name);
      if (first === undefined) waveNames.set(wave.name, w);
      else {
        ctx.addIssue({
          code: 'custom',
          path: ['waves', w, 'name'],
          message: `${JSON.stringify(wave.name)} is already the name of waves[${first}]; wave names must be unique`,
        });
      }
    }
    if (!Array.isArray(wave.servers)) return;
    wave.servers.forEach((server: unknown, s) => {
      if (!isRecord(server) || typeof server.sourceServerID !== 'string') return;
      const path = ['waves', w, 'servers', s, 'sourceServerID'];
      const first = servers.get(server.sourceServerID);
      if (first === undefined) servers.set(server.sourceServerID, path);
      else {
        // A server can fail back only once per run; listing it twice is always a mistake.
        ctx.addIssue({
          code: 'custom',
          path,
          message: `${JSON.stringify(server.sourceServerID)} is already listed at ${formatPath(first)}; a server may appear only once in a plan`,
        });
      }
    });
  });
}

function checkPolling(polling: unknown, ctx: Ctx): void {
  const given = isRecord(polling) ? polling : {};
  const interval = given.interval ?? PLAN_DEFAULTS.polling.intervalMs;
  const max = given.max ?? PLAN_DEFAULTS.polling.maxMs;
  if (typeof interval !== 'number' || typeof max !== 'number' || interval <= max) return;
  // Name the value the user wrote; a default they never saw is the other side of the comparison.
  if (given.interval !== undefined) {
    const maxText = given.max === undefined ? `${formatDuration(max)} by default` : formatDuration(max);
    ctx.addIssue({
      code: 'custom',
      path: ['polling', 'interval'],
      message: `${formatDuration(interval)} is longer than polling.max (${maxText}); the interval must not exceed it`,
    });
  } else {
    ctx.addIssue({
      code: 'custom',
      path: ['polling', 'max'],
      message: `${formatDuration(max)} is shorter than polling.interval (${formatDuration(interval)} by default); set a shorter interval or a longer max`,
    });
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
