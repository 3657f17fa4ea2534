// The deterministic windows of the crash proof (issue 11): the real CLI, as child processes
// against the simulated AWS, killed with SIGKILL at named instants (DRS_FAILBACK_FAULT: after each
// file of run creation, right after a mutating call's intent is on disk) or sent SIGINT during
// precheck, then resumed with settings that would reach a (refusing) real endpoint.
//   npx tsx bench/crash.ts --windows
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'drs-failback.js');
const PLAN = join(ROOT, 'test', 'cli', 'fixtures', 'plan.yaml');
const READY = join(ROOT, 'test', 'cli', 'fixtures', 'scenario.yaml');
const LAUNCH_FAILS = join(ROOT, 'test', 'cli', 'fixtures', 'scenario-launch-fails.yaml');
const REAL_AWS_ENV = {
  AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
  AWS_ACCESS_KEY_ID: 'AKIAWINDOWS',
  AWS_SECRET_ACCESS_KEY: 'windows',
  AWS_REGION: 'us-east-1',
};

export interface WindowResult {
  window: string;
  scenario: string;
  /** What the resume (or the signalled run) ended with: exit code and outcome. */
  exit: number | null;
  outcome: string | null;
  expectedOutcome: string;
  sameOutcome: boolean;
  /** Resumed as simulated (run.started simulated: true), never with real clients. */
  staysSimulated: boolean | null;
  maxStartsPerInstance: number;
  transitionsLost: number;
  transitionsAnnouncedTwice: number;
}

interface Child {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(
  args: string[],
  env: Record<string, string> = {},
  onLine?: (line: string, kill: (s: NodeJS.Signals) => void) => void,
): Promise<Child> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let pending = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      pending += c.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) onLine?.(line, (s) => child.kill(s));
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

interface Ev {
  type: string;
  [k: string]: unknown;
}
const parse = (text: string): Ev[] =>
  text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as Ev];
      } catch {
        return [];
      }
    });
const transitions = (events: Ev[]) =>
  events
    .filter((e) => e.type === 'state')
    .map((e) => `${String(e.machine)}/${String(e.wave ?? '')}:${String(e.to)}`);

function runDir(stateDir: string): string | null {
  const runs = join(stateDir, 'runs');
  const id = existsSync(runs) ? readdirSync(runs)[0] : undefined;
  return id === undefined ? null : join(runs, id);
}

function starts(dir: string | null): number {
  if (dir === null || !existsSync(join(dir, 'sim-world.json'))) return 0;
  const world = JSON.parse(readFileSync(join(dir, 'sim-world.json'), 'utf8')) as {
    calls: { operation: string; input: { recoveryInstanceIDs?: string[] } }[];
  };
  const per = new Map<string, number>();
  for (const c of world.calls.filter((x) => x.operation === 'StartFailbackLaunch')) {
    for (const id of c.input.recoveryInstanceIDs ?? []) per.set(id, (per.get(id) ?? 0) + 1);
  }
  return Math.max(0, ...per.values());
}

const runArgs = (scenario: string, stateDir: string) => [
  'run',
  PLAN,
  '--simulate',
  scenario,
  '--yes',
  '--json',
  '--state-dir',
  stateDir,
];

