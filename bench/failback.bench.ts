// The simulated failback benchmark: 1,000 servers in 10 waves (and 100 in 10 for comparison)
// through the real machines and actors against the simulated AWS, in virtual time; the growth
// of its cost from 1,000 to 10,000 servers (100 per wave); the calls per wave for waves of 10 to
// 500 servers; the command line's durable path (state directory, fsync) and the bytes it writes
// per step; beside it, the naive runbook loop on an identical fresh world, polling at the
// product's interval and at its usual 60 s. Each measurement runs in a fresh child process so
// memory figures are clean. `--write` updates the `## Simulated failback benchmark` section of
// docs/performance.md (and leaves the others).
// Run: npx tsx bench/failback.bench.ts [--write] [--runs 5] [--scale-runs 3] [--max-servers 10000]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { getHeapStatistics, writeHeapSnapshot } from 'node:v8';
import type { RunEvent } from '../src/events.js';
import { createFailbackRun } from '../src/run.js';
import { createSimulatedAws, toScenario } from '../src/sim/index.js';
import { generateFleet } from './lib/fleet.js';
import { NAIVE_POLL_MS, naiveRunbook } from './lib/naive-runbook.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SECTION = '## Simulated failback benchmark';
const TARGET_WALL_MS = 3_000;
const TARGET_RSS_MB = 200;
const TARGET_OVERHEAD = 1.02;

type Mode = 'tool' | 'naive' | 'durable';

interface Measurement {
  mode: Mode;
  servers: number;
  waves: number;
  outcome: string;
  wallMs: number;
  /** Peak resident set size of the whole process (module loading included), MB. */
  maxRssMB: number;
  /** Peak RSS once the modules are loaded, before the run: the floor under `maxRssMB`. */
  rssAfterImportsMB: number;
  /** Peak V8 heap used, sampled during the run, MB. */
  peakHeapMB: number;
  virtualMs: number;
  idealMs: number;
  callsByOperation: Record<string, number>;
  /** Calls per wave by operation, from the event stream (tool only). */
  callsPerWave: Record<string, number[]>;
  totalCalls: number;
  /** Durable path only: bytes the process wrote (all files of the state directory), and per step. */
  disk?: DiskFigures;
}

interface DiskFigures {
  bytes: number;
  steps: number;
  /** Mean bytes written per step over the first and the last quarter of the steps. */
  firstQuarterPerStep: number;
  lastQuarterPerStep: number;
  /** Bytes written from the end of the previous wave to the end of each wave (same work each). */
  perWave: number[];
  /** Final size of each file of the run's folder. */
  files: Record<string, number>;
}

const MB = 1024 * 1024;
const WAVE_FINAL = new Set(['completed', 'backedOut', 'backoutFailed', 'aborted', 'precheckFailed']);

// getHeapStatistics, not process.memoryUsage(): the latter reads the RSS too, and sampled
// every few milliseconds it was 2.6% of a large run's profile.
const heapUsed = () => getHeapStatistics().used_heap_size;
function heapSampler() {
  let peak = heapUsed();
  const timer = setInterval(() => {
    peak = Math.max(peak, heapUsed());
  }, 10);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(peak, heapUsed()) / MB;
    },
  };
}

