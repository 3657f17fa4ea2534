// `approvers` from the command line: --yes answers as the OS user, who must be one of them.
import { readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, type Event, fixture, tempStateDir } from './helpers.js';

function planWith(extra: string): string {
  const dir = tempStateDir();
  const path = join(dir, 'plan.yaml');
  writeFileSync(
    path,
    readFileSync(fixture('plan.yaml'), 'utf8').replace('approval: per-wave', `approval: per-wave\n${extra}`),
  );
  return path;
}

const events = (stdout: string): Event[] =>
  stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Event);

describe('approvers', () => {
  it('--yes from someone not named is refused: the wave ends before its point of no return, exit 3', async () => {
    const run = await cli([
      'run',
      planWith('approvers: [nobody-else]'),
      '--simulate',
      fixture('scenario.yaml'),
      '--yes',
      '--json',
      '--state-dir',
      tempStateDir(),
    ]);
    const stream = events(run.stdout);
    expect(stream.filter((e) => e.type === 'approval.given')).toEqual([]);
    expect(stream.filter((e) => e.type === 'aws.request' && e.operation === 'StartFailbackLaunch')).toEqual(
      [],
    );
    expect(run.stderr).toContain("is not one of the plan's approvers (nobody-else)");
    expect(run.code).toBe(3);
  });

  it('--yes from a named approver approves, recorded with approver and via', async () => {
    const me = userInfo().username;
    const run = await cli([
      'run',
      planWith(`approvers: [${JSON.stringify(me)}]`),
      '--simulate',
      fixture('scenario.yaml'),
      '--yes',
      '--json',
      '--state-dir',
      tempStateDir(),
    ]);
    const given = events(run.stdout).filter((e) => e.type === 'approval.given');
    expect(given).toEqual([
      expect.objectContaining({ wave: 'databases', approver: me, via: 'terminal', by: `${me} (--yes)` }),
      expect.objectContaining({ wave: 'app', approver: me, via: 'terminal' }),
    ]);
    expect(run.code).toBe(0);
  });
});
