// The `check` command's EC2-origin table reads the replication state and lag from the checks'
// data: the wording of their detail does not matter.
import { describe, expect, it } from 'vitest';
import { palette } from '../../src/cli/io.js';
import { ec2OriginLines, type ReportRow } from '../../src/cli/render.js';

const S = 's-00000000000000002';
const REV = 's-0000000000000r002';
const WEST = 'us-west-2';
const plain = palette(false);

const rows = (state: string, lagMs: number): ReportRow[] => [
  {
    wave: 'app',
    server: S,
    check: 'reverse-replication',
    status: state === 'CONTINUOUS' ? 'pass' : 'fail',
    detail: 'reworded',
    data: {
      reversedSourceServerArn: `arn:aws:drs:${WEST}:444455556666:source-server/${REV}`,
      reversedSourceServerId: REV,
      originRegion: WEST,
      replicationState: state,
    },
  },
  {
    wave: 'app',
    server: S,
    check: 'rpo',
    status: lagMs > 900_000 ? 'fail' : 'pass',
    detail: 'reworded',
    data: {
      basis: 'replication-lag',
      rpoMs: 900_000,
      reversedSourceServerId: REV,
      originRegion: WEST,
      lagDuration: `PT${lagMs / 1000}S`,
      lagMs,
    },
  },
];
const server = { wave: 'app', sourceServerID: S, originRegion: WEST, reversedSourceServerID: REV };

describe('check output: EC2-origin servers', () => {
  it('shows state and lag from data, and says ready', () => {
    const [, , line] = ec2OriginLines([server], rows('CONTINUOUS', 30_000), plain);
    expect(line).toContain('CONTINUOUS');
    expect(line).toContain('PT30S (30 s)');
    expect(line).toMatch(/yes$/);
  });

  it('a lag above the RPO says so', () => {
    const [, , line] = ec2OriginLines([server], rows('CONTINUOUS', 1_200_000), plain);
    expect(line).toContain('PT1200S (1200 s)');
    expect(line).toContain('no: lag above the RPO');
  });

  it('a replication not CONTINUOUS names its state', () => {
    const [, , line] = ec2OriginLines([server], rows('BACKLOG', 30_000), plain);
    expect(line).toContain('BACKLOG');
    expect(line).toContain('no: needs CONTINUOUS');
  });
});