/** Bytes this process has written through write(2) and friends (Linux), 0 elsewhere. */
function bytesWritten(): number {
  try {
    const io = readFileSync('/proc/self/io', 'utf8');
    return Number(/^wchar: (\d+)$/m.exec(io)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

function countBy(values: Iterable<string>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}

/**
 * What a measurement keeps of its generated fleet: the plan, the simulated world built from the
 * scenario, the servers' ids. The scenario file's data and the plan file's text are dropped once
 * used, as the command line drops the files it parsed (they were a tenth of a large run's heap).
 */
function setUp(serverCount: number, waveCount: number) {
  const fleet = generateFleet({ servers: serverCount, waves: waveCount });
  const sim = createSimulatedAws(toScenario(fleet.scenario, `fleet-${serverCount}`));
  // Only counted here (by operation), as the CLI's run only journals them: the record keeps
  // each call, not its input (World.keepCallInputs).
  sim.world.keepCallInputs(false);
  return {
    sim,
    plan: fleet.plan,
    idealMs: fleet.idealWaveMs.reduce((a, b) => a + b, 0),
    serverIds: fleet.servers.map((s) => s.sourceServerID),
  };
}

/** One measurement, in this process (the child side). */
async function measure(
  mode: Mode,
  serverCount: number,
  waveCount: number,
  pollMs = NAIVE_POLL_MS,
): Promise<Measurement> {
  const rssAfterImportsMB = process.resourceUsage().maxRSS / 1024;
  if (mode === 'durable') return measureDurable(serverCount, waveCount, rssAfterImportsMB);
  const { sim, plan, idealMs, serverIds } = setUp(serverCount, waveCount);
  const startedAt = sim.clock.now();
  const heap = heapSampler();
  const t0 = performance.now();

  let outcome = 'completed';
  let virtualMs: number;
  const callsPerWave: Record<string, number[]> = {};
  const heapSnapshotAt = process.env.BENCH_HEAP_SNAPSHOT;
  // The wave after which it is taken (default: half-way); the last wave's index for the end.
  const heapSnapshotWave = Number(process.env.BENCH_HEAP_SNAPSHOT_WAVE ?? Math.floor(waveCount / 2));
  if (mode === 'tool') {
    const run = createFailbackRun({
      plan,
      clients: sim.clients,
      clock: sim.clock,
      probes: sim.probes,
      simulated: true,
      runId: 'run-20260301T020000Z-bench0',
    });
    // Calls are attributed to a wave from the end of the previous wave on (the notification of
    // a wave's final state is published after it, and belongs to that wave's cost anyway).
    let waveIndex = 0;
    let finishedAt = startedAt;
    run.on((event: RunEvent) => {
      if (event.type === 'state' && event.machine === 'wave' && WAVE_FINAL.has(event.to)) {
        waveIndex = Math.min(waveIndex + 1, waveCount - 1);
        // Live objects after that wave (writeHeapSnapshot collects garbage first); the last
        // index writes again once the last wave ends.
        if (heapSnapshotAt && waveIndex === heapSnapshotWave) writeHeapSnapshot(heapSnapshotAt);
      }
      if (event.type === 'aws.request') {
        const perWave = callsPerWave[event.operation] ?? Array<number>(waveCount).fill(0);
        perWave[waveIndex] = (perWave[waveIndex] ?? 0) + 1;
        callsPerWave[event.operation] = perWave;
      }
      if (event.type === 'state' && event.machine === 'plan' && event.from !== null) {
        finishedAt = Date.parse(event.at);
      }
    });
    const result = await sim.clock.run(run.start());
    outcome = result.outcome;
    virtualMs = finishedAt - startedAt;
  } else {
    await sim.clock.run(naiveRunbook(sim, serverIds, pollMs));
    virtualMs = sim.clock.now() - startedAt;
  }

  const wallMs = performance.now() - t0;
  const peakHeapMB = heap.stop();
  const recorded = sim.calls();
  return {
    mode,
    servers: serverCount,
    waves: waveCount,
    outcome,
    wallMs,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
    rssAfterImportsMB,
    peakHeapMB,
    virtualMs,
    idealMs,
    callsByOperation: countBy(recorded.map((c) => c.operation)),
    callsPerWave,
    totalCalls: recorded.length,
  };
}

/** The durable path's measurement: the command line reads the fleet's files and builds its own world. */
async function measureDurable(
  serverCount: number,
  waveCount: number,
  rssAfterImportsMB: number,
): Promise<Measurement> {
  const fleet = generateFleet({ servers: serverCount, waves: waveCount });
  const heap = heapSampler();
  const t0 = performance.now();
  const durable = await durableRun(fleet.planText, fleet.scenario);
  const wallMs = performance.now() - t0;
  return {
    mode: 'durable',
    servers: serverCount,
    waves: waveCount,
    outcome: durable.outcome,
    wallMs,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
    rssAfterImportsMB,
    peakHeapMB: heap.stop(),
    virtualMs: durable.virtualMs,
    idealMs: fleet.idealWaveMs.reduce((a, b) => a + b, 0),
    callsByOperation: countBy(durable.calls.map((c) => c.operation)),
    callsPerWave: {},
    totalCalls: durable.calls.length,
    disk: durable.disk,
  };
}

/**
 * The command line's durable path, in this process: `run --simulate --yes --json --state-dir`
 * through the same command function the CLI calls, its event stream into memory (not counted),
 * everything else it writes (events.ndjson, snapshot.json, the world's journal, locks) counted
 * with /proc/self/io between consecutive steps.
 */
async function durableRun(
  planText: string,
  scenario: object,
): Promise<{ outcome: string; virtualMs: number; disk: DiskFigures; calls: { operation: string }[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'drs-failback-bench-'));
  try {
    const planPath = join(dir, 'plan.yaml');
    const scenarioPath = join(dir, 'scenario.yaml');
    writeFileSync(planPath, planText);
    writeFileSync(scenarioPath, JSON.stringify(scenario));
    const stateDir = join(dir, 'state');
    const perStep: number[] = [];
    const calls: { operation: string }[] = [];
    let firstAt = Number.NaN;
    let lastAt = Number.NaN;
    let outcome = 'unknown';
    let pending = '';
    const start = bytesWritten();
    let mark = start;
    const perWave: number[] = [];
    let waveMark = start;
    const stdout = new Writable({
      write(chunk: Buffer, _encoding, done) {
        pending += chunk.toString('utf8');
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          const event = JSON.parse(line) as RunEvent;
          if (Number.isNaN(firstAt)) firstAt = Date.parse(event.at);
          if (event.type === 'aws.request') calls.push({ operation: event.operation });
          if (event.type === 'state') {
            lastAt = Date.parse(event.at);
            const now = bytesWritten();
            perStep.push(now - mark);
            mark = now;
            if (event.machine === 'wave' && WAVE_FINAL.has(event.to)) {
              perWave.push(now - waveMark);
              waveMark = now;
            }
          }
          if (event.type === 'run.finished') outcome = event.outcome;
        }
        done();
      },
    });
    const stderr = new Writable({ write: (_chunk, _encoding, done) => done() });
    // Imported here: the other modes do not load the command line's modules.
    const { run: runCommand } = await import('../src/cli/commands/run.js');
    await runCommand(
      { plan: planPath, simulate: scenarioPath, yes: true, json: true, stateDir },
      { stdin: process.stdin, stdout, stderr, env: process.env },
    );
    const bytes = bytesWritten() - start;
    const quarter = Math.max(1, Math.floor(perStep.length / 4));
    const runDir = join(stateDir, 'runs');
    const files: Record<string, number> = {};
    for (const run of readdirSyncSafe(runDir)) {
      for (const name of readdirSyncSafe(join(runDir, run))) {
        const path = join(runDir, run, name);
        // A folder (waves/): the sum of its files.
        files[statSync(path).isDirectory() ? `${name}/` : name] = statSync(path).isDirectory()
          ? readdirSyncSafe(path).reduce((sum, f) => sum + statSync(join(path, f)).size, 0)
          : statSync(path).size;
      }
    }
    return {
      outcome,
      virtualMs: lastAt - firstAt,
      calls,
      disk: {
        bytes,
        steps: perStep.length,
        firstQuarterPerStep: avg(perStep.slice(0, quarter)),
        lastQuarterPerStep: avg(perStep.slice(-quarter)),
        perWave,
        files,
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function readdirSyncSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * The children run this file compiled to plain JavaScript, as the installed CLI runs (dist/):
 * measuring through the tsx loader would add its compile caches (about 90 MB) to every figure.
 */
const COMPILED = `${ROOT}dist/bench/failback.bench.mjs`;
async function compileChild(): Promise<void> {
  const { build } = await import('esbuild');
  const { bundleAwsSdkClients } = await import('../bin/esbuild-aws-sdk.mjs');
  rmSync(`${ROOT}dist/bench`, { recursive: true, force: true });
  // Built as the command is (bin/build.mjs): lazily imported modules are chunks of their own,
  // loaded only when imported, and the EC2 client keeps only the commands used.
  await build({
    entryPoints: { 'failback.bench': fileURLToPath(import.meta.url) },
    outdir: `${ROOT}dist/bench`,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    plugins: [bundleAwsSdkClients()],
    outExtension: { '.js': '.mjs' },
    logLevel: 'warning',
  });
}

/** The same measurement in a fresh Node process (the parent side); `nodeFlags` e.g. a heap cap. */
function inChild(
  mode: Mode,
  servers: number,
  waves: number,
  nodeFlags: string[] = [],
  pollMs = NAIVE_POLL_MS,
): Measurement {
  const out = execFileSync(
    process.execPath,
    [...nodeFlags, COMPILED, '--child', mode, String(servers), String(waves), String(pollMs)],
    {
      cwd: ROOT,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      maxBuffer: 64 * MB,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return JSON.parse(out.toString()) as Measurement;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const hours = (ms: number) => `${(ms / 3_600_000).toFixed(1)} h`;
const minutes = (ms: number) => `${(ms / 60_000).toFixed(1)} min`;
const int = (n: number) => Math.round(n).toLocaleString('en-US');
const avg = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);

interface Summary {
  runs: Measurement[];
  wallMs: number;
  maxRssMB: number;
  peakHeapMB: number;
  rssAfterImportsMB: number;
  first: Measurement;
}

function summarise(runs: Measurement[]): Summary {
  const first = runs[0];
  if (!first) throw new Error('no runs');
  return {
    runs,
    first,
    wallMs: median(runs.map((r) => r.wallMs)),
    maxRssMB: median(runs.map((r) => r.maxRssMB)),
    peakHeapMB: median(runs.map((r) => r.peakHeapMB)),
    rssAfterImportsMB: median(runs.map((r) => r.rssAfterImportsMB)),
  };
}

const HEAP_CAP_MB = 96;
const SCALE_SERVERS = [1000, 2000, 5000, 10_000];
const WAVE_SIZES = [10, 100, 200, 500];
// Small: every step rewrites snapshot.json (hundreds of kB at 1,000 servers) with an fsync.
const DURABLE_SERVERS = [200, 1000];
const TARGET_SCALE_RATIO = 1.3;
const TARGET_RSS_10K_MB = 400;
const fleetPollMs = () => generateFleet({ servers: 1, waves: 1 }).plan.polling.intervalMs;

/** Load average (1 min) when each measurement began: the machine is shared. */
const loads: number[] = [];
const loadRange = () =>
  loads.length === 0 ? 'not recorded' : `${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)}`;

function scaleReport(scale: Summary[], runs: number, reusesBig = true): string {
  const base = scale[0];
  if (!base) return '';
  const perServer = (s: Summary) => s.wallMs / s.first.servers;
  const largest = scale.at(-1) ?? base;
  const ratio = perServer(largest) / perServer(base);
  return [
    '### Cost as the fleet grows (100 servers per wave)',
    '',
    `Medians of ${runs} runs each${reusesBig ? ' (1,000: the runs above)' : ''}; peak RSS with default V8 settings; load average (1 min) ${loadRange()} when the runs began (2 CPUs).`,
    '',
    '| servers / waves | wall | wall per server | vs 1,000 | peak RSS | peak heap | AWS calls | calls per server |',
    '|---|---|---|---|---|---|---|---|',
    ...scale.map(
      (s) =>
        `| ${int(s.first.servers)} / ${s.first.waves} | ${int(s.wallMs)} ms | ${perServer(s).toFixed(2)} ms | ${(perServer(s) / perServer(base)).toFixed(2)}x | ${s.maxRssMB.toFixed(0)} MB | ${s.peakHeapMB.toFixed(0)} MB | ${int(s.first.totalCalls)} | ${(s.first.totalCalls / s.first.servers).toFixed(2)} |`,
    ),
    '',
    `Wall time per server at ${int(largest.first.servers)} is ${ratio.toFixed(2)}x the figure at 1,000 (goal <= ${TARGET_SCALE_RATIO}x: ${ratio <= TARGET_SCALE_RATIO ? 'met' : '**missed**'}); peak RSS at ${int(largest.first.servers)} is ${largest.maxRssMB.toFixed(0)} MB (goal < ${TARGET_RSS_10K_MB} MB: ${largest.maxRssMB < TARGET_RSS_10K_MB ? 'met' : '**missed**'}).`,
    '',
    ...MEMORY_NOTES,
    '',
  ].join('\n');
}

function durableReport(runs: Measurement[]): string {
  const kB = (n: number) => `${(n / 1024).toFixed(1)} kB`;
  return [
    '### The durable path: bytes written to disk',
    '',
    '`run --simulate --yes --json --state-dir` through the command function the CLI calls, in a',
    'fresh process; its event stream goes to memory, everything else it writes (events.ndjson,',
    "snapshot.json, waves/<index>.json, the simulated world's journal sim-world.ndjson, locks) is",
    'counted by the kernel (`wchar` of /proc/self/io) between consecutive steps (a step: one',
    '`state` event) and between the ends of consecutive waves. Disk work per step must not grow',
    'with the steps before it: the last quarter of the steps against the first, and the last wave',
    'against the first (every wave of the generated fleet does the same work, so this compares like',
    'with like; the quarters mix kinds of steps, and a 2-wave run has only a dozen).',
    '',
    '| servers / waves | outcome | written per run | steps | per step, first quarter | per step, last quarter | last / first | first wave | last wave | last / first | files at the end |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...runs.map((m) => {
      const d = m.disk;
      if (!d) return `| ${m.servers} / ${m.waves} | ${m.outcome} | - | | | | | | | | |`;
      const files = Object.entries(d.files)
        .filter(([name]) => !name.startsWith('.'))
        .map(([name, size]) => `${name} ${kB(size)}`)
        .join(', ');
      const firstWave = d.perWave[0] ?? 0;
      const lastWave = d.perWave.at(-1) ?? 0;
      return `| ${int(m.servers)} / ${m.waves} | ${m.outcome} | ${(d.bytes / MB).toFixed(1)} MB | ${int(d.steps)} | ${kB(d.firstQuarterPerStep)} | ${kB(d.lastQuarterPerStep)} | ${(d.lastQuarterPerStep / Math.max(1, d.firstQuarterPerStep)).toFixed(2)} | ${kB(firstWave)} | ${kB(lastWave)} | ${(lastWave / Math.max(1, firstWave)).toFixed(2)} | ${files} |`;
    }),
    '',
    ...DURABLE_NOTES,
    '',
  ].join('\n');
}

/** Where the peak memory comes from (measured by hand with --trace-gc); re-checked when the numbers move. */
const MEMORY_NOTES = [
  '### Memory: what the peak is made of',
  '',
  'Measured on the compiled child with `node --trace-gc` (default settings) and heap snapshots',
  '(`BENCH_HEAP_SNAPSHOT`, `BENCH_HEAP_SNAPSHOT_WAVE`), 2026-12-02, before (the doc of that',
  'morning) and after the cuts below:',
  '',
  '| | 1,000 / 10 before | 1,000 / 10 after | 10,000 / 100 before | 10,000 / 100 after |',
  '|---|---|---|---|---|',
  '| RSS with the modules loaded, before the run | 129-141 MB | 80-87 MB | 127-132 MB | 81-85 MB |',
  '| live heap after a full GC, early in the run | 36 MB | 23 MB | 90 MB | 51-53 MB |',
  '| live heap after the last full GC | 40 MB | 23 MB | 128 MB | 71-73 MB |',
  '| heap used when V8 started the next full GC | 152 MB | 66 MB | 340-481 MB | 205-300 MB |',
  '| peak RSS, default settings | 279 MB (median of 3) | 151-178 MB | 640 MB (median of 3) | 365-403 MB |',
  '',
  '- The floor is the modules plus what V8 lets pile up between full collections: with default',
  '  settings and a collector that costs little here, V8 sets the next full GC at about 4 times',
  '  the live heap (66 MB after 23 MB live at 1,000; 205-300 MB after 51-73 MB at 10,000), so',
  '  every byte held costs about four in the peak. The cuts, each measured on the child (1,000 /',
  '  10,000 servers, peak RSS):',
  "  - The EC2 client's CommonJS build is one 3 MB module with every EC2 operation; loading it",
  '    took about 60 MB of resident memory and 300 ms, more than every other module of a dry run',
  '    together. The command and the child now bundle the EC2 client from its ES modules build,',
  '    which keeps the two commands and the types used (80 kB; `bin/esbuild-aws-sdk.mjs`,',
  "    checked by `test/cli/built-modules.test.ts`): modules' RSS 141 to 85 MB, 278 to 198 MB at",
  "    1,000. The library (`dist/src`) still imports the package, as an embedder's bundler would.",
  "  - The world's record of calls: `keepCallInputs(false)` deleted each input, which left every",
  '    record a dictionary object, and each request id (and every generated id) was a chain of',
  '    partial strings built a character at a time: 870 bytes per call, now 200. The simulated',
  "    job logs of every finished job were kept (a tenth of the run's growth): a log is now kept",
  '    while its job runs and rebuilt, identical, if read again. The stubs of',
  "    aws-sdk-client-mock kept the last 256 calls' arguments and responses (thousands of instance",
  '    views): 198 to 172 MB at 1,000, 400 MB at 10,000 (one run).',
  "  - The stubs' history is now cleared after every call (the simulated AWS stays built on",
  '    aws-sdk-client-mock): 10,000 servers, 4 runs each, same build, load under 1: 423-439 MB',
  '    (median 430) with the last 256 calls kept, 366-399 MB (median 386) with none. Answering',
  '    `send` without aws-sdk-client-mock (tried) gave 381-409 MB (median 389): no better, so the',
  '    mock stays.',
  "  - `toScenario` printed the scenario's data as JSON and parsed it back as YAML: at 10,000",
  '    servers the YAML document was the largest thing alive during set-up, and V8 set its next',
  '    collection from it (94 MB live, next at 375 MB). It now validates the data directly; the',
  "    child no longer keeps the scenario file's data and the plan file's text (the command line",
  '    does not keep its files either): 10,000 servers 365-403 MB (11 runs).',
  '- What is left: the modules (about 15 MB of heap, 80 MB of RSS with Node itself), the plan,',
  '  the normalised scenario and the simulated world (about 4.5 kB per server when the run starts:',
  '  2 EC2 instances, a source server and a recovery instance with their timelines) and what the',
  '  run adds (about 3 kB per server: jobs, launched instances, the record of calls at 200 bytes',
  '  each, wave results). `test/sim/memory.test.ts` holds these to budgets. Against the goals',
  '  (1,000 servers < 200 MB, 10,000 < 400 MB) see the tables above: at 10,000 the margin depends',
  "  on where V8's full collections fall, and the floor is the modules plus 4 times this live heap.",
  '  A real run has no simulated world in its heap.',
];

/** How the durable path writes; re-checked when the numbers move. */
const DURABLE_NOTES = [
  'Before snapshot format 3 (same benchmark, 2026-12-02, before this change): 200 / 2 wrote',
  '47.4 MB, per step 263.0 kB in the first quarter and 8,576.4 kB in the last (32.61); 1,000 / 10',
  'wrote 641.5 MB, 7,579.6 kB and 18,572.5 kB per step (2.45). snapshot.json, replaced whole',
  "(temp file, fsync, rename) a few hundred times per wave, held the plan's waves (the whole fleet,",
  'about 11 kB per 100 servers) and the results of every finished wave (about 15 kB per 100',
  'servers), so every write grew with the waves behind it.',
  '',
  'Now: the last wave writes 0.96 and 0.87 times what the first wave writes (the first also creates',
  'the run: plan.json, plan.source, a lock per server), so the work per step no longer depends on the',
  'steps before (goal about 1.0: met). The per-step quarters still differ (19.32 at 200 / 2) because',
  "they compare different kinds of steps: a wave's monitoringJob and verifying steps save the",
  'snapshot at every poll round, its precheck once. Measured on the writes themselves (a 300 / 3 run,',
  'sizes of the 909 snapshot.json writes): 57.4 kB on average in the first quarter, 62.1 kB in the',
  "last (1.08: the launch statuses fill during a wave), against format 2's growth of 26 kB per 100",
  'servers behind. Written per run fell by 71% at 1,000 servers (641.5 MB to 186.9 MB).',
  '',
  'How it works now (`src/store/snapshot-parts.ts`, docs/reliability.md): snapshot.json refers to',
  'the plan\'s waves in plan.json (`{ "$ref": "plan.json#/waves" }`) and to the finished waves\'',
  'results (`{ "$ref": "waves/", "count": n }`, also for the final output); each result is written',
  'once, atomically, to `waves/<index>.json` before the first snapshot that refers to it (a kill',
  'between the two leaves the older snapshot, which does not refer to it: `snapshot:wave-result`,',
  '`test/kill`). Loading puts both back, so resume, status, report and backout read the same',
  'snapshot as before; formats 1 and 2 (inline) still load. What a snapshot still holds is the',
  "plan machine's few fields and the running wave's own context (its servers, their resolved",
  'recovery instances, launch statuses and cutover record: about 60 kB per 100-server wave), the',
  'same at the first wave as at the hundredth. The simulated world is an append-only journal (one',
  'line per call, `src/sim/journal.ts`), and so is events.ndjson.',
];

function perWaveReport(runs: Measurement[]): string {
  const operations = [...new Set(runs.flatMap((m) => Object.keys(m.callsPerWave)))].sort();
  const per = (m: Measurement, op: string) => avg(m.callsPerWave[op] ?? []);
  const first = runs[0];
  return [
    '### Calls per wave as waves grow',
    '',
    '4 waves of each size; the mean calls per wave by operation. Flat means the calls do not grow',
    'with the servers in a wave, except for steps at the API batch limits (200 ids per',
    'DescribeRecoveryInstances / DescribeJobs filter, 1,000 per DescribeInstances) and the calls',
    "that are one per server by the API's design (DescribeRecoverySnapshots).",
    '',
    `| operation | ${runs.map((m) => `${m.servers / m.waves} per wave`).join(' | ')} | ${WAVE_SIZES.at(-1)} vs ${WAVE_SIZES[0]} per wave |`,
    `|---|${runs.map(() => '---|').join('')}---|`,
    ...operations.map((op) => {
      const last = runs.at(-1);
      const growth = first && last && per(first, op) > 0 ? (per(last, op) / per(first, op)).toFixed(2) : '-';
      return `| ${op} | ${runs.map((m) => per(m, op).toFixed(1)).join(' | ')} | ${growth}x |`;
    }),
    '',
    `Measured: Publish and DescribeJobs are flat (one DescribeJobs per poll names every job of the`,
    `wave); StartFailbackLaunch and DescribeJobLogItems are per job, and jobs are sized by`,
    `\`job.maxServers\` (default 100, DRS's current quota; see [plan file](plan-file.md#job)):`,
    `${WAVE_SIZES.map((size, i) => `${runs[i] ? per(runs[i] as Measurement, 'StartFailbackLaunch').toFixed(0) : '-'} at ${size}`).join(', ')} servers per wave,`,
    `DescribeJobLogItems one per job per poll (it names one job: API design); a plan with a wave of`,
    `more than 100 servers reads DRS's 3 job quotas once per run (GetServiceQuota, 3 calls over 4`,
    `waves). DescribeInstances and DescribeInstanceStatus step every 100 instances (the 100-id`,
    `batches of \`describe-ec2.ts\`), DescribeRecoveryInstances and DescribeSourceServers every page`,
    `of the simulated listing (100 items when no \`maxResults\` is sent) for every verify round:`,
    `steps at batch, page and quota limits, the same number of rounds (about 21 per wave) at every`,
    `size. DescribeRecoverySnapshots is the one`,
    `operation per server (API design, see above).`,
    '',
  ].join('\n');
}

function report(
  big: Summary,
  small: Summary,
  capped: Summary,
  naiveBig: Measurement,
  naiveEqual: Measurement,
  runCount: number,
): string {
  const b = big.first;
  const s = small.first;
  const overhead = b.virtualMs / b.idealMs;
  const operations = Object.keys({ ...b.callsByOperation, ...s.callsByOperation }).sort();
  const describeOps = operations.filter((op) => op.startsWith('Describe'));
  const lines = [
    SECTION,
    '',
    `Measured by \`npx tsx bench/failback.bench.ts --write\` on ${new Date().toISOString().slice(0, 10)}`,
    `(Node ${process.version}, ${cpus().length} CPU(s), load average ${loadavg()[0]?.toFixed(1)} when written). Each run is a fresh child process running the`,
    'compiled JavaScript (as the installed CLI does); figures are',
    `medians of ${runCount} runs. The plan and the scenario are generated in code (\`bench/lib/fleet.ts\`):`,
    `${b.servers.toLocaleString('en-US')} on-premises servers in ${b.waves} waves of ${b.servers / b.waves}, approval \`none\`,`,
    'default polling (15 s, backing off to 5 min on errors), every server verified on its EC2 target;',
    'launches take 20-30 min, status checks pass 3-5 min after a launch, jobs start after 30 s.',
    '',
    `| figure | ${b.servers} servers / ${b.waves} waves | target |`,
    '|---|---|---|',
    `| outcome | ${b.outcome} | completed |`,
    `| wall time (median) | ${int(big.wallMs)} ms | < ${int(TARGET_WALL_MS)} ms ${big.wallMs < TARGET_WALL_MS ? 'met' : '**missed**'} |`,
    `| peak RSS, whole process, default V8 settings (median) | ${big.maxRssMB.toFixed(0)} MB | < ${TARGET_RSS_MB} MB ${big.maxRssMB < TARGET_RSS_MB ? 'met' : '**missed**'} |`,
    `| peak RSS, whole process, V8 old space capped at ${HEAP_CAP_MB} MB (median) | ${capped.maxRssMB.toFixed(0)} MB (${capped.first.outcome}, ${int(capped.wallMs)} ms) | |`,
    `| RSS with the modules loaded, before the run (median) | ${big.rssAfterImportsMB.toFixed(0)} MB | |`,
    `| peak V8 heap used during the run, garbage included (median) | ${big.peakHeapMB.toFixed(0)} MB | |`,
    `| virtual duration of the run | ${hours(b.virtualMs)} | |`,
    `| sum of the waves' job + verify times in the scenario | ${hours(b.idealMs)} | |`,
    `| orchestration overhead (ratio of the two) | ${overhead.toFixed(4)} | < ${TARGET_OVERHEAD} ${overhead < TARGET_OVERHEAD ? 'met' : '**missed**'} |`,
    `| AWS calls | ${int(b.totalCalls)} | |`,
    '',
    `Wall times of the ${runCount} runs: ${big.runs.map((r) => `${int(r.wallMs)} ms`).join(', ')}.`,
    `For ${s.servers} servers / ${s.waves} waves: ${int(small.wallMs)} ms, ${small.maxRssMB.toFixed(0)} MB peak RSS,`,
    `overhead ${(s.virtualMs / s.idealMs).toFixed(4)}, ${int(s.totalCalls)} AWS calls.`,
    '',
    ...WHERE_TIME_GOES,
    '',
    '### AWS calls by operation, and per wave',
    '',
    'Per wave = the mean over the waves. The question is whether the calls a wave makes grow with',
    'the number of servers in it (they must not, up to the API list limits).',
    '',
    `| operation | total, ${b.servers} servers | per wave, ${b.servers / b.waves} servers/wave | per wave, ${s.servers / s.waves} servers/wave | ratio |`,
    '|---|---|---|---|---|',
    ...operations.map((op) => {
      const perBig = avg(b.callsPerWave[op] ?? []);
      const perSmall = avg(s.callsPerWave[op] ?? []);
      const ratio = perSmall > 0 ? (perBig / perSmall).toFixed(2) : '-';
      return `| ${op} | ${int(b.callsByOperation[op] ?? 0)} | ${perBig.toFixed(1)} | ${perSmall.toFixed(1)} | ${ratio} |`;
    }),
    '',
    `Describe operations per wave: ${describeOps
      .map(
        (op) =>
          `${op} ${avg(b.callsPerWave[op] ?? []).toFixed(1)} vs ${avg(s.callsPerWave[op] ?? []).toFixed(1)}`,
      )
      .join('; ')}.`,
    '',
    '### Against the naive runbook loop',
    '',
    'The loop runbooks describe, on an identical fresh world: one server at a time,',
    '`DescribeRecoveryInstances` for its recovery instance, `StartFailbackLaunch`, then `DescribeJobs`',
    `every interval until the job is COMPLETED, then the next server (no verification, no`,
    `notifications): at its usual 60 s, and at the product's own ${fleetPollMs() / 1000} s, the same detection latency.`,
    '',
    `| ${b.servers} servers | drs-failback | naive loop, 60 s | naive / drs-failback | naive loop, ${fleetPollMs() / 1000} s (equal latency) | naive / drs-failback |`,
    '|---|---|---|---|---|---|',
    `| virtual duration | ${hours(b.virtualMs)} | ${hours(naiveBig.virtualMs)} | ${(naiveBig.virtualMs / b.virtualMs).toFixed(1)}x | ${hours(naiveEqual.virtualMs)} | ${(naiveEqual.virtualMs / b.virtualMs).toFixed(1)}x |`,
    `| AWS calls | ${int(b.totalCalls)} | ${int(naiveBig.totalCalls)} | ${(naiveBig.totalCalls / b.totalCalls).toFixed(2)}x | ${int(naiveEqual.totalCalls)} | ${(naiveEqual.totalCalls / b.totalCalls).toFixed(2)}x |`,
    `| mean time per wave | ${minutes(b.virtualMs / b.waves)} | | | | |`,
    '',
    `At equal detection latency the loop makes ${(naiveEqual.totalCalls / b.totalCalls).toFixed(1)}x the calls (goal >= 10x: ${naiveEqual.totalCalls / b.totalCalls >= 10 ? 'met' : '**missed**'}).`,
    '',
  ];
  return lines.join('\n');
}

/** Why the figures are what they are; re-checked when the numbers move. */
const WHERE_TIME_GOES = [
  '### Where the time and the memory go',
  '',
  'Profiled with `node --cpu-prof` on the compiled child (`dist/bench/failback.bench.mjs --child',
  'tool 3000 30`) and a heap snapshot half-way through a 2,000-server run (`BENCH_HEAP_SNAPSHOT=<file>`),',
  'on 2 shared CPUs under load; shares of all CPU samples, by where the sampled function lives:',
  '',
  '| 3,000 servers / 30 waves | before (5e1acc7) | after |',
  '|---|---|---|',
  '| CPU samples (about 1 ms each) | 9,143 | 5,312 |',
  '| simulated world (`src/sim`) | 27.1% | 24.0% |',
  '| simulated transport (aws-sdk-client-mock, sinon) | 16.7% | 5.9% |',
  '| AWS SDK client middleware | 1.8% | 2.2% |',
  '| orchestration (`src/` outside `sim`, `machines/`) | 9.1% | 13.1% |',
  '| orchestration: xstate | 9.3% | 11.8% |',
  '| orchestration: pino | 2.1% | 1.3% |',
  '| garbage collection | 15.8% | 22.1% |',
  '| module loading, VM, other | 18.1% | 19.5% |',
  '',
  'Shares are of different totals (42% fewer samples after). In samples: the simulated side (world,',
  'transport, SDK middleware) fell from about 4,170 to 1,700, the orchestration (own code, xstate,',
  "pino) from 1,870 to 1,390 (verify's logger), garbage collection from 1,450 to 1,170.",
  '`knownRegions` (32% in the issue) was already computed once per world before this work.',
  '',
  '- What the profile found and what was changed: sinon tested every per-command matcher of',
  '  aws-sdk-client-mock (`on(Command)`, deep-equal, stack traces) on every call (16.7%): then one',
  "  fake per client routed on the command's class (now no mock at all: see Memory below).",
  '  `DescribeRecoverySnapshots` generated and hashed',
  '  every recovery point of the retention window (a week of 10-minute points) on every call',
  '  (`point`, `hashString`, `chars`: 5.5%): now only the page it returns. `DescribeRecoveryInstances`',
  '  filtered by ids scanned every recovery instance of the fleet (quadratic across waves): now a',
  "  lookup by id or by source server. A recovery instance's view formatted the same instant four",
  '  times (`iso`, 2.5%); verify built a pino child logger per server per round.',
  '- Memory: peak RSS with default settings is the modules plus about 4 times the live heap (V8',
  '  collects when the heap has grown so far); see "Memory: what the peak is made of" below for',
  '  what the modules and the live heap are and what was cut. The capped row above shows how',
  '  little the run itself needs.',
  '- The world keeps a record of every call (the evidence every count here comes from); the',
  "  benchmark and the CLI's run keep it without the calls' inputs (see Memory below), which the",
  "  CLI's journal on disk keeps: one line per call.",
  '- `DescribeRecoverySnapshots` is one call per server by design: `sourceServerID` is a required',
  "  top-level field (API limit), and the precheck must read each server's newest recovery point.",
];

function writeSection(section: string): void {
  const path = `${ROOT}docs/performance.md`;
  let doc = existsSync(path) ? readFileSync(path, 'utf8') : '# Performance\n\n';
  const start = doc.indexOf(`${SECTION}\n`);
  if (start === -1) {
    doc = `${doc.replace(/\n*$/, '\n\n')}${section}`;
  } else {
    const rest = doc.slice(start + SECTION.length);
    const next = rest.search(/\n## /);
    // A blank line before the next section.
    doc = doc.slice(0, start) + section.replace(/\n*$/, '\n\n') + (next === -1 ? '' : rest.slice(next + 1));
  }
  writeFileSync(path, doc);
}

/** Replaces one `### ` subsection of the benchmark's section (its first line names it), keeping the rest. */
function writeSubsection(subsection: string): void {
  const path = `${ROOT}docs/performance.md`;
  const doc = readFileSync(path, 'utf8');
  const heading = subsection.slice(0, subsection.indexOf('\n'));
  const start = doc.indexOf(`${heading}\n`);
  if (start === -1)
    throw new Error(`${heading} is not in docs/performance.md: run the whole benchmark with --write`);
  // The subsection may hold further headings (the scale report holds the memory notes): replace
  // as many in the doc, up to the heading after them.
  const headings = subsection.match(/^##+ /gm)?.length ?? 1;
  let end = start;
  for (let i = 0; i < headings && end !== -1; i++) {
    const lineEnd = doc.indexOf('\n', end);
    const next = lineEnd === -1 ? -1 : doc.slice(lineEnd).search(/\n##+ /);
    end = next === -1 ? -1 : lineEnd + next + 1;
  }
  writeFileSync(
    path,
    doc.slice(0, start) + subsection.replace(/\n*$/, '\n\n') + (end === -1 ? '' : doc.slice(end)),
  );
}

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
if (args[0] === '--child') {
  const [, mode, servers, waves, pollMs] = args;
  const measurement = await measure(
    mode as Mode,
    Number(servers),
    Number(waves),
    Number(pollMs ?? NAIVE_POLL_MS),
  );
  process.stdout.write(JSON.stringify(measurement));
} else {
  const runCount = flag('--runs', 5);
  const scaleRuns = flag('--scale-runs', 3);
  const maxServers = flag('--max-servers', 10_000);
  // `--only durable` or `--only scale`: that subsection alone (with --write, only it is replaced).
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
  await compileChild();
  const collect = (
    mode: Mode,
    servers: number,
    waves: number,
    n: number,
    nodeFlags: string[] = [],
    pollMs = NAIVE_POLL_MS,
  ) =>
    Array.from({ length: n }, (_, i) => {
      loads.push(loadavg()[0] ?? 0);
      const m = inChild(mode, servers, waves, nodeFlags, pollMs);
      console.error(
        `${mode} ${servers}/${waves}${mode === 'naive' ? ` poll ${pollMs / 1000}s` : ''} #${i + 1}: ${m.outcome}, ${Math.round(m.wallMs)} ms, ${m.maxRssMB.toFixed(0)} MB rss, ${m.totalCalls} calls${m.disk ? `, ${m.disk.bytes} bytes written` : ''}`,
      );
      return m;
    });
  if (only === 'durable' || only === 'scale') {
    const subsection =
      only === 'durable'
        ? durableReport(
            DURABLE_SERVERS.filter((n) => n <= maxServers).map(
              (n) => summarise(collect('durable', n, n / 100, 1)).first,
            ),
          )
        : scaleReport(
            SCALE_SERVERS.filter((n) => n <= maxServers).map((n) =>
              summarise(collect('tool', n, n / 100, scaleRuns)),
            ),
            scaleRuns,
            false,
          );
    console.log(subsection);
    if (args.includes('--write')) writeSubsection(subsection);
    process.exit(0);
  }
  const big = summarise(collect('tool', 1000, 10, runCount));
  const small = summarise(collect('tool', 100, 10, runCount));
  // The same run with V8's old space capped: shows how much memory the run needs, as opposed to
  // how much garbage V8 lets pile up when memory is plentiful.
  const capped = summarise(collect('tool', 1000, 10, runCount, [`--max-old-space-size=${HEAP_CAP_MB}`]));
  // Growth: 100 servers per wave, from 1,000 to 10,000 servers (1,000 reuses the runs above).
  const scale: Summary[] = [big];
  for (const servers of SCALE_SERVERS.filter((n) => n > 1000 && n <= maxServers)) {
    scale.push(summarise(collect('tool', servers, servers / 100, scaleRuns)));
  }
  // Calls per wave as waves grow: 4 waves of each size.
  const perWave = WAVE_SIZES.map((size) => summarise(collect('tool', size * 4, 4, 1)).first);
  const durable = DURABLE_SERVERS.filter((n) => n <= maxServers).map(
    (servers) => summarise(collect('durable', servers, servers / 100, 1)).first,
  );
  const [naiveBig] = collect('naive', 1000, 10, 1);
  const [naiveEqual] = collect('naive', 1000, 10, 1, [], fleetPollMs());
  if (!naiveBig || !naiveEqual) throw new Error('naive run missing');
  const section = [
    report(big, small, capped, naiveBig, naiveEqual, runCount),
    scaleReport(scale, scaleRuns),
    durableReport(durable),
    perWaveReport(perWave),
  ].join('\n');
  console.log(section);
  if (args.includes('--write')) writeSection(section);
}
