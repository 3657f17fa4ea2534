// The summary names each wave's real RPO: the lag when its replication home drained.
import { describe, expect, it } from 'vitest';
import { palette } from '../../src/cli/io.js';
import { RunTracker, summaryLines } from '../../src/cli/live-view.js';

const plainPalette = palette(false);

import { parsePlan } from '../../src/plan/load.js';
import type { RunResult } from '../../src/run.js';

const plan = parsePlan(
  `
version: 1
name: p
region: us-east-1
objectives: { rpo: 15m, rto: 4h }
waves:
  - name: db
    servers:
      - sourceServerID: s-00000000000000001
      - sourceServerID: s-00000000000000002
`,
  'plan.yaml',
);
const result = {
  runId: 'run-20260301T020000Z-abcdef',
  outcome: 'completed',
  waves: [{ name: 'db', outcome: 'completed', jobIds: ['drsjob-1'] }],
} as unknown as RunResult;

describe('the crossing in the summary', () => {
  it('names the worst server and its lag at the crossing, against cutover.maxLag', () => {
    const tracker = new RunTracker();
    tracker.observe({
      type: 'cutover.drained',
      wave: 'db',
      maxLagMs: 30_000,
      worst: { server: 's-00000000000000002', lagMs: 12_000 },
      servers: [
        { server: 's-00000000000000001', lagMs: 3_000 },
        { server: 's-00000000000000002', lagMs: 12_000 },
      ],
      at: '2026-03-01T02:10:00.000Z',
      runId: result.runId,
      seq: 1,
    });
    const text = summaryLines(result, plan, tracker, plainPalette).join('\n');
    expect(text).toContain(
      'RPO at the crossing: 2 server(s) drained, worst s-00000000000000002 12s behind (cutover.maxLag 30s)',
    );
  });

  it('a wave that never crossed has no such line', () => {
    const text = summaryLines(result, plan, new RunTracker(), plainPalette).join('\n');
    expect(text).not.toContain('RPO at the crossing');
  });
});
