// Crash proof: runs simulated failbacks as child processes, SIGKILLs them at seeded random
// moments, resumes them from the state directory (in the same simulated world, saved after
// every AWS call), and checks that nothing was done twice and nothing was lost.
//   npx tsx bench/crash.ts [--kills 60] [--seed 1] [--speed 1200]
//   npx tsx bench/crash.ts --windows     the deterministic windows (bench/crash.windows.ts)
// Results go to stdout; docs/reliability.md records them.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunEvent } from '../src/events.js';
import type { RecordedCall, WorldState } from '../src/sim/state.js';
import { planLockOwner } from '../src/store/lock.js';
import { RunStore } from '../src/store/run-store.js';
import type { ChildConfig } from './crash.child.js';
import { CRASH_PLAN } from './crash.fixture.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const CHILD = join(HERE, 'crash.child.ts');
const RUN_ID = 'run-20260101T000000Z-crash1';

export interface CrashProofOptions {
  /** Kills wanted in all (the bench stops starting new crash runs once it has them). */
  kills: number;
  seed: number;
  /** Virtual seconds per real second in the children. */
  speed: number;
  /** Kills per crash run, at most. */
  killsPerRun?: number;
  workDir?: string;
  log?: (line: string) => void;
  /** Which runs to crash; default both. */
  variants?: ('completes' | 'backs-out')[];
}

export interface VariantResult {
  variant: string;
  baselineOutcome: string;
  runs: number;
  kills: number;
  outcomes: string[];
  /** Highest number of StartFailbackLaunch requests naming one recovery instance, per run. */
  maxStartsPerInstance: number;
  /** Highest number of StartRecovery requests naming one source server, per run. */
  maxRecoveriesPerServer: number;
  /** Transitions of the uninterrupted run missing from a crashed run's event log. */
  missingTransitions: string[];
  /** Transitions whose notification was never published. */
  unnotifiedTransitions: string[];
  /** Notifications published more than once with differing deduplication ids. */
  duplicatesWithDifferentIds: string[];
  duplicateNotifications: number;
  damagedEventLines: number;
  locksLeft: number;
  /** Where the kills landed: lifecycle state of the last `state` event before each kill. */
  killedIn: Record<string, number>;
}

export interface CrashProofResult {
  kills: number;
  variants: VariantResult[];
  ok: boolean;
  problems: string[];
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface ChildEnd {
  killed: boolean;
  outcome: string | null;
  stderr: string;
  /** Real ms from `ready` to exit (uninterrupted runs). */
  runMs: number;
}

/** When to kill: some real time after `ready`, or right after the child reported its Nth event. */
export type KillAt = { afterMs: number } | { afterEvents: number } | undefined;

/** Runs one child and kills it as `killAt` says (never, when undefined). */
function runChild(configFile: string, killAt: KillAt): Promise<ChildEnd> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', CHILD, configFile], {
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let readyAt = 0;
    let killed = false;
    let timer: NodeJS.Timeout | undefined;
    let events: number;
    child.stdout?.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      stdout += text;
      if (readyAt === 0 && stdout.includes('ready\n')) {
        readyAt = Date.now();
        if (killAt !== undefined && 'afterMs' in killAt) {
          timer = setTimeout(() => {
            killed = child.kill('SIGKILL');
          }, killAt.afterMs);
        }
      }
      if (killAt !== undefined && 'afterEvents' in killAt && !killed) {
        events = stdout.split('\n').filter((l) => l.startsWith('e ')).length;
        if (events >= killAt.afterEvents) killed = child.kill('SIGKILL');
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      if (timer) clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      const outcome = line ? (JSON.parse(line) as { outcome: string }).outcome : null;
      resolve({
        killed: killed && signal === 'SIGKILL',
        outcome,
        stderr,
        runMs: readyAt === 0 ? 0 : Date.now() - readyAt,
      });
    });
  });
}

const transitionKey = (e: Extract<RunEvent, { type: 'state' }>) =>
  `${e.machine === 'wave' ? `wave ${e.wave ?? ''}` : 'plan'}: ${e.to}`;

function stateSequence(events: readonly RunEvent[]): string[] {
  return events
    .filter((e): e is Extract<RunEvent, { type: 'state' }> => e.type === 'state')
    .map(transitionKey);
}

/** Whether `expected` appears in order inside `actual` (repeats in `actual` allowed). */
function missingFromSequence(expected: readonly string[], actual: readonly string[]): string[] {
  const missing: string[] = [];
  let i = 0;
  for (const want of expected) {
    const at = actual.indexOf(want, i);
    if (at === -1) missing.push(want);
    else i = at + 1;
  }
  return missing;
}

