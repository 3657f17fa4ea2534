// Estate scale, measured in virtual time against the simulated AWS (in-process engine):
// (1) event wake-ups against polling alone on the benchmark's 1,000-server fleet: the
//     orchestration overhead (virtual duration / the scenario's own job + verify time) and the
//     AWS calls, at the default 15 s poll and at a 5 min poll;
// (2) a 3,000-server estate in 10 accounts (300 servers each, 3 waves of 100 per account, all
//     waves independent, concurrency 20): wall time, peak in-flight servers per account and
//     region (DRS quota: 500 in all active jobs), and the estimated Step Functions cost.
// `--write` replaces the `## Estate scale` section of docs/performance.md.
// Run: npx tsx bench/estate.bench.ts [--write]
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { WavePlan } from '../machines/types.js';
import type { Plan } from '../src/plan/types.js';
import { wakeRunOnEvents } from '../src/run/wake-ups.js';
import { createFailbackRun } from '../src/run.js';
import { createDrsEventSource } from '../src/sim/events.js';
import {
  createSimulatedAws,
  createSimulatedEstate,
  type ScenarioFile,
  type SimulatedAws,
  toScenario,
} from '../src/sim/index.js';
import { generateFleet } from './lib/fleet.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SECTION = '## Estate scale';
const MIN = 60_000;
const RUN_ID = 'run-20260301T020000Z-estate';
/** Step Functions Standard: $0.025 per 1,000 state transitions. */
const USD_PER_TRANSITION = 0.025 / 1000;
/**
 * docs/performance.md, Step Functions: a poll cycle (job or status poll) is 6 transitions. A wave
 * execution's fixed states (start, precheck, launch, end: 9) are offset by the waits its phases'
 * last polls skip and the DescribeJobs calls outside the cycles: 6 per poll call alone is within 1%
 * of what bench/sfn.bench.ts counts (8,739 and 9,081 against 8,796 and 9,156). Under the plan's
 * Map a wave adds its item's 3 (child Task, Choice, Pass).
 */
const TRANSITIONS_PER_POLL = 6;
const TRANSITIONS_PER_WAVE = 3;
/** bench/lib/fleet.ts: jobs start 30 s after StartFailbackLaunch. */
const JOB_START_DELAY_MS = 30_000;
/** src/sim/events.ts: an end state is published 2 s after it happens (the source's default delay). */
const EVENT_DELAY_MS = 2_000;
/** What verification reads (docs/performance.md, calls per wave). */
const VERIFY_OPERATIONS = new Set([
  'DescribeInstanceStatus',
  'DescribeInstances',
  'DescribeRecoveryInstances',
]);

interface WakeRun {
  label: string;
  pollMs: number;
  events: boolean;
  virtualMs: number;
  idealMs: number;
  calls: number;
  describeJobs: number;
  /** Calls of the verification (EC2 status checks and the recovery instances they read). */
  verifyCalls: number;
  woken: number;
  /** Waves whose job poll read the job's end before its event could arrive (nothing left to wake). */
  pollFirst: number;
  outcome: string;
  /** Where the overhead goes, summed over the waves, ms (see `phases`). */
  phases: Phases;
}

/**
 * The run's time beyond the scenario's own, by phase, summed over the waves: `job`, from the
 * instant the slowest launch of the wave's job ended in the scenario to the instant the wave left
 * `monitoringJob` (detecting the job's end); `verify`, the wave's verification beyond the scenario's
 * status-check time (from its slowest launch to its slowest status check: detecting the last check
 * that passed); `rest`, everything else (precheck, start, notifications, between waves).
 */
interface Phases {
  job: number;
  verify: number;
  rest: number;
  /** Waves that left `monitoringJob` less than the event delay after their job's end. */
  pollFirst: number;
}

/** Per wave, the scenario's own times (ms from the wave's start): its job's end and its slowest status check. */
function idealTimes(fleet: ReturnType<typeof generateFleet>): { jobEnd: number; end: number }[] {
  const byId = new Map(fleet.servers.map((s) => [s.sourceServerID, s]));
  return fleet.plan.waves.map((wave, i) => {
    const members = wave.servers.flatMap((s) => byId.get(s.sourceServerID) ?? []);
    return {
      jobEnd: JOB_START_DELAY_MS + Math.max(...members.map((s) => s.launchMs)),
      end: fleet.idealWaveMs[i] ?? 0,
    };
  });
}

