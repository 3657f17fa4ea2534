// The package as a consumer installs it: `npm pack`, the tarball installed alone into a fresh
// project (no overrides), then the install's footprint (packages, MiB on disk) and the installed
// command's start-up (median of 10 runs after one warm-up of `--help` and `--version`), next to
// the built clone's. With `--before <git ref>`, the same for the package at that commit.
// With `--write`, replaces the `## Installed package` section of docs/performance.md.
// Run: npx tsx bench/package.ts [--before <ref>] [--write]   (builds dist/ first)
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  consumerEnv,
  diskMiB,
  installConsumer,
  installedPackages,
  packPackage,
} from '../test/support/installed-package.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const RUNS = 10;
const SECTION = '## Installed package';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

interface Command {
  cwd: string;
  args: string[];
}

/**
 * Median wall time of each command, the commands taking turns run by run: on a busy machine
 * the load then weighs on all of them alike.
 */
function startupMs(commands: Command[]): number[] {
  const env = { ...consumerEnv(), NO_COLOR: '1' };
  const times = commands.map(({ cwd, args }) => {
    const warm = spawnSync(process.execPath, args, { cwd, env, stdio: 'ignore' });
    if (warm.status !== 0) throw new Error(`${args.join(' ')} exited ${warm.status}`);
    return [] as number[];
  });
  for (let i = 0; i < RUNS; i++) {
    commands.forEach(({ cwd, args }, c) => {
      const start = process.hrtime.bigint();
      spawnSync(process.execPath, args, { cwd, env, stdio: 'ignore' });
      times[c]?.push(Number(process.hrtime.bigint() - start) / 1e6);
    });
  }
  return times.map(median);
}

interface Figures {
  label: string;
  tarballKiB: number;
  packages: number;
  diskMiB: number;
  helpMs: number;
  versionMs: number;
  importMs: number | null;
}

interface Installed {
  label: string;
  tarballKiB: number;
  dir: string;
  packages: number;
  diskMiB: number;
}

function install(label: string, root: string, work: string): Installed {
  const packDir = join(work, `${label}-pack`);
  mkdirSync(packDir, { recursive: true });
  const { tarball } = packPackage(root, packDir);
  const consumer = installConsumer(tarball, [], join(work, `${label}-consumer`));
  const nodeModules = join(consumer.dir, 'node_modules');
  return {
    label,
    tarballKiB: Math.round(Number(execFileSync('stat', ['-c', '%s', tarball], { encoding: 'utf8' })) / 1024),
    dir: consumer.dir,
    // Every package directory in the tree, the consumer's own project aside.
    packages: installedPackages(nodeModules).length,
    diskMiB: diskMiB(nodeModules),
  };
}

const IMPORT = ['--input-type=module', '-e', "await import('drs-failback')"];

