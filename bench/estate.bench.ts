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
/** docs/performance.md, Step Functions: a job poll cycle is 6 transitions; a wave's fixed part about 60. */
const TRANSITIONS_PER_POLL = 6;
const TRANSITIONS_PER_WAVE = 60;

interface WakeRun {
  label: string;
  pollMs: number;
  events: boolean;
  virtualMs: number;
  idealMs: number;
  calls: number;
  describeJobs: number;
  woken: number;
  outcome: string;
}

function attachEvents(sim: SimulatedAws, run: ReturnType<typeof createFailbackRun>) {
  const wake = wakeRunOnEvents(run, sim.clock);
  const source = createDrsEventSource(sim, { deliver: (e) => void wake.onEvent(e) });
  return { wake, source };
}

async function wakeRun(pollMs: number, events: boolean): Promise<WakeRun> {
  const fleet = generateFleet({ servers: 1000, waves: 10 });
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
  run.on((e) => {
    if (e.type === 'run.finished') finishedAt = Date.parse(e.at);
  });
  const result = await sim.clock.run(run.start());
  attached?.source.stop();
  const calls = sim.calls();
  return {
    label: `${pollMs / 1000 >= 60 ? `${pollMs / MIN} min` : `${pollMs / 1000} s`} poll${events ? ' + events' : ''}`,
    pollMs,
    events,
    virtualMs: finishedAt - startedAt,
    idealMs: fleet.idealWaveMs.reduce((a, b) => a + b, 0),
    calls: calls.length,
    describeJobs: calls.filter((c) => c.operation === 'DescribeJobs').length,
    woken: attached?.wake.woken() ?? 0,
    outcome: result.outcome,
  };
}

const ACCOUNTS = 10;
const PER_ACCOUNT = 300;
const WAVE_SIZE = 100;
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
    concurrency: 20,
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
  });
  const wake = events ? wakeRunOnEvents(run, estate.clock) : undefined;
  const sources = wake
    ? [...estate.worlds.values()].map((sim) =>
        createDrsEventSource(sim, { deliver: (e) => void wake.onEvent(e) }),
      )
    : [];
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
  };
}

const hours = (ms: number) => `${(ms / 3_600_000).toFixed(2)} h`;
const int = (n: number) => n.toLocaleString('en-US');

async function main() {
  const write = process.argv.includes('--write');
  const wakeRuns: WakeRun[] = [];
  for (const [pollMs, events] of [
    [15_000, false],
    [15_000, true],
    [5 * MIN, false],
    [5 * MIN, true],
  ] as const) {
    const r = await wakeRun(pollMs, events);
    console.error(
      `${r.label}: ${r.outcome}, overhead ${(r.virtualMs / r.idealMs).toFixed(4)}, ${r.calls} calls`,
    );
    wakeRuns.push(r);
  }
  const estatePolling = await estateRun(false);
  console.error(`estate, polling: ${estatePolling.outcome} in ${Math.round(estatePolling.wallMs)} ms`);
  const estate = await estateRun(true);
  console.error(`estate, events: ${estate.outcome} in ${Math.round(estate.wallMs)} ms`);

  const base = wakeRuns[0] as WakeRun;
  const lines = [
    SECTION,
    '',
    `Measured by \`npx tsx bench/estate.bench.ts --write\` on ${new Date().toISOString().slice(0, 10)} (Node ${process.version}, ${cpus().length} CPU(s), load average ${loadavg()[0]?.toFixed(1)}): one run each, in process, in virtual time against the simulated AWS. The simulated DRS publishes each recovery instance's failback end state 2 s after it happens (src/sim/events.ts); the waker ends the wave's job poll wait once every server of its launch reported (src/sfn/waker.ts, src/run/wake-ups.ts). Verification (EC2 status checks, probes) has no events: it is polled as before.`,
    '',
    "### Event wake-ups against polling alone (1,000 servers, 10 waves, the failback benchmark's fleet)",
    '',
    '| polling | outcome | virtual duration | overhead (virtual / scenario time) | AWS calls | DescribeJobs | waits ended by events |',
    '|---|---|---|---|---|---|---|',
    ...wakeRuns.map(
      (r) =>
        `| ${r.label} | ${r.outcome} | ${hours(r.virtualMs)} | ${(r.virtualMs / r.idealMs).toFixed(4)} | ${int(r.calls)} | ${int(r.describeJobs)} | ${r.woken} |`,
    ),
    '',
    `Goal (overhead 1.002 or better with events): ${wakeRuns.some((r) => r.events && r.virtualMs / r.idealMs <= 1.002) ? 'met' : '**not met**'}. An event ends a wave's job wait 2 s after its last server's end state instead of up to one poll interval later, so it saves at most one interval per wave; the rest of the overhead is verification (EC2 status checks, probes), which no DRS event announces and which is polled at the same interval. At a 15 s poll the job wait is already short; at 5 min, events take the job phase back to seconds while the calls stay a third of the 15 s run's.`,
    '',
    `Calls saved against the 15 s poll without events: ${wakeRuns
      .slice(1)
      .map(
        (r) => `${r.label} ${int(base.calls - r.calls)} (${((1 - r.calls / base.calls) * 100).toFixed(1)}%)`,
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
    `| wall time | ${int(Math.round(estatePolling.wallMs))} ms | ${int(Math.round(estate.wallMs))} ms |`,
    `| virtual duration | ${hours(estatePolling.virtualMs)} | ${hours(estate.virtualMs)} |`,
    `| AWS calls (all accounts) | ${int(estatePolling.calls)} | ${int(estate.calls)} |`,
    `| peak in-flight servers per account (quota) | ${Math.max(...estatePolling.peaks.map((p) => p.peak))} (${estatePolling.peaks[0]?.quota}) | ${Math.max(...estate.peaks.map((p) => p.peak))} (${estate.peaks[0]?.quota}) |`,
    `| estimated Step Functions transitions | ${int(estatePolling.transitions)} | ${int(estate.transitions)} |`,
    `| estimated Step Functions cost | $${estatePolling.costUsd.toFixed(2)} | $${estate.costUsd.toFixed(2)} |`,
    '',
    `Peak in-flight servers per account and region (from each world's job records): ${estate.peaks.map((p) => `${p.key} ${p.peak}`).join(', ')}; never above the quota. The cost is an estimate: ${TRANSITIONS_PER_WAVE} transitions per wave plus ${TRANSITIONS_PER_POLL} per poll cycle (job and status polls), at $0.025 per 1,000; Lambda invocations add about a third as many requests. On Step Functions these waves run under the plan's Map of child executions (docs/step-functions.md, Waves side by side), which adds about 3 transitions per wave (its child Task, a Choice and a Pass); the figures are estimated from this in-process run's polls, not measured on that engine. A Map round ends with its last wave, so there the 10 waves beyond the concurrency of 20 start when the first 20 have all ended, not as each one ends: the virtual duration on Step Functions is longer than the one above.`,
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
