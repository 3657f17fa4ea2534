// Embedding drs-failback in your own program: load and validate a plan, run it against a
// simulated AWS built from a scenario object, decide approvals with your own policy, watch
// the event stream, swap in one activity of your own, and run your own AWS code (a
// DescribeJobs loop) against the same simulated clients, in the same virtual time.
//
//   npx tsx examples/embedding/embed.ts
//
// Type-checked with the rest of the project and run by test/examples/embedding.test.ts.
// docs/embedding.md quotes it. In another package, import from 'drs-failback' instead of
// '../../src/index.js'.
import { pathToFileURL } from 'node:url';
import { DescribeJobsCommand, type Job } from '@aws-sdk/client-drs';
import {
  ConfigError,
  createAwsActors,
  createFailbackRun,
  createLogger,
  type FailbackActivities,
  formatProblem,
  parsePlan,
  type RunEvent,
  type RunResult,
} from '../../src/index.js';
import { createSimulatedAws, type ScenarioFile, toScenario } from '../../src/sim/index.js';

// --- 1. The plan: a file in real life (loadPlan(path)); text here to keep the example whole.
export const PLAN_YAML = `
version: 1
name: inventory
region: us-east-1
notifications:
  topicArn: arn:aws:sns:us-east-1:111122223333:failback
objectives: { rpo: 15m, rto: 4h }
approval: per-wave
polling: { interval: 30s, max: 5m }
verify: { timeout: 20m }
backout: { restore: if-unhealthy }
waves:
  - name: storage
    servers:
      - sourceServerID: s-7700000000000000a
        verify: { ec2InstanceId: i-0770000000000000a }
  - name: services
    servers:
      - sourceServerID: s-7700000000000000b
      - sourceServerID: s-7700000000000000c
`;

// --- 2. The world for your tests: a scenario object, validated like a scenario file.
export const SCENARIO: ScenarioFile = {
  seed: 'embedding',
  startAt: '2026-03-01T02:00:00Z',
  defaults: { launch: { duration: '20m' }, health: { after: '3m' } },
  topics: ['arn:aws:sns:us-east-1:111122223333:failback'],
  servers: [
    { sourceServerID: 's-7700000000000000a', target: { ec2InstanceID: 'i-0770000000000000a' } },
    { sourceServerID: 's-7700000000000000b', launch: { duration: '25m' } },
    { sourceServerID: 's-7700000000000000c' },
  ],
};

export interface EmbeddingReport {
  result: RunResult;
  /** `wave: approved|refused` in the order the policy decided. */
  decisions: string[];
  /** `wave: from -> to`, from the event subscriber. */
  transitions: string[];
  eventCounts: Record<string, number>;
  /** How often the custom verification ran, and what it last said. */
  customVerifications: number;
  /** Job statuses your own DescribeJobs loop saw, one line per look. */
  jobWatch: string[];
}

/** Parses and validates plan text; a ConfigError lists every problem with file:line. */
export function planFrom(text: string) {
  try {
    return parsePlan(text, 'inventory.yaml');
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new Error(`invalid plan:\n${error.problems.map(formatProblem).join('\n')}`);
    }
    throw error;
  }
}

export async function main(): Promise<EmbeddingReport> {
  const plan = planFrom(PLAN_YAML);
  const sim = createSimulatedAws(toScenario(SCENARIO, 'embedded scenario'));
  const log = createLogger({ level: 'silent' });

  // --- 3. A custom activity: the standard verification, plus your own acceptance rule.
  // Here: the wave must also have been launched for at least two minutes of virtual time.
  const standard = createAwsActors({
    drs: sim.clients.drs,
    ec2: sim.clients.ec2,
    log,
    clock: sim.clock,
    emit: () => {}, // the run reports its own events; this copy only answers the machine
    probes: sim.probes,
  });
  let customVerifications = 0;
  const launchedAt = new Map<string, number>();
  const verifyFailback: FailbackActivities['verifyFailback'] = async (input) => {
    customVerifications += 1;
    const verdict = await standard.verifyFailback(input);
    const since = launchedAt.get(input.wave) ?? verdict.now;
    if (verdict.verdict === 'healthy' && verdict.now - since < 2 * 60_000) {
      return { ...verdict, verdict: 'pending' };
    }
    return verdict;
  };

  const run = createFailbackRun({
    plan,
    clients: sim.clients, // or real DrsClient/EC2Client/SNSClient, or anything with their `send`
    clock: sim.clock,
    probes: sim.probes,
    simulated: true,
    log,
    activities: { verifyFailback },
  });

  // --- 4. Your subscriber and your approval policy: approve a wave only when none of its
  // checks failed or warned; refuse otherwise. (A person, a ticket system, a chat bot...)
  const decisions: string[] = [];
  const transitions: string[] = [];
  const eventCounts: Record<string, number> = {};
  const doubtful = new Set<string>();
  run.on((event: RunEvent) => {
    eventCounts[event.type] = (eventCounts[event.type] ?? 0) + 1;
    if (event.type === 'check' && event.status !== 'pass') doubtful.add(event.wave);
    if (event.type === 'state' && event.machine === 'wave' && event.wave !== undefined) {
      transitions.push(`${event.wave}: ${event.from ?? '(start)'} -> ${event.to}`);
      if (event.to === 'verifying') launchedAt.set(event.wave, Date.parse(event.at));
    }
    if (event.type === 'approval.requested') {
      // Decide outside the listener: the run is in the middle of a step.
      queueMicrotask(() => {
        const ok = !doubtful.has(event.wave);
        decisions.push(`${event.wave}: ${ok ? 'approved' : 'refused'}`);
        if (ok) run.approve('embedding-policy');
        else run.refuse('embedding-policy');
      });
    }
  });

  // --- 5. Your own code against the same clients: watch the DRS jobs this run starts.
  let finished = false;
  const jobWatch: string[] = [];
  const watchJobs = async (): Promise<void> => {
    const since = new Date(sim.clock.now()).toISOString();
    while (!finished) {
      const out = await sim.clients.drs.send(new DescribeJobsCommand({ filters: { fromDate: since } }));
      const jobs: Job[] = out.items ?? [];
      const at = new Date(sim.clock.now()).toISOString();
      jobWatch.push(`${at} ${jobs.map((j) => `${j.jobID}=${j.status}`).join(' ') || 'no jobs'}`);
      await new Promise<void>((resolve) => sim.clock.setTimeout(resolve, 10 * 60_000));
    }
  };

  // --- 6. Run both in virtual time: as fast as possible (pass { speed } to watch it live).
  const runAndStopWatching = run.start().finally(() => {
    finished = true;
  });
  const [result] = await sim.clock.run(Promise.all([runAndStopWatching, watchJobs()]));
  return { result, decisions, transitions, eventCounts, customVerifications, jobWatch };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const report = await main();
  console.log(`outcome: ${report.result.outcome}`);
  for (const line of report.decisions) console.log(`approval  ${line}`);
  for (const line of report.transitions) console.log(`state     ${line}`);
  for (const line of report.jobWatch) console.log(`jobs      ${line}`);
  console.log(`custom verifications: ${report.customVerifications}`);
  console.log(`events: ${JSON.stringify(report.eventCounts)}`);
}
