// Builds dist/ before any test: the CLI tests run `node bin/drs-failback.js`, which prefers the
// compiled CLI, and a stale build would test yesterday's code.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function buildCli(): void {
  // For a quick run of tests that never start the binary.
  if (process.env.DRS_FAILBACK_SKIP_BUILD === '1') return;
  execFileSync(process.execPath, ['bin/build.mjs'], {
    cwd: fileURLToPath(new URL('../../', import.meta.url)),
    stdio: 'inherit',
  });
}