/** Splits the overhead from the waves' state changes (virtual instants, ms). */
function phasesOf(
  ideal: { jobEnd: number; end: number }[],
  waves: Map<string, Record<string, number>>,
  virtualMs: number,
  idealMs: number,
): Phases {
  let job = 0;
  let verify = 0;
  let pollFirst = 0;
  [...waves.values()].forEach((at, i) => {
    const want = ideal[i];
    const { precheck, monitoringJob, verifying, completed } = at;
    if (!want || precheck === undefined || monitoringJob === undefined) return;
    if (verifying === undefined || completed === undefined) return;
    const jobLate = verifying - (monitoringJob + want.jobEnd);
    job += jobLate;
    if (jobLate < EVENT_DELAY_MS) pollFirst += 1;
    // What the wave took beyond its scenario time, less the job's lateness and its start.
    verify += completed - precheck - want.end - jobLate - (monitoringJob - precheck);
  });
  return { job, verify, rest: virtualMs - idealMs - job - verify, pollFirst };
}

function attachEvents(sim: SimulatedAws, run: ReturnType<typeof createFailbackRun>) {
  const wake = wakeRunOnEvents(run, sim.clock);
  const source = createDrsEventSource(sim, { deliver: (e) => void wake.onEvent(e) });
  return { wake, source };
}

async function wakeRun(pollMs: number, events: boolean): Promise<WakeRun> {
  const fleet = generateFleet({ servers: WAKE_SERVERS, waves: WAKE_WAVES });
  const plan: Plan = { ...fleet.plan, polling: { intervalMs: pollMs, maxMs: Math.max(pollMs, 5 * MIN) } };
  const sim = createSimulatedAws(toScenario(fleet.scenario));
  // One run id for every mode: the poll jitter derives from it, so the modes differ only in events.
  const run = createFailbackRun({
    plan,
    clients: sim.clients,
    clock: sim.clock,
    probes: sim.probes,
    runId: RUN_ID,
  });
  const attached = events ? attachEvents(sim, run) : undefined;
  const startedAt = sim.clock.now();
  let finishedAt = startedAt;
  // Per wave, the virtual instant it entered each state.
  const waves = new Map<string, Record<string, number>>();
  run.on((e) => {
    if (e.type === 'run.finished') finishedAt = Date.parse(e.at);
    if (e.type === 'state' && e.machine === 'wave' && e.wave !== undefined) {
      const at = waves.get(e.wave) ?? {};
      at[e.to] ??= Date.parse(e.at);
      waves.set(e.wave, at);
    }
  });
  const result = await sim.clock.run(run.start());
  attached?.source.stop();
  const calls = sim.calls();
  const virtualMs = finishedAt - startedAt;
  const idealMs = fleet.idealWaveMs.reduce((a, b) => a + b, 0);
  const phases = phasesOf(idealTimes(fleet), waves, virtualMs, idealMs);
  const pollLabel = pollMs >= MIN ? `${pollMs / MIN} min` : `${pollMs / 1000} s`;
  return {
    label: `${pollLabel} poll${events ? ' + events' : ''}`,
    pollMs,
    events,
    virtualMs,
    idealMs,
    calls: calls.length,
    describeJobs: calls.filter((c) => c.operation === 'DescribeJobs').length,
    verifyCalls: calls.filter((c) => VERIFY_OPERATIONS.has(c.operation)).length,
    woken: attached?.wake.woken() ?? 0,
    pollFirst: events ? phases.pollFirst : 0,
    outcome: result.outcome,
    phases,
  };
}

/** The wake-up comparison's fleet: the failback benchmark's 1,000 servers in 10 waves. */
const WAKE_SERVERS = 1000;
const WAKE_WAVES = 10;
const ACCOUNTS = 10;
const PER_ACCOUNT = 300;
const WAVE_SIZE = 100;
const CONCURRENCY = 20;
const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
const accountId = (k: number) => `1111${String(k).padStart(8, '0')}`;
const regionOf = (k: number) => (k % 2 === 0 ? 'us-east-1' : 'us-west-2');

