// A generated fleet for the failback benchmark: the plan and the scenario for N servers in W
// waves, with launch and health durations that vary per server like a real estate's would.
import type { WavePlan } from '../../machines/types.js';
import type { Plan } from '../../src/plan/types.js';
import type { ScenarioFile } from '../../src/sim/index.js';

const MIN = 60_000;
const JOB_START_DELAY_MS = 30_000;

export interface FleetOptions {
  servers: number;
  waves: number;
}

export interface FleetServer {
  sourceServerID: string;
  targetInstanceId: string;
  launchMs: number;
  healthAfterMs: number;
}

export interface Fleet {
  plan: Plan;
  /** The same plan as a plan file's text (JSON, which YAML reads), for the command line's path. */
  readonly planText: string;
  scenario: ScenarioFile;
  servers: FleetServer[];
  /** The scenario's own time for each wave: job start delay, slowest launch plus its status checks. */
  idealWaveMs: number[];
}

// `prefix` and `n` in hex as one flat string, as a parsed plan file holds its ids (a template
// literal makes a two-part string object, kept by every record that holds the id).
const hexId = (prefix: string, n: number, width: number) =>
  [prefix, n.toString(16).padStart(width, '0')].join('');

/** Deterministic spread in [min, max] minutes, in whole seconds. */
function spread(i: number, salt: number, minMinutes: number, maxMinutes: number): number {
  const x = Math.imul(i + 1, 2654435761) ^ Math.imul(salt, 40503);
  const unit = ((x >>> 0) % 10_000) / 10_000;
  return Math.round((minMinutes + unit * (maxMinutes - minMinutes)) * 60) * 1000;
}

const fmtDuration = (ms: number) => `${Math.round(ms / 1000)}s`;

export function generateFleet({ servers: count, waves: waveCount }: FleetOptions): Fleet {
  const servers: FleetServer[] = Array.from({ length: count }, (_, i) => ({
    sourceServerID: hexId('s-', i + 1, 17),
    targetInstanceId: hexId('i-0', i + 1, 16),
    launchMs: spread(i, 1, 20, 30),
    healthAfterMs: spread(i, 2, 3, 5),
  }));
  const perWave = Math.ceil(count / waveCount);
  const waves: WavePlan[] = [];
  const idealWaveMs: number[] = [];
  for (let w = 0; w < waveCount; w++) {
    const members = servers.slice(w * perWave, (w + 1) * perWave);
    waves.push({
      name: `wave-${w + 1}`,
      servers: members.map((s) => ({
        sourceServerID: s.sourceServerID,
        verify: { ec2InstanceId: s.targetInstanceId, probes: [] },
      })),
    });
    idealWaveMs.push(JOB_START_DELAY_MS + Math.max(...members.map((s) => s.launchMs + s.healthAfterMs)));
  }
  const rtoHours = Math.max(48, waveCount);
  const plan: Plan = {
    version: 1,
    name: `fleet-${count}`,
    region: 'us-east-1',
    notifications: { topicArn: 'arn:aws:sns:us-east-1:111122223333:failback' },
    // 48 h, or an hour per wave beyond it: 100 waves of about 35 minutes outlast 48 h, and a
    // run past its RTO deadline backs its wave out instead of measuring the fleet.
    objectives: { rpoMs: 15 * MIN, rtoMs: rtoHours * 60 * MIN },
    approval: 'none',
    polling: { intervalMs: 15_000, maxMs: 5 * MIN },
    verify: { timeoutMs: 20 * MIN },
    job: { timeoutMs: 2 * 60 * MIN },
    backout: { restore: 'if-unhealthy' },
    waves,
  };
  const scenario: ScenarioFile = {
    seed: `fleet-${count}`,
    startAt: '2026-03-01T02:00:00Z',
    defaults: { jobStartDelay: fmtDuration(JOB_START_DELAY_MS) },
    topics: [plan.notifications?.topicArn ?? ''],
    limits: { concurrentJobs: 20, serversInAllJobs: Math.max(500, count) },
    servers: servers.map((s) => ({
      sourceServerID: s.sourceServerID,
      target: { ec2InstanceID: s.targetInstanceId },
      launch: { duration: fmtDuration(s.launchMs) },
      health: { after: fmtDuration(s.healthAfterMs) },
    })),
  };
  // Written only when read (the command line's path): a large fleet's text is megabytes.
  const planFile = () => ({
    version: 1,
    name: plan.name,
    region: plan.region,
    notifications: plan.notifications,
    objectives: { rpo: '15m', rto: `${rtoHours}h` },
    approval: 'none',
    polling: { interval: '15s', max: '5m' },
    verify: { timeout: '20m' },
    job: { timeout: '2h' },
    backout: { restore: 'if-unhealthy' },
    waves: waves.map((w) => ({
      name: w.name,
      servers: w.servers.map((s) => ({
        sourceServerID: s.sourceServerID,
        verify: { ec2InstanceId: s.verify?.ec2InstanceId },
      })),
    })),
  });
  return {
    plan,
    get planText() {
      return `${JSON.stringify(planFile(), null, 1)}\n`;
    },
    scenario,
    servers,
    idealWaveMs,
  };
}
