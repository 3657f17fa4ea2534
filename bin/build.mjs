#!/usr/bin/env node
// Builds dist/, what the package ships and runs (run by `npm ci` through the `dependencies` script,
// by `npm pack` through `prepack`, and before the tests). Not `prepare`: npm runs that when a
// consumer installs from a tarball or git, where the build tools are not installed.
// - dist/src, dist/machines: the library as JavaScript with declarations, compiled by tsc
//   (tsconfig.build.json); the `exports` map of package.json points there.
// - dist/cli: the command, bundled by esbuild so it starts without a TypeScript loader and
//   without resolving its small dependencies one module at a time. Lazily imported commands
//   become chunks of their own: `--help` and `validate` never load the AWS SDK.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { bundleAwsSdkClients } from './esbuild-aws-sdk.mjs';

const root = fileURLToPath(new URL('../', import.meta.url));
// typescript's `exports` hide bin/tsc: find it next to its package.json.
const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');

// Old chunks carry content hashes in their names: start from nothing so none is shipped.
for (const dir of ['dist/src', 'dist/machines', 'dist/cli']) {
  rmSync(new URL(`../${dir}`, import.meta.url), { recursive: true, force: true });
}

execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });

await build({
  absWorkingDir: root,
  entryPoints: { main: 'src/cli/main.ts' },
  outdir: 'dist/cli',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Small pure-JS dependencies are bundled (module resolution dominates their load time);
  // the AWS SDK, pino and the AWS mock stay external: large, loaded only by commands that use them.
  external: ['@aws-sdk/*', '@smithy/*', 'pino', 'pino-pretty', 'aws-sdk-client-mock'],
  outExtension: { '.js': '.mjs' },
  // Bundled CommonJS dependencies (commander) call require(): give ESM chunks one.
  banner: {
    js: "import { createRequire as __drsCreateRequire } from 'node:module'; const require = __drsCreateRequire(import.meta.url);",
  },
  // The EC2 client's commands from its ES build (3 MB of CommonJS otherwise: docs/performance.md).
  plugins: [bundleAwsSdkClients()],
  sourcemap: 'linked',
  logLevel: 'warning',
});
