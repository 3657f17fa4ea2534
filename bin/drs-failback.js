#!/usr/bin/env node
// The installed command. It runs the CLI compiled to plain JavaScript in dist/cli (shipped in
// the package; built in a clone by `npm ci` / `npm run build`). In a clone without dist/ (or
// with DRS_FAILBACK_FROM_SOURCE=1) it runs the TypeScript sources through tsx, a development
// dependency: the installed package never needs it.
import { existsSync } from 'node:fs';

// Newer AWS SDK clients warn about Node 20 on every start; that is noise for an operator.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const compiled = new URL('../dist/cli/main.mjs', import.meta.url);
let cli;
if (process.env.DRS_FAILBACK_FROM_SOURCE !== '1' && existsSync(compiled)) {
  cli = await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import('../src/cli/main.ts');
}
await cli.runAsProcess();