interface PublishInput {
  MessageDeduplicationId?: string;
  MessageAttributes?: Record<string, { StringValue?: string }>;
}

function countPerId(
  calls: readonly RecordedCall[],
  operation: string,
  ids: (input: unknown) => string[],
): number {
  const counts = new Map<string, number>();
  for (const call of calls) {
    if (call.operation !== operation) continue;
    for (const id of ids(call.input)) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return Math.max(0, ...counts.values());
}

interface RunArtifacts {
  events: RunEvent[];
  damaged: number;
  calls: RecordedCall[];
  locks: number;
}

function readArtifacts(dir: string): RunArtifacts {
  const store = new RunStore({ stateDir: join(dir, 'state') });
  const run = store.open(RUN_ID);
  const log = run.readEventLog();
  const world = JSON.parse(readFileSync(join(dir, 'world.json'), 'utf8')) as WorldState;
  const locks = planLockOwner(store.stateDir, 'crash-bench') ? 1 : 0;
  return { events: log.events, damaged: log.damagedLines, calls: world.calls, locks };
}

function prepare(dir: string, launchFails: boolean, speed: number): string {
  mkdirSync(dir, { recursive: true });
  const config: ChildConfig = {
    stateDir: join(dir, 'state'),
    worldFile: join(dir, 'world.json'),
    planText: CRASH_PLAN,
    launchFails,
    runId: RUN_ID,
    speed,
  };
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
}

export async function runCrashProof(options: CrashProofOptions): Promise<CrashProofResult> {
  const log = options.log ?? (() => {});
  const root = options.workDir ?? mkdtempSync(join(tmpdir(), 'drs-failback-crash-'));
  const rng = mulberry32(options.seed);
  const killsPerRun = options.killsPerRun ?? 4;
  const wanted = options.variants ?? ['completes', 'backs-out'];
  const variants = [
    { id: 'completes', name: 'completes', launchFails: false },
    { id: 'backs-out', name: 'launch fails, backs out', launchFails: true },
  ].filter((v) => wanted.includes(v.id as 'completes' | 'backs-out'));
  const results: VariantResult[] = [];
  const problems: string[] = [];
  let totalKills = 0;

  for (const [vi, variant] of variants.entries()) {
    const baseDir = join(root, `v${vi}-baseline`);
    const baseline = await runChild(prepare(baseDir, variant.launchFails, options.speed), undefined);
    if (baseline.outcome === null) throw new Error(`baseline run failed: ${baseline.stderr}`);
    const base = readArtifacts(baseDir);
    const expected = stateSequence(base.events);
    const baselineEvents = base.events.length;
    log(
      `${variant.name}: uninterrupted outcome ${baseline.outcome}, ${baseline.runMs} ms, ${expected.length} transitions`,
    );

    const result: VariantResult = {
      variant: variant.name,
      baselineOutcome: baseline.outcome,
      runs: 0,
      kills: 0,
      outcomes: [],
      maxStartsPerInstance: 0,
      maxRecoveriesPerServer: 0,
      missingTransitions: [],
      unnotifiedTransitions: [],
      duplicatesWithDifferentIds: [],
      duplicateNotifications: 0,
      damagedEventLines: 0,
      locksLeft: 0,
      killedIn: {},
    };
    const wantKills = Math.ceil(options.kills / variants.length);
    for (let r = 0; result.kills < wantKills; r++) {
      const dir = join(root, `v${vi}-run${r}`);
      const config = prepare(dir, variant.launchFails, options.speed);
      result.runs += 1;
      let end: ChildEnd;
      let killsThisRun = 0;
      for (;;) {
        const kill = killsThisRun < killsPerRun && result.kills < wantKills;
        // Half the kills at a random real moment (mostly during waits), half right after a
        // random event (transitions and intents, where a crash hurts most).
        const killAt: KillAt = !kill
          ? undefined
          : rng() < 0.5
            ? { afterMs: Math.floor(rng() * Math.max(50, baseline.runMs * 1.1)) }
            : { afterEvents: 1 + Math.floor(rng() * baselineEvents) };
        end = await runChild(config, killAt);
        if (!end.killed) break;
        killsThisRun += 1;
        result.kills += 1;
        const seen = stateSequence(readArtifacts(dir).events);
        const where = seen.at(-1) ?? '(before the first transition)';
        result.killedIn[where] = (result.killedIn[where] ?? 0) + 1;
      }
      if (end.outcome === null) {
        problems.push(`${variant.name} run ${r}: the resumed run failed: ${end.stderr.slice(0, 500)}`);
        continue;
      }
      result.outcomes.push(end.outcome);
      if (end.outcome !== baseline.outcome) {
        problems.push(`${variant.name} run ${r}: outcome ${end.outcome}, uninterrupted ${baseline.outcome}`);
      }
      const art = readArtifacts(dir);
      result.damagedEventLines += art.damaged;
      result.locksLeft += art.locks;
      const starts = countPerId(
        art.calls,
        'StartFailbackLaunch',
        (i) => (i as { recoveryInstanceIDs?: string[] }).recoveryInstanceIDs ?? [],
      );
      const recoveries = countPerId(art.calls, 'StartRecovery', (i) =>
        ((i as { sourceServers?: { sourceServerID?: string }[] }).sourceServers ?? []).map(
          (s) => s.sourceServerID ?? '',
        ),
      );
      result.maxStartsPerInstance = Math.max(result.maxStartsPerInstance, starts);
      result.maxRecoveriesPerServer = Math.max(result.maxRecoveriesPerServer, recoveries);
      const seen = stateSequence(art.events);
      for (const m of missingFromSequence(expected, seen)) result.missingTransitions.push(`run ${r}: ${m}`);

      // Notifications: at least once per transition; re-sends carry the same deduplication id.
      const publishes = art.calls.filter((c) => c.operation === 'Publish' && c.ok);
      const byTransition = new Map<string, Set<string>>();
      for (const p of publishes) {
        const input = p.input as PublishInput;
        const wave = input.MessageAttributes?.wave?.StringValue;
        const key = `${wave !== undefined ? `wave ${wave}` : 'plan'}: ${input.MessageAttributes?.state?.StringValue ?? '?'}`;
        const ids = byTransition.get(key) ?? new Set<string>();
        ids.add(input.MessageDeduplicationId ?? '(none)');
        byTransition.set(key, ids);
      }
      const counts = new Map<string, number>();
      for (const p of publishes) {
        const input = p.input as PublishInput;
        const wave = input.MessageAttributes?.wave?.StringValue;
        const key = `${wave !== undefined ? `wave ${wave}` : 'plan'}: ${input.MessageAttributes?.state?.StringValue ?? '?'}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      for (const want of new Set(expected)) {
        if (!byTransition.has(want)) result.unnotifiedTransitions.push(`run ${r}: ${want}`);
      }
      for (const [key, n] of counts) {
        if (n > 1) result.duplicateNotifications += n - 1;
        const ids = byTransition.get(key);
        if (n > 1 && ids && ids.size > 1)
          result.duplicatesWithDifferentIds.push(`run ${r}: ${key} (${ids.size} ids)`);
      }
      log(
        `${variant.name} run ${r}: ${killsThisRun} kill(s), outcome ${end.outcome}, starts/instance ${starts}, ` +
          `missing transitions ${missingFromSequence(expected, seen).length}`,
      );
    }
    if (result.maxStartsPerInstance > 1)
      problems.push(`${variant.name}: StartFailbackLaunch sent twice for an instance`);
    if (result.maxRecoveriesPerServer > 1)
      problems.push(`${variant.name}: StartRecovery sent twice for a server`);
    if (result.missingTransitions.length > 0)
      problems.push(`${variant.name}: transitions missing from the event log`);
    if (result.locksLeft > 0) problems.push(`${variant.name}: a finished run left its lock`);
    totalKills += result.kills;
    results.push(result);
  }
  if (options.workDir === undefined) rmSync(root, { recursive: true, force: true });
  return { kills: totalKills, variants: results, ok: problems.length === 0, problems };
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : Number.NaN;
  return Number.isFinite(value) ? value : fallback;
}

if (
  process.argv[1] &&
  fileURLToPath(import.meta.url) === process.argv[1] &&
  process.argv.includes('--windows')
) {
  // The deterministic windows of issue 11 (bench/crash.windows.ts).
  const started = Date.now();
  import('./crash.windows.js')
    .then(({ runCrashWindows }) => runCrashWindows((line) => process.stderr.write(`${line}\n`)))
    .then((results) => {
      process.stdout.write(
        `${JSON.stringify({ results, realSeconds: (Date.now() - started) / 1000 }, null, 2)}\n`,
      );
      if (results.some((r) => !r.sameOutcome || r.maxStartsPerInstance > 1 || r.staysSimulated === false)) {
        process.exitCode = 1;
      }
    });
} else if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = Date.now();
  runCrashProof({
    kills: arg('kills', 60),
    seed: arg('seed', 1),
    speed: arg('speed', 1200),
    log: (line) => process.stderr.write(`${line}\n`),
  }).then(
    (result) => {
      process.stdout.write(
        `${JSON.stringify({ ...result, realSeconds: (Date.now() - started) / 1000 }, null, 2)}\n`,
      );
      if (!result.ok) process.exitCode = 1;
    },
    (error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
