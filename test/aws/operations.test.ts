import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as drsSdk from '@aws-sdk/client-drs';
import * as ec2Sdk from '@aws-sdk/client-ec2';
import * as snsSdk from '@aws-sdk/client-sns';
import * as stsSdk from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import {
  DESTRUCTIVE_OPERATIONS,
  FORBIDDEN_OPERATIONS,
  isDestructive,
  isMutating,
  MUTATING_OPERATIONS,
  OPERATIONS,
  type OperationName,
  type OperationService,
  operationSpec,
} from '../../src/aws/operations.js';
import type { RunEvent } from '../../src/events.js';
import { ALWAYS_FORBIDDEN_ACTIONS, buildIamPolicy, grantedActions } from '../../src/iam/policy.js';
import { parsePlan } from '../../src/plan/load.js';
import { isDurableEvent } from '../../src/store/index.js';

const SRC = join(import.meta.dirname, '../../src');
const NAMES = Object.keys(OPERATIONS) as OperationName[];

const SERVICE_OF_PACKAGE: Record<string, OperationService> = {
  'client-drs': 'drs',
  'client-ec2': 'ec2',
  'client-sns': 'sns',
  'client-sts': 'sts',
  'client-service-quotas': 'service-quotas',
  'client-sfn': 'sfn',
  'client-dynamodb': 'dynamodb',
};
const IAM_PREFIX: Record<OperationService, string> = {
  drs: 'drs',
  ec2: 'ec2',
  sns: 'sns',
  sts: 'sts',
  'service-quotas': 'servicequotas',
  sfn: 'states',
  dynamodb: 'dynamodb',
};

interface ImportedCommand {
  operation: string;
  service: OperationService | undefined;
  file: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every command class (a value import, not `type`) each source imports from an @aws-sdk/client-* package. */
function importedCommands(): ImportedCommand[] {
  const found: ImportedCommand[] = [];
  const importPattern = /import\s+(type\s+)?\{([^}]*)\}\s*from\s*'@aws-sdk\/(client-[a-z0-9-]+)'/g;
  for (const path of sourceFiles(SRC)) {
    const text = readFileSync(path, 'utf8');
    for (const match of text.matchAll(importPattern)) {
      if (match[1]) continue;
      for (const raw of (match[2] ?? '').split(',')) {
        const name = raw.trim().split(/\s+as\s+/)[0] ?? '';
        if (name.startsWith('type ') || !/^[A-Z]\w*Command$/.test(name)) continue;
        found.push({
          operation: name.replace(/Command$/, ''),
          service: SERVICE_OF_PACKAGE[match[3] ?? ''],
          file: relative(SRC, path),
        });
      }
    }
  }
  return found;
}

const inSimulation = (file: string) => file.startsWith('sim/');

