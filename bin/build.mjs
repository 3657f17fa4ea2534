#!/usr/bin/env node
// Compiles the CLI to plain ESM in dist/ (runs on `npm ci` through the `prepare` script, and
// before the tests), so the command starts without a TypeScript loader. Lazily imported
// commands become chunks of their own: `--help` and `validate` never load the AWS SDK.
import { build } from 'esbuild';

await build({
  entryPoints: { cli: 'src/cli/main.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Small pure-JS dependencies are bundled (module resolution dominates their load time);
  // the AWS SDK and pino stay external: large, loaded only by commands that talk to AWS.
  external: ['@aws-sdk/*', '@smithy/*', 'pino', 'pino-pretty', 'aws-sdk-client-mock', 'tsx'],
  outExtension: { '.js': '.mjs' },
  // Bundled CommonJS dependencies (commander) call require(): give ESM chunks one.
  banner: {
    js: "import { createRequire as __drsCreateRequire } from 'node:module'; const require = __drsCreateRequire(import.meta.url);",
  },
  sourcemap: 'linked',
  logLevel: 'warning',
});
