import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/index.js';
import { loadPlan, parsePlan } from '../../src/plan/load.js';
import { PLAN_DEFAULTS, type Plan } from '../../src/plan/types.js';

const examples = fileURLToPath(new URL('../../examples/plans/', import.meta.url));

const payments: Plan = {
  version: 1,
  name: 'payments',
  region: 'us-east-1',
  notifications: { topicArn: 'arn:aws:sns:us-east-1:111122223333:failback' },
  objectives: { rpoMs: 15 * 60_000, rtoMs: 4 * 3_600_000 },
  approval: 'per-wave',
  polling: { intervalMs: 30_000, maxMs: 5 * 60_000 },
  verify: { timeoutMs: 20 * 60_000 },
  job: { timeoutMs: 90 * 60_000, maxServers: 100, maxInFlight: 500 },
  cutover: { quiesce: 'none', maxLagMs: 30_000, timeoutMs: 30 * 60_000 },
  backout: { restore: 'if-unhealthy', allowDataLoss: false },
  afterFailback: { reprotect: false, cleanup: false },
  waves: [
    {
      name: 'databases',
      servers: [
        {
          sourceServerID: 's-1234567890abcdef0',
          verify: {
            ec2InstanceId: 'i-0123456789abcdef0',
            expect: {
              subnetId: 'subnet-0abc1234def567890',
              securityGroupIds: ['sg-0abc1234def567890'],
              privateIp: '10.0.1.10',
            },
            probes: [
              { kind: 'http', url: 'https://db.internal:8443/health', expectStatus: 200 },
              { kind: 'tcp', host: 'db.internal', port: 5432 },
            ],
          },
        },
        { sourceServerID: 's-1234567890abcdef1' },
      ],
    },
    {
      name: 'app',
      servers: [
        {
          sourceServerID: 's-abcdef01234567890',
          verify: { probes: [{ kind: 'http', url: 'http://app.internal/health', expectStatus: 200 }] },
        },
        { sourceServerID: 's-abcdef01234567891' },
      ],
    },
    {
      name: 'web',
      servers: [
        {
          sourceServerID: 's-0fedcba9876543210',
          verify: { probes: [{ kind: 'tcp', host: 'web.internal', port: 443 }] },
        },
      ],
    },
  ],
};

describe('loadPlan', () => {
  it('reads the payments example into the expected Plan', async () => {
    expect(await loadPlan(`${examples}payments.yaml`)).toStrictEqual(payments);
  });

  it('fills in every default for a minimal plan', async () => {
    expect(await loadPlan(`${examples}minimal.yaml`)).toStrictEqual({
      version: 1,
      name: 'reports',
      region: 'eu-west-1',
      objectives: { rpoMs: 3_600_000, rtoMs: 8 * 3_600_000 },
      approval: PLAN_DEFAULTS.approval,
      polling: PLAN_DEFAULTS.polling,
      verify: PLAN_DEFAULTS.verify,
      job: PLAN_DEFAULTS.job,
      cutover: PLAN_DEFAULTS.cutover,
      backout: PLAN_DEFAULTS.backout,
      afterFailback: PLAN_DEFAULTS.afterFailback,
      waves: [{ name: 'all', servers: [{ sourceServerID: 's-00000000000000001' }] }],
    } satisfies Plan);
  });

  it('reports a missing file as a ConfigError naming it', async () => {
    const error = await loadPlan(`${examples}absent.yaml`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(`${examples}absent.yaml: file not found`);
  });
});

describe('parsePlan', () => {
  it('accepts the same plan written as JSON', async () => {
    const json = JSON.stringify({
      version: 1,
      name: 'payments',
      region: 'us-east-1',
      notifications: { topicArn: 'arn:aws:sns:us-east-1:111122223333:failback' },
      objectives: { rpo: '15m', rto: '4h' },
      approval: 'per-wave',
      polling: { interval: '30s', max: '5m' },
      verify: { timeout: '20m' },
      job: { timeout: '1h30m' },
      backout: { restore: 'if-unhealthy' },
      waves: payments.waves.map((wave) => ({
        name: wave.name,
        servers: wave.servers.map(({ sourceServerID, verify }) =>
          verify === undefined
            ? { sourceServerID }
            : {
                sourceServerID,
                verify: {
                  ...verify,
                  probes: verify.probes.map((probe) =>
                    probe.kind === 'http'
                      ? { http: probe.url, expectStatus: probe.expectStatus }
                      : { tcp: `${probe.host}:${probe.port}` },
                  ),
                },
              },
        ),
      })),
    });
    expect(parsePlan(json, 'plan.json')).toStrictEqual(payments);
  });

  it('reads the JSON example', async () => {
    expect(await loadPlan(`${examples}minimal.json`)).toStrictEqual(
      await loadPlan(`${examples}minimal.yaml`),
    );
  });

  it('accepts FIFO topics, GovCloud regions, IPv6 tcp probes and per-probe status', () => {
    const plan = parsePlan(
      `version: 1
name: gov.payments_2
region: us-gov-west-1
notifications: { topicArn: "arn:aws-us-gov:sns:us-gov-west-1:111122223333:failback.fifo" }
objectives: { rpo: 30s, rto: 1d }
approval: none
backout: { restore: never }
waves:
  - name: one
    servers:
      - sourceServerID: s-ABCDEFGHIJ0123456
        verify:
          probes:
            - { tcp: "[fd00::1]:22" }
            - { http: "https://x.internal/ready", expectStatus: 204 }
`,
      'gov.yaml',
    );
    expect(plan.notifications?.topicArn).toBe('arn:aws-us-gov:sns:us-gov-west-1:111122223333:failback.fifo');
    expect(plan.approval).toBe('none');
    expect(plan.backout.restore).toBe('never');
    expect(plan.waves[0]?.servers[0]?.verify?.probes).toStrictEqual([
      { kind: 'tcp', host: 'fd00::1', port: 22 },
      { kind: 'http', url: 'https://x.internal/ready', expectStatus: 204 },
    ]);
  });

  it('keeps the example files valid', async () => {
    for (const name of ['payments.yaml', 'minimal.yaml', 'minimal.json']) {
      const text = await readFile(`${examples}${name}`, 'utf8');
      expect(() => parsePlan(text, name)).not.toThrow();
    }
  });
});
