import type { ScenarioFile } from '../../src/sim/index.js';
import { createSimulatedAws, toScenario, type VirtualClock } from '../../src/sim/index.js';

export const S1 = 's-1234567890abcdef0';
export const S2 = 's-abcdef01234567890';
export const S3 = 's-0000000000000000a';
export const RI1 = 'i-1111111111111111a';
export const RI2 = 'i-2222222222222222b';
export const EC2_1 = 'i-0aaaaaaaaaaaaaaa1';
export const TARGET1 = 'i-0123456789abcdef0';
export const TARGET2 = 'i-0fedcba9876543210';

export const MIN = 60_000;

/** Two on-premises servers ready for launch, with EC2 failback targets. */
export function baseScenario(extra: Partial<ScenarioFile> = {}): ScenarioFile {
  return {
    seed: 42,
    servers: [
      {
        sourceServerID: S1,
        recoveryInstanceID: RI1,
        ec2InstanceID: EC2_1,
        target: {
          ec2InstanceID: TARGET1,
          subnetId: 'subnet-0abc',
          securityGroupIds: ['sg-0abc'],
          privateIp: '10.0.1.10',
        },
      },
      { sourceServerID: S2, recoveryInstanceID: RI2, target: { ec2InstanceID: TARGET2 } },
    ],
    ...extra,
  };
}

export function simulate(extra: Partial<ScenarioFile> = {}) {
  return createSimulatedAws(toScenario(baseScenario(extra)));
}

/** A promise that resolves after `ms` of virtual time. */
export function sleep(clock: VirtualClock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}

/** What the tests read from an SDK error. */
export type SimError = Error & {
  fieldList?: { name?: string; message?: string }[];
  resourceId?: string;
  retryAfterSeconds?: unknown;
  $metadata?: { httpStatusCode?: number; requestId?: string };
};

/** The rejection of `p`, failing the test when it resolves. */
export async function rejection(p: Promise<unknown>): Promise<SimError> {
  try {
    await p;
  } catch (error) {
    return error as SimError;
  }
  throw new Error('expected a rejection');
}
