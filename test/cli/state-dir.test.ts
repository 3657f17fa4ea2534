// Where runs are kept and whether the commands the tool prints as next steps run as printed.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultStateDir, stateDirArgument } from '../../src/store/state-dir.js';
import { cli, fixture, ROOT, tempStateDir } from './helpers.js';

const PLAN = fixture('plan.yaml');
const READY = fixture('scenario.yaml');

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'drs-failback-xdg-'));
  made.push(dir);
  return dir;
};

describe('the default state directory', () => {
  it('$DRS_FAILBACK_STATE_DIR, else $XDG_STATE_HOME/drs-failback, else ~/.local/state/drs-failback', () => {
    expect(
      defaultStateDir({ DRS_FAILBACK_STATE_DIR: '/srv/failback', XDG_STATE_HOME: '/x', HOME: '/h' }),
    ).toBe('/srv/failback');
    expect(defaultStateDir({ XDG_STATE_HOME: '/x', HOME: '/h' })).toBe('/x/drs-failback');
    expect(defaultStateDir({ HOME: '/h' })).toBe('/h/.local/state/drs-failback');
    // A relative XDG_STATE_HOME is invalid (XDG spec): ignored, never the working directory.
    expect(defaultStateDir({ XDG_STATE_HOME: 'state', HOME: '/h' })).toBe('/h/.local/state/drs-failback');
    expect(stateDirArgument('/x/drs-failback', { XDG_STATE_HOME: '/x' })).toBe('');
    expect(stateDirArgument('/my dir', { XDG_STATE_HOME: '/x' })).toBe(" --state-dir '/my dir'");
  });

  it('a run without --state-dir goes to the XDG state directory, not the working directory; status finds it, marked simulated', async () => {
    const xdg = tempDir();
    const env = { XDG_STATE_HOME: xdg, DRS_FAILBACK_STATE_DIR: '' };
    const before = existsSync(join(ROOT, '.drs-failback', 'runs'))
      ? readdirSync(join(ROOT, '.drs-failback', 'runs'))
      : [];
    const r = await cli(['run', PLAN, '--simulate', READY, '--yes'], env);
    expect(r.code, r.stderr).toBe(0);
    const runs = readdirSync(join(xdg, 'drs-failback', 'runs'));
    expect(runs).toHaveLength(1);
    const after = existsSync(join(ROOT, '.drs-failback', 'runs'))
      ? readdirSync(join(ROOT, '.drs-failback', 'runs'))
      : [];
    expect(after).toEqual(before);

    const status = await cli(['status'], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(runs[0]);
    // Wall-clock start first; the simulated run is marked, with its virtual start.
    expect(status.stdout).toMatch(/\d{4}-\d\d-\d\dT[\d:.]+Z \(simulated; virtual 20\d\d-/);

    // $DRS_FAILBACK_STATE_DIR wins over XDG.
    const explicit = tempDir();
    const other = await cli(['status'], { XDG_STATE_HOME: xdg, DRS_FAILBACK_STATE_DIR: explicit });
    expect(other.stdout).toContain(`No runs in ${explicit}`);
  });

  it('the report command printed after a backout runs as printed (it carries --state-dir)', async () => {
    const stateDir = tempStateDir();
    const dir = join(ROOT, 'examples', 'ec2-origin-backout');
    const r = await cli([
      'run',
      join(dir, 'plan.yaml'),
      '--simulate',
      join(dir, 'scenario.yaml'),
      '--yes',
      '--state-dir',
      stateDir,
    ]);
    // One server launched in its origin region before the other failed: a person must act (exit 4).
    expect(r.code).toBe(4);
    const printed = /`(drs-failback report [^`]+)`/.exec(r.stdout)?.[1];
    expect(printed).toContain(`--state-dir ${stateDir}`);
    const args = (printed ?? '').split(' ').slice(1);
    const report = await cli(args, { DRS_FAILBACK_STATE_DIR: '' });
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toContain(args[1]);
  });
});
