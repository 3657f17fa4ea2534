import { describe, expect, it } from 'vitest';
import { palette } from '../../src/cli/io.js';
import { onPremisesReprotectLine, RunTracker, summaryLines } from '../../src/cli/live-view.js';
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

describe('the completed run\'s "Next:": re-protecting by reverse replication is for EC2-origin servers only', () => {
  const completed = (afterFailback?: unknown) =>
    ({
      runId: 'run-20260101T000000Z-abcdef',
      outcome: 'completed',
      waves: [
        { name: 'db', outcome: 'completed', jobIds: [], failure: null, backout: null, afterFailback },
        { name: 'app', outcome: 'completed', jobIds: [], failure: null, backout: null },
      ],
    }) as unknown as RunResult;
  const next = (r: RunResult, tracker: RunTracker) => {
    const lines = summaryLines(r, plan, tracker, palette(false), undefined, { plan: 'plan.yaml' });
    return lines.slice(lines.indexOf('Next:')).join('\n');
  };

  it('on-premises servers only: the agent instruction, and no reverse-replication line', () => {
    const text = next(completed(), new RunTracker());
    expect(text).toContain('Re-protect the on-premises servers that failed back');
    expect(text).not.toMatch(/reverse replication/i);
    expect(text).toContain('Cleanup stays manual: terminate the old recovery instances');
  });

  it('an EC2-origin server: a line naming it alone, besides the on-premises one', () => {
    const tracker = new RunTracker();
    tracker.reversedOf.set('s-00000000000000009', 's-00000000000000002');
    const text = next(completed(), tracker);
    const ec2 = text.split('\n').find((l) => l.includes('EC2-origin servers'));
    expect(ec2).toContain('Re-protect the EC2-origin servers that failed back (s-00000000000000002)');
    expect(ec2).toContain('reverse replication');
    expect(ec2).not.toContain('s-00000000000000001');
    expect(text.split('\n').filter((l) => /reverse replication/i.test(l))).toHaveLength(1);
  });

  it('the plan re-protected them already (afterFailback.reprotect): no such line', () => {
    const tracker = new RunTracker();
    tracker.reversedOf.set('s-00000000000000009', 's-00000000000000002');
    const after = {
      reprotected: [{ sourceServerID: 's-00000000000000002', reversedDirectionSourceServerArn: 'arn:x' }],
      terminated: [],
      cleanupJobIds: [],
      failures: [],
      skipped: [],
    };
    expect(next(completed(after), tracker)).not.toContain('Re-protect the EC2-origin servers');
  });
});
