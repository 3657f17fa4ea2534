// The package as a team that embeds it gets it: `npm pack`, the tarball installed into a fresh
// project with no overrides, then used there without any TypeScript loader:
// (1) a plain .mjs loads a plan and runs a simulated failback, both through createFailbackRun and
//     as a bare xstate actor (examples/embedding/consumer.mjs);
// (2) a strict TypeScript consumer (examples/embedding/consumer.ts) type-checks against the
//     shipped declarations with skipLibCheck off, under moduleResolution node16 and bundler;
// (3) the installed command runs: --version, --help, and a simulated run.
// dist/ is built by the tests' globalSetup; packing takes it as it is.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConsumerProject,
  consumerEnv,
  installConsumer,
  installedPackages,
  type PackedPackage,
  packPackage,
} from '../support/installed-package.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  license: string;
  exports: Record<string, string | { types: string; default: string }>;
  dependencies: Record<string, string>;
  scripts: Record<string, string>;
};
const TYPES_NODE = JSON.parse(readFileSync(join(ROOT, 'node_modules/@types/node/package.json'), 'utf8')) as {
  version: string;
};

let work: string;
let packed: PackedPackage;
let consumer: ConsumerProject;

const node = (args: string[]) =>
  spawnSync(process.execPath, args, {
    cwd: consumer.dir,
    env: consumerEnv(),
    encoding: 'utf8',
    timeout: 60_000,
  });

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'drs-failback-pack-'));
  packed = packPackage(ROOT, work);
  // @types/node: what any TypeScript project on Node has. The tarball brings everything else.
  consumer = installConsumer(packed.tarball, [`@types/node@${TYPES_NODE.version}`], join(work, 'consumer'));
  for (const file of ['consumer.mjs', 'consumer.ts']) {
    copyFileSync(join(ROOT, 'examples/embedding', file), join(consumer.dir, file));
  }
  copyFileSync(join(ROOT, 'test/package/loaded-modules.mjs'), join(consumer.dir, 'loaded-modules.mjs'));
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
}, 120_000);

describe('the packed package', () => {
  it('holds compiled JavaScript with declarations, the bundled CLI and a LICENSE; no sources, tests or benches', () => {
    const { files } = packed;
    for (const target of Object.values(manifest.exports)) {
      const paths = typeof target === 'string' ? [target] : [target.types, target.default];
      for (const path of paths) expect(files).toContain(path.replace(/^\.\//, ''));
    }
    expect(files).toContain('dist/cli/main.mjs');
    expect(files).toContain('bin/drs-failback.js');
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files.filter((f) => /^(src|test|bench|machines|scripts)\//.test(f) || f.endsWith('.map'))).toEqual(
      [],
    );
    expect(manifest.license).toBe('Apache-2.0');
    expect(files).toContain('LICENSE');
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(
      /Apache License\s+Version 2\.0, January 2004/,
    );
  });

  it('installs no build or test tool, and one AWS SDK line', () => {
    // npm runs these (prepare too, from a tarball or git) where no build tool is installed.
    for (const script of ['preinstall', 'install', 'postinstall', 'prepare']) {
      expect(manifest.scripts).not.toHaveProperty(script);
    }
    for (const dep of Object.keys(manifest.dependencies)) {
      expect(dep).not.toMatch(/^(tsx|esbuild|vitest|typescript|@types\/|@biomejs\/)/);
    }
    const installed = installedPackages(join(consumer.dir, 'node_modules'));
    const names = new Set(installed.map((p) => p.name));
    // commander, hono and its Node server are bundled into the CLI; playwright-core drives the tests.
    for (const tool of [
      'tsx',
      'esbuild',
      'vitest',
      'typescript',
      'commander',
      'hono',
      '@hono/node-server',
      'playwright-core',
    ])
      expect(names).not.toContain(tool);
    // Clients, core and the credential chain all of one version: one chain loads.
    const sdk = installed.filter((p) => /^@aws-sdk\/(client-|credential-provider-|core$)/.test(p.name));
    expect(sdk.length).toBeGreaterThan(5);
    expect(new Set(sdk.map((p) => p.version))).toEqual(new Set(['3.523.0']));
  });
});

describe('plain JavaScript, no loader', () => {
  it('loads a plan and runs a simulated failback through createFailbackRun and as a bare actor', () => {
    const out = node(['consumer.mjs']);
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    const report = JSON.parse(out.stdout) as Record<
      'createFailbackRun' | 'createActor',
      { outcome: string; waves: string[]; events?: Record<string, number>; inspected?: string[] }
    >;
    const waves = ['databases: completed', 'app: completed', 'web: completed'];
    expect(report.createFailbackRun).toMatchObject({ outcome: 'completed', waves });
    expect(report.createFailbackRun.events).toMatchObject({ 'run.finished': 1, 'approval.given': 3 });
    // The embedder's inspector saw the actors.
    expect(report.createFailbackRun.inspected).toEqual(
      expect.arrayContaining(['@xstate.snapshot', '@xstate.event']),
    );
    expect(report.createActor).toMatchObject({ outcome: 'completed', waves });
  });

  const loaded = (specifier: string): string[] => {
    const out = node(['loaded-modules.mjs', specifier]);
    expect(out.status, out.stderr).toBe(0);
    return JSON.parse(out.stdout) as string[];
  };
  const LAZY =
    /aws-sdk-client-mock|\/sinon\/|pino-pretty|\/dist\/src\/sim\/|\/dist\/src\/web\/|\/dist\/cli\/|commander|hono|playwright/;

  it('imports the library without the simulated AWS, the AWS mock, the CLI, the web view or pino-pretty', () => {
    const library = loaded('drs-failback');
    expect(library.some((f) => f.includes('/drs-failback/dist/src/run.js'))).toBe(true);
    expect(library.filter((f) => LAZY.test(f))).toEqual([]);
    // The detector sees them where they belong: the simulated AWS loads its own modules and
    // answers the SDK clients' sends through aws-sdk-client-mock.
    const sim = loaded('drs-failback/sim');
    expect(sim.some((f) => f.includes('/drs-failback/dist/src/sim/world.js'))).toBe(true);
    expect(sim.some((f) => f.includes('/aws-sdk-client-mock/'))).toBe(true);
  });

  it('imports the machines with xstate alone', () => {
    const machines = loaded('drs-failback/machines');
    expect(machines.some((f) => f.includes('/drs-failback/dist/machines/plan.machine.js'))).toBe(true);
    expect(
      machines.filter(
        (f) => f.includes('/node_modules/') && !/\/node_modules\/(xstate|drs-failback)\//.test(f),
      ),
    ).toEqual([]);
  });
});

describe('strict TypeScript against the shipped declarations', () => {
  // Errors inside xstate's or @types/node's own declarations under these settings are theirs;
  // this package answers for its declarations and for what a consumer writes against them.
  const ours = (output: string) =>
    output
      .split('\n')
      .filter((line) => /error TS\d+/.test(line))
      .filter((line) => line.startsWith('consumer.ts') || line.includes('node_modules/drs-failback/'));

  it.each([
    ['node16', 'node16'],
    ['bundler', 'preserve'],
  ])(
    'type-checks with moduleResolution %s, exactOptionalPropertyTypes and skipLibCheck off',
    (resolution, module) => {
      const config = join(consumer.dir, `tsconfig.${resolution}.json`);
      writeFileSync(
        config,
        JSON.stringify({
          compilerOptions: {
            target: 'ES2022',
            module,
            moduleResolution: resolution,
            lib: ['ES2023'],
            types: ['node'],
            strict: true,
            exactOptionalPropertyTypes: true,
            noUncheckedIndexedAccess: true,
            skipLibCheck: false,
            noEmit: true,
          },
          files: ['consumer.ts'],
        }),
      );
      const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', config], {
        cwd: consumer.dir,
        encoding: 'utf8',
        timeout: 120_000,
      });
      const output = `${tsc.stdout}${tsc.stderr}`;
      // A package that failed to resolve would show here too (TS2307 in consumer.ts).
      expect(ours(output)).toEqual([]);
    },
  );

  it('reports a consumer mistake against the declarations (loadPlan returns a promise)', () => {
    writeFileSync(
      join(consumer.dir, 'misuse.ts'),
      "import { loadPlan, type Plan } from 'drs-failback';\nexport const plan: Plan = loadPlan('plan.yaml');\n",
    );
    const tsc = spawnSync(
      process.execPath,
      [
        join(ROOT, 'node_modules/typescript/bin/tsc'),
        '--noEmit',
        '--strict',
        '--module',
        'node16',
        '--moduleResolution',
        'node16',
        '--types',
        'node',
        '--skipLibCheck',
        'misuse.ts',
      ],
      { cwd: consumer.dir, encoding: 'utf8' },
    );
    expect(tsc.stdout).toMatch(/misuse\.ts\(2,14\): error TS27\d\d: Type 'Promise<.*Plan>'/);
  });
});

