// What a large dry run holds: budgets for the live heap of a 2,000-server run (measured in a
// child process after full collections), so the memory that docs/performance.md accounts for
// does not creep back. Before the cuts of that page's "Memory" section the run added about
// 9.7 kB per server and each recorded call took 870 bytes (a deleted property left it a
// dictionary; its request id a chain of partial strings); now about 3.1 kB and 200 bytes.
// Keeping every finished job's log (4.1 kB per server) or deleting the input (580 bytes per
// call) fails it.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');

describe('the live heap of a 2,000-server dry run', () => {
  const measured = () =>
    JSON.parse(
      execFileSync(
        process.execPath,
        ['--expose-gc', '--import', 'tsx', 'test/support/dry-run-heap.ts', '2000'],
        { cwd: ROOT, encoding: 'utf8', timeout: 120_000 },
      ),
    ) as { outcome: string; calls: number; startPerServer: number; runPerServer: number; perCall: number };

  it('stays within its budgets: world, what the run adds, each recorded call', () => {
    const m = measured();
    expect(m.outcome).toBe('completed');
    expect(m.calls).toBeGreaterThan(8000);
    expect(m.startPerServer).toBeLessThan(6000);
    expect(m.runPerServer).toBeLessThan(3800);
    expect(m.perCall).toBeLessThan(400);
  }, 150_000);
});