const args = process.argv.slice(2);
const beforeRef = args.includes('--before') ? args[args.indexOf('--before') + 1] : undefined;
const work = mkdtempSync(join(tmpdir(), 'drs-failback-bench-package-'));
try {
  execFileSync(process.execPath, ['bin/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
  const installs: Installed[] = [];
  if (beforeRef) {
    // The older package as it was: its own files list and scripts; its dependencies from the registry.
    const old = join(work, 'before-src');
    mkdirSync(old);
    execFileSync('sh', ['-c', `git -C "${ROOT}" archive "${beforeRef}" | tar -x -C "${old}"`]);
    installs.push(install('before', old, work));
  }
  installs.push(install('now', ROOT, work));
  const bin = (i: Installed) => join(i.dir, 'node_modules/drs-failback/bin/drs-failback.js');
  const clone = { cwd: ROOT, args: ['bin/drs-failback.js'] };
  const [cloneHelp = 0, ...help] = startupMs([
    { ...clone, args: [...clone.args, '--help'] },
    ...installs.map((i) => ({ cwd: i.dir, args: [bin(i), '--help'] })),
  ]);
  const [cloneVersion = 0, ...version] = startupMs([
    { ...clone, args: [...clone.args, '--version'] },
    ...installs.map((i) => ({ cwd: i.dir, args: [bin(i), '--version'] })),
  ]);
  const importable = installs.filter(
    (i) => spawnSync(process.execPath, IMPORT, { cwd: i.dir, env: consumerEnv() }).status === 0,
  );
  const imports = startupMs(importable.map((i) => ({ cwd: i.dir, args: IMPORT })));
  const rows: Figures[] = installs.map((i, n) => ({
    label: i.label === 'before' && beforeRef ? `before (${beforeRef.slice(0, 7)})` : i.label,
    tarballKiB: i.tarballKiB,
    packages: i.packages,
    diskMiB: i.diskMiB,
    helpMs: help[n] ?? 0,
    versionMs: version[n] ?? 0,
    importMs: importable.includes(i) ? (imports[importable.indexOf(i)] ?? null) : null,
  }));
  const cloneFigures = { helpMs: cloneHelp, versionMs: cloneVersion };

  const ms = (v: number | null) => (v === null ? 'fails (`.ts` sources)' : `${Math.round(v)} ms`);
  const section = [
    SECTION,
    '',
    `A consumer's view, measured by \`npx tsx bench/package.ts${beforeRef ? ' --before <ref>' : ''}\` on ${new Date().toISOString().slice(0, 10)}`,
    `(Node ${process.version}, ${cpus().length} CPU(s)): \`npm pack\`, the tarball installed alone into a fresh`,
    'project with no overrides, packages counted in the installed tree, size by `du`; start-up is the',
    `median wall time of ${RUNS} runs after one warm-up, the commands of a row taking turns`,
    `(load average ${loadavg()[0]?.toFixed(1)} when it ended: compare times within a run, not across runs).`,
    '',
    `| | ${rows.map((r) => r.label).join(' | ')} |`,
    `|---|${rows.map(() => '---|').join('')}`,
    `| tarball | ${rows.map((r) => `${r.tarballKiB} KiB`).join(' | ')} |`,
    `| packages installed | ${rows.map((r) => r.packages).join(' | ')} |`,
    `| node_modules on disk | ${rows.map((r) => `${Math.round(r.diskMiB)} MB`).join(' | ')} |`,
    `| installed \`drs-failback --help\` | ${rows.map((r) => ms(r.helpMs)).join(' | ')} |`,
    `| installed \`drs-failback --version\` | ${rows.map((r) => ms(r.versionMs)).join(' | ')} |`,
    `| \`node -e "await import('drs-failback')"\` | ${rows.map((r) => ms(r.importMs)).join(' | ')} |`,
    '',
    `The built clone, for comparison: \`node bin/drs-failback.js --help\` ${ms(cloneFigures.helpMs)}, \`--version\` ${ms(cloneFigures.versionMs)}.`,
    '',
    'What makes the difference (see docs/embedding.md for the package itself):',
    '- The package ships JavaScript: the library compiled by tsc with declarations, the command',
    '  bundled by esbuild (the same build the clone runs). `tsx`, `esbuild`, `commander` and',
    '  `@clack/prompts` (the last two bundled into the command) are development dependencies.',
    '- One AWS SDK line, 3.523.0, the only version of `@aws-sdk/client-drs`: EC2 and SNS used to come',
    '  from 3.1169, which installed a second credential chain and a second `@smithy` tree. The',
    '  credential chain is pinned too, since `@aws-sdk/client-sts` 3.523.0 asks for it as a peer',
    '  (`^3.523.0`), which npm would otherwise fill with the newest line. STS was already installed',
    '  by every client; Service Quotas adds one package, about 1 MB.',
    "- Importing the library loads the AWS SDK's clients (the activities send their",
    '  commands); most of that time is the EC2 client, a single large module. It never loads the',
    '  simulated AWS, aws-sdk-client-mock (with sinon) or pino-pretty (`drs-failback/sim` loads them).',
    "- The command (dist/cli) bundles the EC2 client's commands it uses from the SDK's ES modules",
    '  build instead of loading that module (`bin/esbuild-aws-sdk.mjs`; about 80 kB of JavaScript):',
    '  a dry run\'s modules took 141 MB of RSS before, 85 MB after (see "Memory: what the peak is',
    '  made of"). `--help` and `--version` load no AWS SDK at all.',
    '- Since the first figures of this table (1a625af: 544 KiB, 132 packages, 73 MB), the package',
    "  gained the Step Functions engine's clients (`@aws-sdk/client-sfn` and `@aws-sdk/client-dynamodb`,",
    '  the other packages and megabytes), the web view (hono, bundled into the command) and the',
    "  web view's screenshots in docs/img (about 790 KiB of PNG, which gzip cannot shrink; the",
    '  `files` list ships docs/).',
    '',
  ].join('\n');
  process.stdout.write(`${section}\n`);

  if (args.includes('--write')) {
    const path = join(ROOT, 'docs/performance.md');
    const doc = readFileSync(path, 'utf8');
    const start = doc.indexOf(SECTION);
    let next = doc.indexOf('\n## ', start + SECTION.length);
    if (next === -1) next = doc.length;
    const updated =
      start === -1 ? `${doc.trimEnd()}\n\n${section}` : `${doc.slice(0, start)}${section}${doc.slice(next)}`;
    writeFileSync(path, updated.endsWith('\n') ? updated : `${updated}\n`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