/** 10 accounts (account 0 is the plan's own), 300 servers each, in 3 independent waves of 100. */
function estatePlanAndScenarios(): { plan: Plan; scenarios: ScenarioFile[] } {
  const waves: WavePlan[] = [];
  const scenarios: ScenarioFile[] = [];
  const accounts: NonNullable<NonNullable<Plan['aws']>['accounts']> = {};
  for (let k = 0; k < ACCOUNTS; k++) {
    const ids = Array.from({ length: PER_ACCOUNT }, (_, i) => `s-${hex(k * 10_000 + i + 1, 17)}`);
    if (k > 0)
      accounts[`acct-${k}`] = {
        accountId: accountId(k),
        role: { arn: `arn:aws:iam::${accountId(k)}:role/failback` },
      };
    for (let w = 0; w < PER_ACCOUNT / WAVE_SIZE; w++) {
      waves.push({
        name: `acct-${k}-wave-${w + 1}`,
        ...(k > 0 ? { account: `acct-${k}` } : {}),
        region: regionOf(k),
        after: [],
        servers: ids.slice(w * WAVE_SIZE, (w + 1) * WAVE_SIZE).map((sourceServerID) => ({ sourceServerID })),
      });
    }
    scenarios.push({
      seed: `estate-${k}`,
      startAt: '2026-03-01T02:00:00Z',
      accountId: accountId(k),
      region: regionOf(k),
      defaults: { jobStartDelay: '30s', launch: { duration: '25m' }, health: { after: '4m' } },
      servers: ids.map((sourceServerID) => ({ sourceServerID })),
    });
  }
  const plan: Plan = {
    version: 1,
    name: 'estate-3000',
    region: 'us-east-1',
    aws: { accounts },
    objectives: { rpoMs: 15 * MIN, rtoMs: 48 * 60 * MIN },
    approval: 'none',
    polling: { intervalMs: 15_000, maxMs: 5 * MIN },
    verify: { timeoutMs: 20 * MIN },
    job: { timeoutMs: 2 * 60 * MIN },
    backout: { restore: 'if-unhealthy' },
    concurrency: CONCURRENCY,
    waves,
  };
  return { plan, scenarios };
}

/** The most servers in active failback jobs at any instant, in one world (jobs from the world's records). */
function peakInFlight(sim: SimulatedAws): number {
  const edges: [number, number][] = [];
  for (const job of sim.world.state.jobs) {
    for (const s of job.servers) {
      edges.push([job.createdAt, 1], [s.endAt ?? Number.POSITIVE_INFINITY, -1]);
    }
  }
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let peak = 0;
  for (const [, d] of edges) {
    now += d;
    peak = Math.max(peak, now);
  }
  return peak;
}

