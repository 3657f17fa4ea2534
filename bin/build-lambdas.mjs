#!/usr/bin/env node
// Bundles the Step Functions engine's Lambda handlers (src/sfn/entry.ts) into one ESM file the
// CDK app in deploy/ ships: step, actor, approval, wait and waker are its five exports. The AWS
// SDK is bundled too (the versions this package pins, not the runtime's).
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const outdir = resolve(process.argv[2] ?? fileURLToPath(new URL('../deploy/dist/lambda', import.meta.url)));
await build({
  entryPoints: { index: fileURLToPath(new URL('../src/sfn/entry.ts', import.meta.url)) },
  outdir,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outExtension: { '.js': '.mjs' },
  banner: {
    js: "import { createRequire as __drsCreateRequire } from 'node:module'; const require = __drsCreateRequire(import.meta.url);",
  },
  external: ['pino-pretty'],
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
});
