#!/usr/bin/env node
// Records every example's `--json` event stream as a golden file (test/golden/streams).
// Re-run on purpose when a change of behaviour is intended, and say so in the note:
//   node scripts/record-golden.mjs
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const out = join(root, 'test/golden/streams');
for (const name of readdirSync(join(root, 'examples')).sort()) {
  const dir = join(root, 'examples', name);
  if (!existsSync(join(dir, 'plan.yaml')) || !existsSync(join(dir, 'scenario.yaml'))) continue;
  const stateDir = mkdtempSync(join(tmpdir(), 'drs-failback-golden-'));
  let stdout;
  try {
    stdout = execFileSync(
      process.execPath,
      [
        'bin/drs-failback.js',
        'run',
        join(dir, 'plan.yaml'),
        '--simulate',
        join(dir, 'scenario.yaml'),
        '--yes',
        '--json',
        '--state-dir',
        stateDir,
      ],
      {
        cwd: root,
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'ignore'],
        maxBuffer: 256 * 1024 * 1024,
      },
    ).toString();
  } catch (error) {
    stdout = String(error.stdout ?? '');
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
  writeFileSync(join(out, `${name}.ndjson`), stdout);
  console.log(`${name}: ${stdout.split('\n').filter(Boolean).length} events`);
}
