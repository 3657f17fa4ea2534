import {
  DescribeJobsCommand,
  DescribeRecoveryInstancesCommand,
  DescribeSourceServersCommand,
  type DrsClient,
  ReverseReplicationCommand,
} from '@aws-sdk/client-drs';
import type { ScenarioFile } from '../../src/sim/index.js';
import { createSimulatedAws, toScenario } from '../../src/sim/index.js';

export const DR = 'us-east-1';
export const ORIGIN = 'us-west-2';
export const ACCOUNT = '111122223333';
/** EC2-origin server, not reversed yet. */
export const A1 = 's-a000000000000aaa1';
export const RA1 = 'i-a00000000000000a1';
export const EC2_A1 = 'i-e00000000000000a1';
/** EC2-origin server reversed before the scenario starts. */
export const A2 = 's-a000000000000aaa2';
export const RA2 = 'i-a00000000000000a2';
export const REV_A2 = 's-b000000000000bbb2';
/** On-premises server. */
export const P1 = 's-p000000000000ppp1';
export const RP1 = 'i-c00000000000000c1';

export const MIN = 60_000;
export const ARN = /^arn:aws:drs:([a-z0-9-]+):(\d{12}):source-server\/(s-[0-9a-zA-Z]{17})$/;

/** Two EC2-origin servers from us-west-2 (one already reversed) and one on-premises, DR in us-east-1. */
export function ec2OriginScenario(extra: Partial<ScenarioFile> = {}): ScenarioFile {
  return {
    seed: 9,
    region: DR,
    accountId: ACCOUNT,
    defaults: { jobStartDelay: '30s', launch: { duration: '15m' }, health: { after: '3m' } },
    servers: [
      {
        sourceServerID: A1,
        recoveryInstanceID: RA1,
        ec2InstanceID: EC2_A1,
        hostname: 'api-1',
        origin: 'AWS',
        originRegion: ORIGIN,
        reverseReplication: { catchUp: '20m', lag: '30s' },
        target: { subnetId: 'subnet-0west1', securityGroupIds: ['sg-0west1'], privateIp: '10.20.1.10' },
      },
      {
        sourceServerID: A2,
        recoveryInstanceID: RA2,
        hostname: 'worker-1',
        origin: 'AWS',
        originRegion: ORIGIN,
        reverseReplication: { state: 'reversed', sourceServerID: REV_A2 },
      },
      { sourceServerID: P1, recoveryInstanceID: RP1, hostname: 'db-1' },
    ],
    ...extra,
  };
}

export function simulateEc2Origin(extra: Partial<ScenarioFile> = {}) {
  return createSimulatedAws(toScenario(ec2OriginScenario(extra)));
}

export async function sourceServer(drs: DrsClient, id: string) {
  const out = await drs.send(new DescribeSourceServersCommand({ filters: { sourceServerIDs: [id] } }));
  return out.items?.[0];
}

export async function recoveryInstance(drs: DrsClient, id: string) {
  const out = await drs.send(
    new DescribeRecoveryInstancesCommand({ filters: { recoveryInstanceIDs: [id] } }),
  );
  return out.items?.[0];
}

export async function job(drs: DrsClient, id: string) {
  const out = await drs.send(new DescribeJobsCommand({ filters: { jobIDs: [id] } }));
  return out.items?.[0];
}

/** ReverseReplication, returning the new source server's id parsed from the ARN. */
export async function reverse(drs: DrsClient, recoveryInstanceID: string): Promise<string> {
  const out = await drs.send(new ReverseReplicationCommand({ recoveryInstanceID }));
  const match = ARN.exec(out.reversedDirectionSourceServerArn ?? '');
  if (!match?.[3]) throw new Error(`not a source server ARN: ${out.reversedDirectionSourceServerArn}`);
  return match[3];
}