describe('the operation catalogue', () => {
  const imported = importedCommands();

  it('finds command imports to check (the scan is not vacuous)', () => {
    const operations = new Set(imported.map((c) => c.operation));
    for (const op of [
      'StartFailbackLaunch',
      'DescribeJobs',
      'DescribeInstances',
      'Publish',
      'StopReplication',
    ]) {
      expect(operations).toContain(op);
    }
  });

  it('covers every command class a source in src/ imports, under the right service', () => {
    for (const command of imported) {
      const spec = operationSpec(command.operation);
      expect(spec, `${command.operation}Command imported by src/${command.file}`).toBeDefined();
      expect(spec?.service, `${command.operation} in src/${command.file}`).toBe(command.service);
    }
  });

  it('says `sends` exactly for the operations the code outside the simulation imports', () => {
    const sentByCode = new Set(imported.filter((c) => !inSimulation(c.file)).map((c) => c.operation));
    const marked = new Set(NAMES.filter((n) => OPERATIONS[n].use === 'sends'));
    expect([...marked].sort()).toEqual([...sentByCode].sort());
  });

  it('names real SDK commands', () => {
    const packages: Partial<Record<OperationService, object>> = {
      drs: drsSdk,
      ec2: ec2Sdk,
      sns: snsSdk,
      sts: stsSdk,
    };
    for (const name of NAMES) {
      const sdk = packages[OPERATIONS[name].service];
      // STS and Service Quotas: their clients are not dependencies until the change that sends them.
      if (!sdk) continue;
      expect(typeof (sdk as Record<string, unknown>)[`${name}Command`], `${name}Command`).toBe('function');
    }
  });

  it('marks reads as not mutating and everything else as mutating (Publish changes no resource)', () => {
    for (const name of NAMES) {
      const isRead = /^(Describe|Get|List)/.test(name);
      // Publish changes no resource; AssumeRole only hands out credentials.
      // The Step Functions engine's calls change only its own state (scope `orchestrator`).
      const expected =
        !isRead && name !== 'Publish' && name !== 'AssumeRole' && OPERATIONS[name].scope !== 'orchestrator';
      expect(OPERATIONS[name].mutates, name).toBe(expected);
    }
  });

  it('marks as destructive exactly what loses data or DR capacity, and only mutating operations', () => {
    expect([...DESTRUCTIVE_OPERATIONS].sort()).toEqual(
      [
        'TerminateRecoveryInstances',
        'StopReplication',
        'DisconnectRecoveryInstance',
        'DisconnectSourceServer',
        'DeleteRecoveryInstance',
        'DeleteSourceServer',
      ].sort(),
    );
    for (const name of DESTRUCTIVE_OPERATIONS) expect(OPERATIONS[name].mutates, name).toBe(true);
    // The failback's own writes: they change AWS but keep every copy of the data.
    for (const name of ['StartFailbackLaunch', 'StopFailback', 'StartRecovery', 'ReverseReplication']) {
      expect(isMutating(name), name).toBe(true);
      expect(isDestructive(name), name).toBe(false);
    }
    expect(isMutating('SomethingUnknown')).toBe(false);
  });

  it('gives each operation its own IAM action and well-formed dependent actions', () => {
    for (const name of NAMES) {
      const spec = OPERATIONS[name];
      expect(spec.iamAction).toBe(`${IAM_PREFIX[spec.service]}:${name}`);
      for (const dependent of spec.dependentActions)
        expect(dependent).toMatch(/^[a-z0-9-]+:[A-Z][A-Za-z0-9]+$/);
      expect(new Set(spec.dependentActions).size).toBe(spec.dependentActions.length);
      expect(spec.dependentActions).not.toContain(spec.iamAction);
    }
    // As the reference (shared/reference/drs-api.md section 9) lists them.
    expect(OPERATIONS.ReverseReplication.dependentActions).toEqual([
      'drs:DescribeReplicationConfigurationTemplates',
      'drs:DescribeSourceServers',
      'ec2:DescribeInstances',
    ]);
    expect([...OPERATIONS.TerminateRecoveryInstances.dependentActions].sort()).toEqual([
      'drs:DescribeSourceServers',
      'ec2:DeleteVolume',
      'ec2:DescribeInstances',
      'ec2:DescribeVolumes',
      'ec2:TerminateInstances',
    ]);
    const startRecovery = OPERATIONS.StartRecovery.dependentActions;
    expect(startRecovery).toEqual(
      expect.arrayContaining(['drs:CreateRecoveryInstanceForDrs', 'drs:ListTagsForResource', 'iam:PassRole']),
    );
    // The Service Authorization Reference's list as transcribed (docs/iam-policy.md): 32 EC2
    // actions, among them both instance reads the reference's count of 31 leaves ambiguous.
    expect(startRecovery.filter((a) => a.startsWith('ec2:'))).toHaveLength(32);
    expect(startRecovery).toEqual(
      expect.arrayContaining(['ec2:DescribeInstances', 'ec2:DescribeInstanceStatus']),
    );
  });
});

describe('what reads the catalogue', () => {
  const request = (operation: string): RunEvent =>
    ({
      type: 'aws.request',
      service: 'drs',
      region: 'eu-west-1',
      operation,
      input: {},
      runId: 'r',
      at: '2026-03-01T02:00:00.000Z',
    }) as unknown as RunEvent;

  it('the store makes exactly the requests of mutating operations durable', () => {
    for (const name of NAMES) expect(isDurableEvent(request(name)), name).toBe(OPERATIONS[name].mutates);
    expect(MUTATING_OPERATIONS.length).toBeGreaterThan(0);
  });

  it('the IAM policy never grants an operation the project never sends, and grants every one it sends', () => {
    for (const name of FORBIDDEN_OPERATIONS)
      expect(ALWAYS_FORBIDDEN_ACTIONS).toContain(OPERATIONS[name].iamAction);
    const plan = (cleanup: string) =>
      parsePlan(
        `
version: 1
name: payments
region: eu-west-1
aws: { role: { arn: 'arn:aws:iam::123456789012:role/failback' } }
objectives: { rpo: 15m, rto: 4h }
backout: { restore: if-unhealthy }
afterFailback: { reprotect: true, cleanup: ${cleanup} }
notifications: { topicArn: 'arn:aws:sns:eu-west-1:123456789012:failback' }
job: { maxServers: 1 }
waves:
  - name: db
    servers:
      - sourceServerID: s-1234567890abcdef0
      - sourceServerID: s-1234567890abcdef1
`,
        'plan.yaml',
      );
    // The two clean-ups are alternatives: each plan grants the one it asks for.
    const granted = ['terminate', 'disconnect'].flatMap((c) =>
      grantedActions(buildIamPolicy(plan(c), { originRegions: ['us-west-2'] })),
    );
    for (const name of NAMES.filter(
      (n) => OPERATIONS[n].use === 'sends' && OPERATIONS[n].scope !== 'orchestrator',
    )) {
      expect(granted, name).toContain(OPERATIONS[name].iamAction);
    }
    for (const name of FORBIDDEN_OPERATIONS) expect(granted).not.toContain(OPERATIONS[name].iamAction);
  });
});
