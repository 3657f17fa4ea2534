#!/usr/bin/env node
// The installed command. It runs the compiled CLI from dist/ (built by `npm ci` / `npm run
// build`), which starts several times faster; without it (or with DRS_FAILBACK_FROM_SOURCE=1)
// it registers tsx and runs the TypeScript sources as they are.
import { existsSync } from 'node:fs';

// Newer AWS SDK clients warn about Node 20 on every start; that is noise for an operator.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const compiled = new URL('../dist/cli.mjs', import.meta.url);
let cli;
if (process.env.DRS_FAILBACK_FROM_SOURCE !== '1' && existsSync(compiled)) {
  cli = await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import('../src/cli/main.ts');
}
await cli.runAsProcess();
