// The plan and simulated world of the crash bench: two waves, approval per wave, a FIFO topic
// (so every notification carries a deduplication id), launches of 20 virtual minutes.
import { type Scenario, toScenario } from '../../../src/sim/scenario.js';

export const CRASH_PLAN = `version: 1
name: crash-bench
region: us-east-1
notifications:
  topicArn: arn:aws:sns:us-east-1:111122223333:failback.fifo
objectives: { rpo: 15m, rto: 4h }
approval: per-wave
polling: { interval: 30s, max: 5m }
verify: { timeout: 20m }
backout: { restore: if-unhealthy }
waves:
  - name: databases
    servers:
      - sourceServerID: s-1234567890abcdef0
      - sourceServerID: s-1234567890abcdef1
  - name: app
    servers:
      - sourceServerID: s-abcdef01234567890
`;

/** `launchFails`: one server of the first wave fails its launch, so the run backs out. */
export function crashScenario(options: { launchFails?: boolean } = {}): Scenario {
  return toScenario({
    seed: 7,
    region: 'us-east-1',
    topics: [{ arn: 'arn:aws:sns:us-east-1:111122223333:failback.fifo', contentBasedDeduplication: false }],
    servers: [
      { sourceServerID: 's-1234567890abcdef0' },
      { sourceServerID: 's-1234567890abcdef1' },
      { sourceServerID: 's-abcdef01234567890' },
    ],
    faults: options.launchFails
      ? [{ kind: 'launch-failure', servers: ['s-1234567890abcdef1'], during: 'failback' }]
      : [],
  });
}