export async function runCrashWindows(log: (line: string) => void = () => {}): Promise<WindowResult[]> {
  const results: WindowResult[] = [];
  const baselines = new Map<string, { outcome: string; transitions: string[] }>();
  for (const scenario of [READY, LAUNCH_FAILS]) {
    const dir = mkdtempSync(join(tmpdir(), 'drs-windows-'));
    const r = await cli(runArgs(scenario, dir));
    const events = parse(r.stdout);
    baselines.set(scenario, {
      outcome: String(events.find((e) => e.type === 'run.finished')?.outcome),
      transitions: transitions(events),
    });
    rmSync(dir, { recursive: true, force: true });
  }
  const windows: { window: string; scenario: string; expected?: string }[] = [
    { window: 'create:plan.json', scenario: READY, expected: 'refused: nothing was sent; run again' },
    { window: 'create:plan.source', scenario: READY, expected: 'refused: nothing was sent; run again' },
    { window: 'create:sim-world.json', scenario: READY, expected: 'refused: nothing was sent; run again' },
    { window: 'create:run.json', scenario: READY },
    { window: 'request:StartFailbackLaunch', scenario: READY },
    { window: 'request:StartFailbackLaunch', scenario: LAUNCH_FAILS },
    { window: 'request:StopFailback', scenario: LAUNCH_FAILS },
    { window: 'SIGINT during precheck', scenario: READY, expected: 'aborted' },
    { window: 'SIGTERM during precheck', scenario: READY, expected: 'aborted' },
  ];
  for (const w of windows) {
    const stateDir = mkdtempSync(join(tmpdir(), 'drs-windows-'));
    const base = baselines.get(w.scenario) ?? { outcome: '?', transitions: [] };
    const scenarioName = w.scenario === READY ? 'completes' : 'launch fails, backs out';
    try {
      if (w.window.includes('during precheck')) {
        const signal = w.window.startsWith('SIGINT') ? 'SIGINT' : 'SIGTERM';
        // Raised by the child itself at its first precheck read, so it is pending from that instant.
        const r = await cli(runArgs(w.scenario, stateDir), {
          DRS_FAILBACK_FAULT: 'request:DescribeSourceServers',
          DRS_FAILBACK_FAULT_SIGNAL: signal,
        });
        const outcome = String(parse(r.stdout).find((e) => e.type === 'run.finished')?.outcome ?? null);
        results.push({
          window: w.window,
          scenario: scenarioName,
          exit: r.code,
          outcome,
          expectedOutcome: 'aborted (exit 3)',
          sameOutcome: outcome === 'aborted' && r.code === 3,
          staysSimulated: true,
          maxStartsPerInstance: starts(runDir(stateDir)),
          transitionsLost: 0,
          transitionsAnnouncedTwice: 0,
        });
        continue;
      }
      await cli(runArgs(w.scenario, stateDir), { DRS_FAILBACK_FAULT: w.window });
      const dir = runDir(stateDir);
      const id = dir === null ? '' : (dir.split(/[\\/]/).pop() ?? '');
      let resumed: Child = { code: null, stdout: '', stderr: '' };
      for (let i = 0; i < 5; i++) {
        resumed = await cli(['resume', id, '--yes', '--json', '--state-dir', stateDir], REAL_AWS_ENV);
        if (resumed.code !== 130) break;
      }
      if (w.expected?.startsWith('refused')) {
        const refused = resumed.code === 2 && resumed.stderr.includes('nothing was sent; run again');
        results.push({
          window: w.window,
          scenario: scenarioName,
          exit: resumed.code,
          outcome: refused ? 'refused' : 'not refused',
          expectedOutcome: w.expected,
          sameOutcome: refused,
          staysSimulated: null,
          maxStartsPerInstance: starts(dir),
          transitionsLost: 0,
          transitionsAnnouncedTwice: 0,
        });
        continue;
      }
      const log = dir === null ? [] : parse(readFileSync(join(dir, 'events.ndjson'), 'utf8'));
      const got = transitions(log);
      const outcome = String(log.filter((e) => e.type === 'run.finished').at(-1)?.outcome ?? null);
      results.push({
        window: w.window,
        scenario: scenarioName,
        exit: resumed.code,
        outcome,
        expectedOutcome: base.outcome,
        sameOutcome: outcome === base.outcome,
        staysSimulated: parse(resumed.stdout).find((e) => e.type === 'run.started')?.simulated === true,
        maxStartsPerInstance: starts(dir),
        transitionsLost: base.transitions.filter((t) => !got.includes(t)).length,
        transitionsAnnouncedTwice: got.length - new Set(got).size,
      });
    } finally {
      log(`${w.window} (${scenarioName}): ${JSON.stringify(results.at(-1))}`);
      rmSync(stateDir, { recursive: true, force: true });
    }
  }
  return results;
}
