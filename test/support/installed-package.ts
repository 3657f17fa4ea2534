// The package as a team gets it: `npm pack` of this repository, installed from the tarball into a
// fresh project with no overrides. Used by test/package/consumer.test.ts and bench/package.ts.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PackedPackage {
  tarball: string;
  /** Paths inside the tarball, relative to the package root. */
  files: string[];
}

export interface ConsumerProject {
  dir: string;
  /** Packages npm reported as added (`added N packages`). */
  addedPackages: number;
}

/** Without NODE_OPTIONS (a loader set by a test runner would hide a missing build). */
export function consumerEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return env;
}

/**
 * Packs `root` into `dest`. dist/ must be built already (the tests' globalSetup builds it):
 * `--ignore-scripts` leaves it alone, so test files running in parallel keep using it.
 */
export function packPackage(root: string, dest: string): PackedPackage {
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dest], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [info] = JSON.parse(out) as { filename: string; files: { path: string }[] }[];
  if (!info) throw new Error('npm pack reported no package');
  return { tarball: join(dest, info.filename), files: info.files.map((f) => f.path) };
}

/** A new project (`"type": "module"`, no overrides) with the tarball and `extra` packages installed. */
export function installConsumer(tarball: string, extra: string[] = [], dir?: string): ConsumerProject {
  const project = dir ?? mkdtempSync(join(tmpdir(), 'drs-failback-consumer-'));
  mkdirSync(project, { recursive: true });
  writeFileSync(
    join(project, 'package.json'),
    `${JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`,
  );
  // npm's --offline refuses even cached exact versions here; --prefer-offline uses the cache first.
  const out = execFileSync(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball, ...extra],
    { cwd: project, encoding: 'utf8', env: consumerEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const added = /added (\d+) packages?/.exec(out);
  return { dir: project, addedPackages: added ? Number(added[1]) : Number.NaN };
}

export interface InstalledPackage {
  name: string;
  version: string;
  path: string;
}

/** Every package in a node_modules tree, nested ones included. */
export function installedPackages(nodeModules: string): InstalledPackage[] {
  const found: InstalledPackage[] = [];
  const visit = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir)) {
      if (entry.startsWith('.')) continue;
      if (entry.startsWith('@')) {
        for (const scoped of readdirSync(join(dir, entry))) visitPackage(join(dir, entry, scoped));
      } else {
        visitPackage(join(dir, entry));
      }
    }
  };
  const visitPackage = (path: string) => {
    const manifest = join(path, 'package.json');
    if (existsSync(manifest)) {
      const { name, version } = JSON.parse(readFileSync(manifest, 'utf8')) as {
        name: string;
        version: string;
      };
      found.push({ name, version, path });
    }
    visit(join(path, 'node_modules'));
  };
  visit(nodeModules);
  return found;
}

/** Size on disk in MiB, as `du -sm` counts it. */
export function diskMiB(path: string): number {
  const out = execFileSync('du', ['-sk', path], { encoding: 'utf8' });
  return Number.parseInt(out, 10) / 1024;
}
