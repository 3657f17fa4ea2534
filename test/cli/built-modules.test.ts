// The built command (dist/cli, bin/build.mjs) carries the EC2 client's few commands bundled from
// the SDK's ES modules build (bin/esbuild-aws-sdk.mjs) instead of loading its 3 MB CommonJS build,
// whose loading was most of a dry run's resident memory before the run (docs/performance.md). A
// simulated run through the built command, with a loader hook logging every module it loads,
// shows which EC2 code ran; the run's EC2 calls show the bundled client works.
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ndjson, ROOT, tempStateDir } from './helpers.js';

const work = mkdtempSync(join(tmpdir(), 'drs-failback-modules-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const HOOKS = `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) { appendFileSync(${JSON.stringify(join(work, 'loaded.txt'))}, url + '\\n'); return next(url, context); }`;
const REGISTER = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOKS)}`)});`;

describe('the built command loads only the EC2 commands it uses', () => {
  let run: SpawnSyncReturns<string>;
  beforeAll(() => {
    run = spawnSync(
      process.execPath,
      [
        '--import',
        `data:text/javascript,${encodeURIComponent(REGISTER)}`,
        BIN,
        'run',
        'examples/three-wave/plan.yaml',
        '--simulate',
        'examples/three-wave/scenario.yaml',
        '--yes',
        '--json',
        '--state-dir',
        tempStateDir(),
      ],
      { cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } },
    );
  }, 150_000);
  const loaded = () => readFileSync(join(work, 'loaded.txt'), 'utf8').split('\n').filter(Boolean);

  it('runs a simulated failback whose EC2 calls the bundled client sends', () => {
    expect(run.status, run.stderr).toBe(0);
    const ec2 = ndjson(run.stdout).filter((e) => e.type === 'aws.response' && e.service === 'ec2');
    expect(ec2.map((e) => e.operation)).toEqual(
      expect.arrayContaining(['DescribeInstances', 'DescribeInstanceStatus']),
    );
    expect(ec2.every((e) => e.ok === true)).toBe(true);
  });

  it('never loads the EC2 client package itself, while the hook sees the other clients (non-vacuous)', () => {
    const modules = loaded();
    expect(modules.some((url) => url.includes('/dist/cli/main.mjs'))).toBe(true);
    expect(modules.some((url) => url.includes('/@aws-sdk/client-drs/'))).toBe(true);
    expect(modules.filter((url) => url.includes('/@aws-sdk/client-ec2/'))).toEqual([]);
  });

  it('the command holds the EC2 code it uses, not every EC2 operation', () => {
    const dir = join(ROOT, 'dist/cli');
    const withEc2 = readdirSync(dir).filter(
      (f) => f.endsWith('.mjs') && readFileSync(join(dir, f), 'utf8').includes('client-ec2/dist-es/'),
    );
    expect(withEc2.length).toBeGreaterThan(0);
    const bytes = withEc2.reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
    // Every EC2 operation is 3 MB; the commands used with the client and its models, about 80 kB.
    expect(bytes).toBeLessThan(400_000);
  });
});