async function estateRun(events: boolean) {
  const { plan, scenarios } = estatePlanAndScenarios();
  const estate = createSimulatedEstate(scenarios.map((s) => toScenario(s)));
  const run = createFailbackRun({
    plan,
    clients: estate.clients,
    clock: estate.clock,
    probes: estate.probes,
    // A fixed run id (the poll jitter derives from it): both modes poll alike, run after run.
    runId: RUN_ID,
  });
  const wake = events ? wakeRunOnEvents(run, estate.clock) : undefined;
  // Each world's events carry its account and region in their ids (src/sim/events.ts), so the
  // waker, which drops an id it has seen, tells the estate's events apart.
  const sources = wake
    ? [...estate.worlds.values()].map((sim) =>
        createDrsEventSource(sim, { deliver: (e) => void wake.onEvent(e) }),
      )
    : [];
  // Per wave, the virtual instants it started, left its job poll (entered `verifying`) and ended.
  const verifyingAt = new Map<string, number>();
  const span = new Map<string, { start: number; end: number }>();
  run.on((e) => {
    if (e.type !== 'state' || e.machine !== 'wave' || e.wave === undefined) return;
    const at = Date.parse(e.at);
    if (e.to === 'verifying' && !verifyingAt.has(e.wave)) verifyingAt.set(e.wave, at);
    const known = span.get(e.wave);
    span.set(e.wave, { start: known?.start ?? at, end: at });
  });
  const wallStart = performance.now();
  const startedAt = estate.clock.now();
  const result = await estate.clock.run(run.start());
  const wallMs = performance.now() - wallStart;
  for (const s of sources) s.stop();
  const worlds = [...estate.worlds.entries()];
  const calls = worlds.flatMap(([, sim]) => sim.calls());
  const polls = calls.filter(
    (c) => c.operation === 'DescribeJobs' || c.operation === 'DescribeInstanceStatus',
  ).length;
  const transitions = plan.waves.length * TRANSITIONS_PER_WAVE + polls * TRANSITIONS_PER_POLL;
  return {
    outcome: result.outcome,
    completed: result.waves.filter((w) => w.outcome === 'completed').length,
    waves: result.waves.length,
    wallMs,
    virtualMs: estate.clock.now() - startedAt,
    calls: calls.length,
    peaks: worlds.map(([key, sim]) => ({
      key,
      peak: peakInFlight(sim),
      quota: sim.world.scenario.limits.serversInAllJobs,
    })),
    transitions,
    costUsd: transitions * USD_PER_TRANSITION,
    woken: wake?.woken() ?? 0,
    pollFirst: pollReadFirst(
      worlds.map(([, sim]) => sim),
      verifyingAt,
    ),
    mapRounds: mapRounds([...span.values()], startedAt),
  };
}

/**
 * The schedule of Step Functions' Map rounds, from the waves' spans in process: the waves started
 * at once are the first round; the others (all independent, fewer than the concurrency) start when
 * its last wave ended, each taking as long as it took here. The virtual duration that gives, and
 * the most a wave started later than in process.
 */
function mapRounds(spans: { start: number; end: number }[], startedAt: number) {
  const first = spans.filter((w) => w.start === startedAt);
  const later = spans.filter((w) => w.start !== startedAt);
  const roundEnd = Math.max(...first.map((w) => w.end));
  const ends = [...first.map((w) => w.end), ...later.map((w) => roundEnd + w.end - w.start)];
  return {
    virtualMs: Math.max(...ends) - startedAt,
    maxDelayMs: Math.max(0, ...later.map((w) => roundEnd - w.start)),
  };
}

/**
 * Waves whose job poll read the end of their launch before its last server's event could arrive
 * (from the worlds' job records: each job's wave tag and its servers' end instants).
 */
function pollReadFirst(sims: SimulatedAws[], verifyingAt: Map<string, number>): number {
  const lastEnd = new Map<string, number>();
  for (const sim of sims)
    for (const job of sim.world.state.jobs) {
      const wave = job.tags?.['drs-failback:wave'];
      if (wave === undefined) continue;
      for (const s of job.servers) lastEnd.set(wave, Math.max(lastEnd.get(wave) ?? 0, s.endAt ?? Infinity));
    }
  return [...lastEnd].filter(([wave, end]) => (verifyingAt.get(wave) ?? Infinity) < end + EVENT_DELAY_MS)
    .length;
}

/**
 * Whether events ended every job poll wait they could: a wave whose poll read the job's end before
 * the event arrived (2 s after the last end state) had no wait left to end, and WAKE goes to a wave
 * only in its job poll wait (src/run/wake-ups.ts), so the late event costs nothing there.
 */
function wasteOfEvents(runs: WakeRun[]): string {
  const withEvents = runs.filter((r) => r.events);
  const missed = withEvents.filter((r) => r.woken + r.pollFirst < WAKE_WAVES);
  const each = withEvents.map((r) => `${r.label} ${r.woken} + ${r.pollFirst}`).join(', ');
  const verdict =
    missed.length === 0
      ? 'Nothing to fix there.'
      : `**${missed.map((r) => r.label).join(', ')}: waits neither ended by an event nor read first by the poll**.`;
  return `events ended the job wait of every wave whose poll had not already read the job's end (waits ended by events + waves whose poll read the end before its event, less than ${EVENT_DELAY_MS / 1000} s after it: ${each} of ${WAKE_WAVES}). WAKE goes to a wave only in its job poll wait (src/run/wake-ups.ts; on Step Functions only that wait is a callback Task), so an event that comes after the poll changes nothing. ${verdict}`;
}

