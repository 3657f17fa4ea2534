import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { Plan } from '../../src/plan/types.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh state directory, removed after the test. */
export function tempStateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'drs-failback-store-'));
  dirs.push(dir);
  return dir;
}

export const S1 = 's-00000000000000001';
export const S2 = 's-00000000000000002';

export function testPlan(name = 'payments', servers: string[] = [S1, S2]): Plan {
  return {
    version: 1,
    name,
    region: 'us-east-1',
    objectives: { rpoMs: 15 * 60_000, rtoMs: 4 * 3_600_000 },
    approval: 'none',
    polling: { intervalMs: 30_000, maxMs: 300_000 },
    verify: { timeoutMs: 20 * 60_000 },
    job: { timeoutMs: 2 * 3_600_000 },
    backout: { restore: 'if-unhealthy' },
    waves: [{ name: 'all', servers: servers.map((sourceServerID) => ({ sourceServerID })) }],
  };
}

export const RUN_A = 'run-20260101T000000Z-aaaaaa';
export const RUN_B = 'run-20260101T000100Z-bbbbbb';
