// CLI start-up time: median wall time of 10 runs each of `--help`, `validate <plan>`, a dry-run
// `check` (the AWS SDK's clients and the simulation loaded), the AWS CLI's `--version` (when
// installed) and a bare `node -e 0`, the commands taking turns run by run (on a shared machine the
// load then weighs on all of them alike). Writes the `## CLI start-up` section of
// docs/performance.md, leaving the other sections (other benchmarks) as they are.
// Run: npx tsx bench/startup.ts
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const BIN = 'bin/drs-failback.js';
const PLAN = 'examples/plans/payments.yaml';
const DRY_RUN = ['examples/three-wave/plan.yaml', '--simulate', 'examples/three-wave/scenario.yaml'];
const RUNS = 10;
const SECTION = '## CLI start-up';

interface Measurement {
  label: string;
  command: string;
  medianMs: number | null;
  note?: string;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

interface Command {
  label: string;
  file: string;
  args: string[];
}

/** Median wall time of each command after one warm-up, the commands taking turns run by run. */
function measure(commands: Command[]): Measurement[] {
  const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', NO_COLOR: '1' };
  const runs = commands.map(({ label, file, args }) => {
    const command = [file === process.execPath ? 'node' : file, ...args].join(' ');
    const warm = spawnSync(file, args, { cwd: ROOT, env, stdio: 'ignore' });
    const note = warm.error ? warm.error.message : warm.status !== 0 ? `exit ${warm.status}` : undefined;
    return { label, command, note, times: [] as number[] };
  });
  for (let i = 0; i < RUNS; i++) {
    commands.forEach(({ file, args }, c) => {
      if (runs[c]?.note !== undefined) return;
      const start = process.hrtime.bigint();
      spawnSync(file, args, { cwd: ROOT, env, stdio: 'ignore' });
      runs[c]?.times.push(Number(process.hrtime.bigint() - start) / 1e6);
    });
  }
  return runs.map(({ label, command, note, times }) =>
    note === undefined
      ? { label, command, medianMs: median(times) }
      : { label, command, medianMs: null, note },
  );
}

function awsCliVersion(): string | null {
  try {
    return execFileSync('aws', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch {
    return null;
  }
}

const awsVersion = awsCliVersion();
const loadAtStart = loadavg()[0]?.toFixed(1);
const measured = measure([
  { label: 'baseline: node -e 0', file: process.execPath, args: ['-e', '0'] },
  { label: 'drs-failback --help', file: process.execPath, args: [BIN, '--help'] },
  { label: `drs-failback validate ${PLAN}`, file: process.execPath, args: [BIN, 'validate', PLAN] },
  { label: 'drs-failback check (dry run)', file: process.execPath, args: [BIN, 'check', ...DRY_RUN] },
  ...(awsVersion ? [{ label: 'aws --version', file: 'aws', args: ['--version'] }] : []),
]);
const results: Measurement[] = awsVersion
  ? measured
  : [
      ...measured,
      { label: 'aws --version', command: 'aws --version', medianMs: null, note: 'AWS CLI not installed' },
    ];
const loadAtEnd = loadavg()[0]?.toFixed(1);

const fmt = (m: Measurement) =>
  m.medianMs === null ? `n/a (${m.note ?? 'failed'})` : `${Math.round(m.medianMs)} ms`;
const help = results[1]?.medianMs ?? null;
const aws = results[4]?.medianMs ?? null;
const verdict =
  help !== null && aws !== null
    ? `\`--help\` takes ${Math.round((help / aws) * 100)}% of \`aws --version\` (target: well under 50%).`
    : 'The AWS CLI is not installed here, so `--help` is compared with the bare `node -e 0` baseline only.';

const section = [
  SECTION,
  '',
  `Median wall time of ${RUNS} runs after one warm-up, measured by \`npx tsx bench/startup.ts\` on ${new Date().toISOString().slice(0, 10)}`,
  `(Node ${process.version}, ${cpus().length} CPU(s)${awsVersion ? `, ${awsVersion.split(' ')[0]}` : ''}), the commands taking turns run by run`,
  `(load average, 1 min: ${loadAtStart} at the start, ${loadAtEnd} at the end; compare times within a run, not across runs).`,
  '',
  '| command | median |',
  '|---|---|',
  ...results.map((m) => `| \`${m.command}\` | ${fmt(m)} |`),
  '',
  verdict,
  'The command runs the CLI compiled to plain JavaScript in `dist/cli` (`bin/build.mjs`, run by `npm ci`',
  'through the `dependencies` script, by `npm pack` and before the tests; the package ships it): no',
  'TypeScript loader at start-up. Lazily imported',
  'commands are chunks of their own, so `--help` and `validate` load commander, yaml and zod (bundled)',
  'and never the AWS SDK or the simulation, which only `check`, `run`, `resume` and `prepare` load.',
  'The dry-run `check` (examples/three-wave, every precheck against the simulated AWS) loads them: the',
  "SDK's clients, the EC2 client's commands bundled from its ES modules build rather than its",
  '3 MB CommonJS module (`bin/esbuild-aws-sdk.mjs`; see Memory: what the peak is made of), and the',
  'simulation. Against the commit before that bundling (402a38b, built the same way; medians of 10',
  'runs taking turns, load average 9, 2026-12-02), this `check` took 1,993 ms before and 1,448 ms after.',
  'Before the build step, through the tsx loader, `--help` and `validate` took 226 ms and 370 ms.',
  '',
].join('\n');

const path = `${ROOT}docs/performance.md`;
let doc = existsSync(path) ? readFileSync(path, 'utf8') : '# Performance\n\n';
const start = doc.indexOf(`${SECTION}\n`);
if (start === -1) {
  doc = `${doc.replace(/\n*$/, '\n\n')}${section}`;
} else {
  const rest = doc.slice(start + SECTION.length);
  const next = rest.search(/\n## /);
  doc = doc.slice(0, start) + section + (next === -1 ? '' : rest.slice(next));
}
writeFileSync(path, doc);
for (const m of results) console.log(`${m.label.padEnd(50)} ${fmt(m)}`);
console.log(verdict);
