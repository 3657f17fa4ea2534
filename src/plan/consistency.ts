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
  checkJobLimits(file.job, ctx);
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