describe('the installed command', () => {
  let readmeRunId: string | undefined;
  const bin = () => join(consumer.dir, 'node_modules/.bin/drs-failback');

  it('runs --version and --help without a TypeScript loader', () => {
    expect(existsSync(join(consumer.dir, 'node_modules/tsx'))).toBe(false);
    const version = spawnSync(bin(), ['--version'], {
      cwd: consumer.dir,
      env: consumerEnv(),
      encoding: 'utf8',
    });
    expect(version.status).toBe(0);
    expect(version.stdout.trim()).toBe(manifest.version);
    const help = spawnSync(bin(), ['--help'], { cwd: consumer.dir, env: consumerEnv(), encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/Usage: drs-failback/);
  });

  it('runs the README example against the simulated AWS', () => {
    const example = join(consumer.dir, 'node_modules/drs-failback/examples/three-wave');
    const out = execFileSync(
      bin(),
      [
        'run',
        join(example, 'plan.yaml'),
        '--simulate',
        join(example, 'scenario.yaml'),
        '--yes',
        '--json',
        '--state-dir',
        join(consumer.dir, 'state'),
      ],
      { cwd: consumer.dir, env: consumerEnv(), encoding: 'utf8' },
    );
    const last = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as {
      type?: string;
      outcome?: string;
      runId?: string;
    };
    expect(last).toMatchObject({ type: 'run.finished', outcome: 'completed' });
    readmeRunId = last.runId;
  });

  it('serves the web view of that run from the bundled CLI (hono is not installed)', async () => {
    expect(readmeRunId).toBeDefined();
    const watcher = spawn(
      bin(),
      ['watch', readmeRunId ?? '', '--web', '--state-dir', join(consumer.dir, 'state')],
      { cwd: consumer.dir, env: consumerEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = new Promise<number | null>((resolve) => watcher.once('exit', resolve));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let err = '';
        watcher.stderr.on('data', (d: Buffer) => {
          err += d.toString();
          const match = /live view: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(err);
          if (match?.[1] !== undefined) resolve(match[1]);
        });
        watcher.once('exit', (code) => reject(new Error(`watch exited (${code}):\n${err}`)));
      });
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('drs-failback live view');
      expect((await fetch(new URL('/', url))).status).toBe(403);
      const report = new URL('/report.json', url);
      report.search = new URL(url).search;
      expect(JSON.parse(await (await fetch(report)).text())).toMatchObject({ outcome: 'completed' });
    } finally {
      watcher.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  });
});
