// Bad state and bad input through the command line: each is exit 2 (nothing was sent) with a
// sentence naming the file and what is wrong, never exit 4 with a stack trace; hostile text never
// reaches the terminal raw. docs/reliability.md lists these cases with what the tool does.
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, fixture, tempStateDir } from './helpers.js';

const PLAN = fixture('plan.yaml');
const READY = fixture('scenario.yaml');

async function finishedRun(stateDir: string): Promise<string> {
  const r = await cli(['run', PLAN, '--simulate', READY, '--yes', '--json', '--state-dir', stateDir]);
  expect(r.code).toBe(0);
  const id = readdirSync(join(stateDir, 'runs'))[0];
  if (id === undefined) throw new Error('no run');
  return id;
}

/** A run paused past its point of no return (SIGKILL via the fault point after the start intent). */
async function interruptedRun(stateDir: string): Promise<string> {
  await cli(['run', PLAN, '--simulate', READY, '--yes', '--json', '--state-dir', stateDir], {
    DRS_FAILBACK_FAULT: 'request:StartFailbackLaunch',
  });
  const id = readdirSync(join(stateDir, 'runs'))[0];
  if (id === undefined) throw new Error('no run');
  return id;
}

const noStack = (stderr: string) => expect(stderr).not.toMatch(/\n\s+at /);

describe('bad state is exit 2 with a sentence', () => {
  it('a corrupt run.json: status still lists the other runs and names the damaged one', async () => {
    const stateDir = tempStateDir();
    const good = await finishedRun(stateDir);
    const bad = 'run-20250101T000000Z-broken';
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(stateDir, 'runs', bad), { recursive: true });
    writeFileSync(join(stateDir, 'runs', bad, 'run.json'), '{"formatVersion":1,"runId":');
    const status = await cli(['status', '--state-dir', stateDir]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(good);
    expect(status.stdout).toMatch(new RegExp(`${bad}.*damaged`));
    expect(status.stdout).toMatch(/run\.json: damaged: not valid JSON/);
    const resume = await cli(['resume', bad, '--state-dir', stateDir]);
    expect(resume.code).toBe(2);
    expect(resume.stderr).toMatch(/run\.json: damaged: not valid JSON/);
    noStack(resume.stderr);
  }, 60_000);

  it('a corrupt plan.json: resume is exit 2 naming the file', async () => {
    const stateDir = tempStateDir();
    const id = await interruptedRun(stateDir);
    writeFileSync(join(stateDir, 'runs', id, 'plan.json'), '{"waves": [');
    const r = await cli(['resume', id, '--yes', '--json', '--state-dir', stateDir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/plan\.json: damaged/);
    expect(r.stdout).toBe('');
    noStack(r.stderr);
  }, 60_000);

  it('a truncated or missing simulated world: refused with exit 2, never replaced by a fresh world', async () => {
    const stateDir = tempStateDir();
    const id = await interruptedRun(stateDir);
    const world = join(stateDir, 'runs', id, 'sim-world.ndjson');
    writeFileSync(world, '{"format":"drs-failback-sim-journal","version":1,"base":{"scen');
    const truncated = await cli(['resume', id, '--yes', '--json', '--state-dir', stateDir]);
    expect(truncated.code).toBe(2);
    expect(truncated.stderr).toMatch(/sim-world\.ndjson: the simulated world is damaged/);
    noStack(truncated.stderr);
    const { rmSync } = await import('node:fs');
    rmSync(world);
    const missing = await cli(['resume', id, '--yes', '--json', '--state-dir', stateDir]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/sim-world\.ndjson: missing: run .* is simulated and its world is gone/);
    expect(missing.stdout).toBe('');
  }, 60_000);

  it('a state directory that cannot be written: exit 2 naming it, nothing sent', async () => {
    const parent = tempStateDir();
    const file = join(parent, 'not-a-dir');
    writeFileSync(file, 'x');
    const r = await cli(['run', PLAN, '--simulate', READY, '--yes', '--json', '--state-dir', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot be written \(ENOTDIR\)/);
    expect(r.stdout).toBe('');
    noStack(r.stderr);
  }, 60_000);
});

describe('bad input is refused at validate time', () => {
  const ESC = String.fromCharCode(27);

  function planWithWave(name: string): string {
    const dir = tempStateDir();
    const file = join(dir, 'plan.json');
    writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        name: 'hostile',
        region: 'us-east-1',
        objectives: { rpo: '15m', rto: '4h' },
        waves: [{ name, servers: [{ sourceServerID: 's-1234567890abcdef0' }] }],
      }),
    );
    return file;
  }

  it('a wave name with control characters: exit 2, and the terminal sees no raw ESC, BEL or NUL', async () => {
    const hostile = `db${ESC}]0;pwned${String.fromCharCode(7)}${ESC}[2J\r\nREADY${String.fromCharCode(0)}`;
    const r = await cli(['validate', planWithWave(hostile)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('holds a control character');
    for (const out of [r.stdout, r.stderr]) {
      expect(out).not.toContain(ESC);
      expect(out).not.toContain(String.fromCharCode(7));
      expect(out).not.toContain(String.fromCharCode(0));
    }
  });

  it('a 300-character wave name (a DRS tag value over 256): exit 2 naming the limit', async () => {
    const r = await cli(['validate', planWithWave('w'.repeat(300))]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/300 characters is too long: a wave name becomes a DRS tag value, at most 256/);
  });

  it('scenario: absurd duration, inverted window, faults outside the plan, plan servers missing', async () => {
    const dir = tempStateDir();
    const scenario = join(dir, 'scenario.yaml');
    writeFileSync(
      scenario,
      [
        'servers:',
        '  - sourceServerID: s-1234567890abcdef0',
        '    launch: { duration: 99999999999d }',
        'faults:',
        '  - { operation: DescribeJobs, error: ThrottlingException, from: 2h, until: 1h }',
        '  - { kind: launch-failure, servers: [s-1234567890abcdef0] }',
        '',
      ].join('\n'),
    );
    const absurd = await cli(['check', PLAN, '--simulate', scenario]);
    expect(absurd.code).toBe(2);
    expect(absurd.stderr).toMatch(/99999999999d/);
    writeFileSync(
      scenario,
      [
        'servers:',
        '  - sourceServerID: s-1234567890abcdef0',
        '  - sourceServerID: s-00000000000000009',
        'faults:',
        '  - { operation: DescribeJobs, error: ThrottlingException, from: 2h, until: 1h }',
        '  - { kind: launch-failure, servers: [s-00000000000000009] }',
        '',
      ].join('\n'),
    );
    const r = await cli(['check', PLAN, '--simulate', scenario]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/until is earlier than from/);
    writeFileSync(
      scenario,
      [
        'servers:',
        '  - sourceServerID: s-1234567890abcdef0',
        '  - sourceServerID: s-00000000000000009',
        'faults:',
        '  - { kind: launch-failure, servers: [s-00000000000000009] }',
        '',
      ].join('\n'),
    );
    const cross = await cli(['check', PLAN, '--simulate', scenario]);
    expect(cross.code).toBe(2);
    expect(cross.stderr).toMatch(/not in this scenario's servers/);
    expect(cross.stderr).toMatch(/s-00000000000000009, not in plan cli-fixture: the fault would never fire/);
  }, 60_000);
});