type EstateRun = Awaited<ReturnType<typeof estateRun>>;
const ESTATE_RUNS = 3;

/** The first run's figures (a fixed run id: every run the same) with the median wall time of all. */
function settled(runs: EstateRun[]): EstateRun & { walls: number[] } {
  const [first] = runs;
  if (!first) throw new Error('no estate run');
  const differs = runs.find((r) => r.calls !== first.calls || r.virtualMs !== first.virtualMs);
  if (differs) throw new Error(`estate runs differ: ${first.calls} and ${differs.calls} calls`);
  const walls = runs.map((r) => r.wallMs).sort((a, b) => a - b);
  return { ...first, wallMs: walls[Math.floor(walls.length / 2)] ?? first.wallMs, walls };
}

const hours = (ms: number) => `${(ms / 3_600_000).toFixed(2)} h`;
const int = (n: number) => n.toLocaleString('en-US');

async function main() {
  const write = process.argv.includes('--write');
  const loadAtStart = loadavg()[0]?.toFixed(1);
  const wakeRuns: WakeRun[] = [];
  for (const [pollMs, events] of [
    [15_000, false],
    [15_000, true],
    [10_000, true],
    [5_000, false],
    [5_000, true],
    [5 * MIN, false],
    [5 * MIN, true],
  ] as const) {
    const r = await wakeRun(pollMs, events);
    console.error(
      `${r.label}: ${r.outcome}, overhead ${(r.virtualMs / r.idealMs).toFixed(4)}, ${r.calls} calls`,
    );
    wakeRuns.push(r);
  }
  // Wall time varies from run to run (JIT, GC, a shared machine): the two modes take turns.
  const estateRuns: { polling: EstateRun[]; events: EstateRun[] } = { polling: [], events: [] };
  for (let i = 0; i < ESTATE_RUNS; i++) {
    for (const events of [false, true]) {
      const r = await estateRun(events);
      console.error(`estate, ${events ? 'events' : 'polling'}: ${r.outcome} in ${Math.round(r.wallMs)} ms`);
      estateRuns[events ? 'events' : 'polling'].push(r);
    }
  }
  const estatePolling = settled(estateRuns.polling);
  const estate = settled(estateRuns.events);

  const base = wakeRuns[0] as WakeRun;
  const met = wakeRuns.filter((r) => r.events && r.virtualMs / r.idealMs <= 1.002);
  const at = (pollMs: number, events: boolean): WakeRun => {
    const found = wakeRuns.find((r) => r.pollMs === pollMs && r.events === events);
    if (!found) throw new Error(`no run with a ${pollMs} ms poll${events ? ' and events' : ''}`);
    return found;
  };
  const perWaveS = (ms: number) => (ms / 1000 / WAKE_WAVES).toFixed(1);
  const lines = [
    SECTION,
    '',
    `Measured by \`npx tsx bench/estate.bench.ts --write\` on ${new Date().toISOString().slice(0, 10)} (Node ${process.version}, ${cpus().length} CPU(s), load average (1 min) ${loadAtStart} at the start, ${loadavg()[0]?.toFixed(1)} when written): one run each (the 3,000-server estate: ${ESTATE_RUNS} of each mode, taking turns, for the wall time), in process, in virtual time against the simulated AWS. The simulated DRS publishes each recovery instance's failback end state 2 s after it happens (src/sim/events.ts); the waker ends the wave's job poll wait once every server of its launch reported (src/sfn/waker.ts, src/run/wake-ups.ts). Verification (EC2 status checks, probes) has no events: it is polled as before.`,
    '',
    "### Event wake-ups against polling alone (1,000 servers, 10 waves, the failback benchmark's fleet)",
    '',
    '| polling | outcome | virtual duration | overhead (virtual / scenario time) | job wait, s per wave | verification, s per wave | rest, s per wave | AWS calls | DescribeJobs | verification reads | waits ended by events |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...wakeRuns.map((r) => {
      const perWave = (ms: number) => (ms / 1000 / WAKE_WAVES).toFixed(1);
      return `| ${r.label} | ${r.outcome} | ${hours(r.virtualMs)} | ${(r.virtualMs / r.idealMs).toFixed(4)} | ${perWave(r.phases.job)} | ${perWave(r.phases.verify)} | ${perWave(r.phases.rest)} | ${int(r.calls)} | ${int(r.describeJobs)} | ${int(r.verifyCalls)} | ${r.woken} |`;
    }),
    '',
    `The phases split the time beyond the scenario's own (${hours(base.idealMs)}, about ${(base.idealMs / 60_000 / WAKE_WAVES).toFixed(0)} min per wave: jobs start 30 s after the launch, launches take 20-30 min, status checks pass 3-5 min after). Job wait: from the slowest launch's end to the wave leaving \`monitoringJob\` (detecting the job's end: by the next poll, or by the event 2 s after the last server's end state). Verification: the wave's verification beyond the scenario's status-check time (detecting the last check that passed; EC2 announces no event, it is polled at the same interval and reads at once when it begins, src/actors/verify-failback.ts; negative when a late-seen job end left less of the checks to wait for). Rest: precheck, start and notifications (virtual time does not pass in them). Verification reads: DescribeInstanceStatus, DescribeInstances and DescribeRecoveryInstances.`,
    '',
    `Goal (overhead 1.002 or better with events): ${met.length > 0 ? `met by ${met.map((r) => r.label).join(', ')}` : '**not met**'}; ${wakeRuns
      .filter((r) => r.events)
      .map((r) => `${r.label} ${(r.virtualMs / r.idealMs).toFixed(4)}`)
      .join(', ')}.`,
    '',
    `What the breakdown shows: at a 15 s poll, events cut the job wait from ${perWaveS(at(15_000, false).phases.job)} s to ${perWaveS(at(15_000, true).phases.job)} s per wave, and verification takes the time back (${perWaveS(at(15_000, false).phases.verify)} s to ${perWaveS(at(15_000, true).phases.verify)} s): a wave ends at the first verification read after its last status check passes, and verification polls at the same interval, so the detection latency of the wave's end is up to one interval (half of one on average, about ${((7.5 / (base.idealMs / 1000 / WAKE_WAVES + 7.5)) * 100).toFixed(2)}% of a wave at 15 s) wherever the job's end was seen. No DRS event announces an EC2 status check, so events alone cannot reach 1.002 at 15 s; a shorter interval does, at the cost of calls: ${[at(10_000, true), at(5_000, true), at(5_000, false)].map((r) => `${r.label} ${(r.virtualMs / r.idealMs).toFixed(4)} with ${int(r.calls)} calls (${(r.calls / base.calls).toFixed(2)}x)`).join(', ')}. At 5 min, events take the job phase back to seconds (${perWaveS(at(5 * MIN, false).phases.job)} s to ${perWaveS(at(5 * MIN, true).phases.job)} s per wave) and verification's own latency remains (${perWaveS(at(5 * MIN, true).phases.verify)} s). The product's default stays 15 s (\`polling.interval\`): a plan that wants the last 0.2% of a 35-minute wave sets 5 s and pays the calls. Measured for waste: verification reads at once when it begins (no interval first), and ${wasteOfEvents(wakeRuns)}`,
    '',
    `Calls against the 15 s poll without events (${int(base.calls)}): ${wakeRuns
      .slice(1)
      .map(
        (r) =>
          `${r.label} ${r.calls >= base.calls ? '+' : '-'}${int(Math.abs(r.calls - base.calls))} (${((r.calls / base.calls - 1) * 100).toFixed(1)}%)`,
      )
      .join('; ')}.`,
    '',
    '### 3,000 servers in 10 accounts',
    '',
    `${ACCOUNTS} accounts (the plan's own and 9 in \`aws.accounts\`), alternating us-east-1 and us-west-2, ${PER_ACCOUNT} servers each (DRS: 300 replicating servers per account) in ${PER_ACCOUNT / WAVE_SIZE} waves of ${WAVE_SIZE}; every wave \`after: []\`, \`concurrency: 20\`; launches 25 min, status checks 4 min after, jobs start after 30 s; 15 s polls. Each account and region is its own simulated world enforcing its own quotas (500 servers in all active jobs, 20 concurrent jobs).`,
    '',
    '| figure | polling alone | with event wake-ups |',
    '|---|---|---|',
    `| outcome | ${estatePolling.outcome} (${estatePolling.completed}/${estatePolling.waves} waves) | ${estate.outcome} (${estate.completed}/${estate.waves} waves) |`,
    `| wall time (median of ${ESTATE_RUNS}; fastest-slowest) | ${[estatePolling, estate]
      .map(
        (r) =>
          `${int(Math.round(r.wallMs))} ms (${r.walls
            .map((w) => int(Math.round(w)))
            .filter((_, i, a) => i === 0 || i === a.length - 1)
            .join('-')})`,
      )
      .join(' | ')} |`,
    `| virtual duration | ${hours(estatePolling.virtualMs)} | ${hours(estate.virtualMs)} |`,
    `| AWS calls (all accounts) | ${int(estatePolling.calls)} | ${int(estate.calls)} |`,
    `| waits ended by events | ${estatePolling.woken} | ${estate.woken} of ${estate.waves} (${estate.pollFirst} read first by their poll) |`,
    `| peak in-flight servers per account (quota) | ${Math.max(...estatePolling.peaks.map((p) => p.peak))} (${estatePolling.peaks[0]?.quota}) | ${Math.max(...estate.peaks.map((p) => p.peak))} (${estate.peaks[0]?.quota}) |`,
    `| estimated Step Functions transitions | ${int(estatePolling.transitions)} | ${int(estate.transitions)} |`,
    `| estimated Step Functions cost | $${estatePolling.costUsd.toFixed(2)} | $${estate.costUsd.toFixed(2)} |`,
    '',
    `Peak in-flight servers per account and region (from each world's job records): ${estate.peaks.map((p) => `${p.key} ${p.peak}`).join(', ')}; never above the quota. The cost is an estimate from this in-process run's polls, not measured on that engine: ${TRANSITIONS_PER_POLL} transitions per poll cycle (DescribeJobs and DescribeInstanceStatus calls; a wave execution's fixed states about cancel against the waits its last polls skip: within 1% of the transitions \`bench/sfn.bench.ts\` counts, see Step Functions engine above), plus ${TRANSITIONS_PER_WAVE} per wave for its item of the plan's Map of child executions (docs/step-functions.md, Waves side by side: its child Task, a Choice and a Pass), at $0.025 per 1,000; Lambda invocations add about two thirds as many requests (the Task states, at $0.20 per million). A Map round ends with its last wave, so there the ${estate.waves - CONCURRENCY} waves beyond the concurrency of ${CONCURRENCY} start when the first ${CONCURRENCY} have all ended, not as each one ends. Computed from this run's waves (the first round's last end, then each later wave as long as it took here): the later waves start up to ${(estate.mapRounds.maxDelayMs / 1000).toFixed(0)} s later and the run takes ${hours(estate.mapRounds.virtualMs)} on Step Functions against ${hours(estate.virtualMs)} here. The waves of this estate all take about as long, so the rounds cost little; waves of uneven lengths would wait longer.`,
    '',
  ];
  const section = lines.join('\n');
  console.log(section);
  if (write) {
    const path = `${ROOT}docs/performance.md`;
    const doc = readFileSync(path, 'utf8');
    const start = doc.indexOf(SECTION);
    const next = start === -1 ? -1 : doc.indexOf('\n## ', start + SECTION.length);
    const updated =
      start === -1
        ? `${doc.trimEnd()}\n\n${section}`
        : `${doc.slice(0, start)}${section}${next === -1 ? '' : doc.slice(next)}`;
    writeFileSync(path, updated.endsWith('\n') ? updated : `${updated}\n`);
  }
}

await main();
