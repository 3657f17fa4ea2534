import { describe, expect, it } from 'vitest';
import { onPremisesReprotectLine, RunTracker } from '../../src/cli/live-view.js';
import { parsePlan } from '../../src/plan/load.js';
import type { RunResult } from '../../src/run.js';

const plan = parsePlan(
  `
version: 1
name: mixed
region: us-east-1
objectives: { rpo: 15m, rto: 4h }
waves:
  - name: db
    servers:
      - sourceServerID: s-00000000000000001
      - sourceServerID: s-00000000000000002
  - name: app
    servers:
      - sourceServerID: s-00000000000000003
`,
  'plan.yaml',
);
const result = (outcomes: Record<string, string>) =>
  ({ waves: Object.entries(outcomes).map(([name, outcome]) => ({ name, outcome })) }) as unknown as RunResult;

describe('the re-protect instruction for on-premises servers', () => {
  it('names the on-premises servers of completed waves, and what a person must do', () => {
    const tracker = new RunTracker();
    // s-...2 came from EC2: its reversed source server was checked.
    tracker.reversedOf.set('s-00000000000000009', 's-00000000000000002');
    const line = onPremisesReprotectLine(result({ db: 'completed', app: 'backed-out' }), plan, tracker);
    expect(line).toContain('s-00000000000000001');
    expect(line).not.toContain('s-00000000000000002');
    expect(line).not.toContain('s-00000000000000003');
    expect(line).toContain('AWS Replication Agent');
    expect(line).toContain('CONTINUOUS');
    expect(line).toContain('FAILOVER');
  });

  it('nothing completed: no instruction', () => {
    expect(onPremisesReprotectLine(result({ db: 'aborted' }), plan, new RunTracker())).toBeUndefined();
  });
});
