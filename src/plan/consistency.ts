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
