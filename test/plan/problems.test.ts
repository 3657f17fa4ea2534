import { describe, expect, it } from 'vitest';
import { ConfigError, formatProblem } from '../../src/config/index.js';
import { parsePlan } from '../../src/plan/load.js';

/** Every problem parsePlan reports for `text`, as the CLI prints them. */
function problemsIn(text: string): string[] {
  try {
    parsePlan(text, 'plan.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map(formatProblem);
    throw error;
  }
  throw new Error('expected the plan to be refused');
}

const WAVE = `waves:
  - name: db
    servers:
      - sourceServerID: s-1234567890abcdef0
`;

describe('plan problems', () => {
  it('names an unknown top-level key and lists the allowed ones', () => {
    const text = `version: 1
name: payments
region: us-east-1
objectives: { rpo: 15m, rto: 4h }
aproval: once
${WAVE}`;
    expect(problemsIn(text)).toEqual([
      'plan.yaml:5 aproval: unknown key "aproval"; allowed: version, name, region, aws, notifications, objectives, approval, approvers, approvalTimeout, polling, verify, job, cutover, backout, afterFailback, concurrency, waves',
    ]);
  });

  it('names an unknown nested key with its line', () => {
    const text = `version: 1
name: payments
region: us-east-1
objectives: { rpo: 15m, rto: 4h }
polling:
  interval: 30s
  pollng: 5m
${WAVE}        verify:
          expect: { subnet: subnet-0abc1234 }
`;
    expect(problemsIn(text)).toEqual([
      'plan.yaml:7 polling.pollng: unknown key "pollng"; allowed: interval, max',
      'plan.yaml:13 waves[0].servers[0].verify.expect.subnet: unknown key "subnet"; allowed: subnetId, securityGroupIds, privateIp',
    ]);
  });

  it('says what a bad ID is and what it must look like', () => {
    const text = `version: 1
name: payments
region: us-east-1
objectives: { rpo: 15m, rto: 4h }
waves:
  - name: db
    servers:
      - sourceServerID: s-123
        verify:
          ec2InstanceId: i-xyz
          expect:
            subnetId: subnet-ABC
            securityGroupIds: [sg-0abc1234, sg-1]
            privateIp: 10.0.1
          probes:
            - http: ftp://files.internal
            - tcp: db.internal:70000
`;
    expect(problemsIn(text)).toEqual([
      'plan.yaml:8 waves[0].servers[0].sourceServerID: "s-123" does not match s- followed by 17 letters or digits',
      'plan.yaml:10 waves[0].servers[0].verify.ec2InstanceId: "i-xyz" does not match i- followed by at least 8 hex digits',
      'plan.yaml:12 waves[0].servers[0].verify.expect.subnetId: "subnet-ABC" does not match subnet- followed by 8 to 17 lowercase hex digits',
      'plan.yaml:13 waves[0].servers[0].verify.expect.securityGroupIds[1]: "sg-1" does not match sg- followed by 8 to 17 lowercase hex digits',
      'plan.yaml:14 waves[0].servers[0].verify.expect.privateIp: "10.0.1" is not an IPv4 address',
      'plan.yaml:16 waves[0].servers[0].verify.probes[0].http: "ftp://files.internal" is not an http:// or https:// URL',
      'plan.yaml:17 waves[0].servers[0].verify.probes[1].tcp: "db.internal:70000" is not host:port with a port from 1 to 65535',
    ]);
  });

  it('refuses bad region, topic and name', () => {
    const text = `version: 1
name: "pay ments"
region: useast1
notifications: { topicArn: "arn:aws:sns:us-east-1:1111:failback" }
objectives: { rpo: 15m, rto: 4h }
${WAVE}`;
    expect(problemsIn(text)).toEqual([
      `plan.yaml:2 name: "pay ments" does not match a letter or digit followed by letters, digits, '.', '_' or '-'`,
      'plan.yaml:3 region: "useast1" does not match an AWS region like us-east-1',
      'plan.yaml:4 notifications.topicArn: "arn:aws:sns:us-east-1:1111:failback" does not match arn:aws:sns:<region>:<12-digit account>:<topic name>',
    ]);
  });

  it('names both places of a server listed twice, across waves and within one', () => {
    const text = `version: 1
name: payments
region: us-east-1
objectives: { rpo: 15m, rto: 4h }
waves:
  - name: db
    servers:
      - sourceServerID: s-1234567890abcdef0
      - sourceServerID: s-1234567890abcdef1
      - sourceServerID: s-1234567890abcdef1
  - name: app
    servers:
      - sourceServerID: s-1234567890abcdef0
`;
    expect(problemsIn(text)).toEqual([
      'plan.yaml:10 waves[0].servers[2].sourceServerID: "s-1234567890abcdef1" is already listed at waves[0].servers[1].sourceServerID; a server may appear only once in a plan',
      'plan.yaml:13 waves[1].servers[0].sourceServerID: "s-1234567890abcdef0" is already listed at waves[0].servers[0].sourceServerID; a server may appear only once in a plan',
    ]);
  });

  it('refuses an empty wave, an unnamed wave and a repeated wave name', () => {
    const text = `version: 1
name: payments
region: us-east-1
objectives: { rpo: 15m, rto: 4h }
waves:
  - name: db
    servers: []
  - name: db
    servers:
      - sourceServerID: s-1234567890abcdef0
  - name: ""
    servers:
      - sourceServerID: s-1234567890abcdef1
  - name: app
`;
    expect(problemsIn(text)).toEqual([
      'plan.yaml:7 waves[0].servers: is empty; at least 1 item required',
      'plan.yaml:8 waves[1].name: "db" is already the name of waves[0]; wave names must be unique',
      'plan.yaml:11 waves[2].name: must not be empty',
      'plan.yaml:14 waves[3].servers: missing; expected a list',
    ]);
  });

  it('refuses rpo 0, a number and an unknown duration unit', () => {
    const text = `version: 1
name: payments
region: us-east-1
objectives:
  rpo: 0s
  rto: 15x
verify: { timeout: 15 }
${WAVE}`;
    expect(problemsIn(text)).toEqual([
      'plan.yaml:5 objectives.rpo: "0s" must be longer than 0',
      'plan.yaml:6 objectives.rto: "15x" is not a duration; use e.g. 30s, 15m, 4h, 1d',
      'plan.yaml:7 verify.timeout: 15 is not a duration; use e.g. 30s, 15m, 4h, 1d',
    ]);
  });

  it('refuses a polling interval longer than polling.max, given or by default', () => {
    const head = `version: 1
name: payments
region: us-east-1
objectives: { rpo: 15m, rto: 4h }
`;
    expect(problemsIn(`${head}polling: { interval: 10m, max: 1m }\n${WAVE}`)).toEqual([
      'plan.yaml:5 polling.interval: 10m is longer than polling.max (1m); the interval must not exceed it',
    ]);
    expect(problemsIn(`${head}polling:\n  max: 10s\n${WAVE}`)).toEqual([
      'plan.yaml:6 polling.max: 10s is shorter than polling.interval (15s by default); set a shorter interval or a longer max',
    ]);
  });

  it('refuses job limits out of range, with the allowed values and why', () => {
    const head = `version: 1
name: payments
region: us-east-1
objectives: { rpo: 15m, rto: 4h }
`;
    expect(problemsIn(`${head}job: { maxServers: 0, maxInFlight: 501 }\n${WAVE}`)).toEqual([
      "plan.yaml:5 job.maxServers: 0 is not a whole number from 1 to 200; a DRS job takes at most 200 servers (the API limit; 100 by DRS's current quota)",
      'plan.yaml:5 job.maxInFlight: 501 is not a whole number from 1 to 500; DRS allows at most 500 servers in all active jobs of an account and region',
    ]);
    expect(problemsIn(`${head}job:\n  maxServers: 2.5\n  maxInFlight: "ten"\n${WAVE}`)).toEqual([
      "plan.yaml:6 job.maxServers: 2.5 is not a whole number from 1 to 200; a DRS job takes at most 200 servers (the API limit; 100 by DRS's current quota)",
      'plan.yaml:7 job.maxInFlight: "ten" is not a whole number from 1 to 500; DRS allows at most 500 servers in all active jobs of an account and region',
    ]);
    expect(problemsIn(`${head}job:\n  maxServers: 150\n  maxInFlight: 100\n${WAVE}`)).toEqual([
      'plan.yaml:6 job.maxServers: job.maxServers (150) is more than job.maxInFlight (100); a job that large could never start',
    ]);
    expect(problemsIn(`${head}job:\n  maxInFlight: 50\n${WAVE}`)).toEqual([
      'plan.yaml:6 job.maxInFlight: job.maxServers (100) is more than job.maxInFlight (50); a job that large could never start',
    ]);
    expect(problemsIn(`${head}job:\n  maxServer: 50\n${WAVE}`)).toEqual([
      'plan.yaml:6 job.maxServer: unknown key "maxServer"; allowed: timeout, maxServers, maxInFlight',
    ]);
  });

  it('accepts job limits within range and fills in the defaults', () => {
    const head = `version: 1
name: payments
region: us-east-1
objectives: { rpo: 15m, rto: 4h }
`;
    expect(parsePlan(`${head}job: { maxServers: 200, maxInFlight: 500 }\n${WAVE}`, 'plan.yaml').job).toEqual({
      timeoutMs: 2 * 3_600_000,
      maxServers: 200,
      maxInFlight: 500,
    });
    expect(parsePlan(`${head}${WAVE}`, 'plan.yaml').job).toEqual({
      timeoutMs: 2 * 3_600_000,
      maxServers: 100,
      maxInFlight: 500,
    });
  });

  it('lists the allowed values of an enum', () => {
    const text = `version: 1
name: payments
region: us-east-1
objectives: { rpo: 15m, rto: 4h }
approval: weekly
backout: { restore: sometimes }
${WAVE}`;
    expect(problemsIn(text)).toEqual([
      'plan.yaml:5 approval: "weekly" is not one of: per-wave, once, none',
      'plan.yaml:6 backout.restore: "sometimes" is not one of: if-unhealthy, never',
    ]);
  });

  it('refuses backout.restore: always and says why (it relaunched servers still serving, losing their writes)', () => {
    const text = `version: 1
name: payments
region: us-east-1
objectives: { rpo: 15m, rto: 4h }
backout: { restore: always }
${WAVE}`;
    const [problem] = problemsIn(text);
    expect(problem).toMatch(
      /^plan\.yaml:5 backout\.restore: "always" was removed: it relaunched recovery instances that were still serving/,
    );
    expect(problem).toContain('losing every write made on them since failover');
  });

  it('reads the cutover keys and refuses unknown ones', () => {
    const text = (cutover: string) => `version: 1
name: payments
region: us-east-1
objectives: { rpo: 15m, rto: 4h }
cutover: ${cutover}
backout: { allowDataLoss: true }
${WAVE}`;
    const plan = parsePlan(text('{ quiesce: confirm, maxLag: 10s, timeout: 5m }'), 'plan.yaml');
    expect(plan.cutover).toEqual({ quiesce: 'confirm', maxLagMs: 10_000, timeoutMs: 300_000 });
    expect(plan.backout.allowDataLoss).toBe(true);
    expect(problemsIn(text('{ quiesce: maybe }'))[0]).toMatch(
      /cutover\.quiesce: "maybe" is not one of: confirm, none/,
    );
    expect(problemsIn(text('{ maxlag: 10s }'))[0]).toMatch(/cutover/);
  });

  it('refuses malformed probes', () => {
    const text = `version: 1
name: payments
region: us-east-1
objectives: { rpo: 15m, rto: 4h }
${WAVE}        verify:
          probes:
            - { http: "http://a.internal", tcp: "a.internal:1" }
            - {}
            - { tcp: "a.internal:1", expectStatus: 200 }
            - { http: "http://a.internal", expectStatus: 700 }
`;
    expect(problemsIn(text)).toEqual([
      'plan.yaml:11 waves[0].servers[0].verify.probes[0].tcp: a probe is either http or tcp, not both',
      'plan.yaml:12 waves[0].servers[0].verify.probes[1]: a probe needs http: <URL> or tcp: <host:port>',
      'plan.yaml:13 waves[0].servers[0].verify.probes[2].expectStatus: expectStatus applies to http probes only',
      'plan.yaml:14 waves[0].servers[0].verify.probes[3].expectStatus: 700 is too large; must be at most 599',
    ]);
  });

  it('reports a YAML syntax error with its line, and nothing else', () => {
    const text = `version: 1
name: payments
region: us-east-1
objectives: { rpo: 15m, rto: 4h
${WAVE}`;
    // yaml notices the unclosed flow mapping on line 5; the problem names line 4, where it opens.
    expect(problemsIn(text)).toEqual([
      'plan.yaml:4: YAML syntax: the "{" opened on this line is not closed (Flow map in block collection must be sufficiently indented and end with a })',
    ]);
  });

  it('an unclosed [ several lines up: the line where it opens, ignoring brackets in quotes and comments', () => {
    const text = `version: 1
name: payments  # [not a bracket]
region: "us-east-1"
objectives: { rpo: 15m, rto: 4h }
waves:
  - name: "db [primary"
    servers: [ { sourceServerID: s-1234567890abcdef0 }
  - name: app
    servers:
      - sourceServerID: s-1234567890abcdef1
`;
    const problems = problemsIn(text);
    expect(problems.length).toBeGreaterThan(0);
    for (const problem of problems) {
      expect(problem).toMatch(/^plan\.yaml:7: YAML syntax: the "\[" opened on this line is not closed/);
    }
  });

  it('reports a duplicate key as a YAML error', () => {
    const text = `version: 1
name: payments
name: orders
region: us-east-1
objectives: { rpo: 15m, rto: 4h }
${WAVE}`;
    expect(problemsIn(text)).toEqual(['plan.yaml:3: YAML syntax: Map keys must be unique']);
  });

  it('reports missing required keys, an unsupported version and an empty file', () => {
    expect(problemsIn('version: 2\nname: payments\n')).toEqual([
      'plan.yaml:1 version: 2 is not allowed; must be 1',
      'plan.yaml:1 region: missing; expected a string',
      'plan.yaml:1 objectives: missing; expected a mapping',
      'plan.yaml:1 waves: missing; expected a list',
    ]);
    expect(problemsIn('')).toEqual(['plan.yaml: found an empty value; expected a mapping']);
    expect(problemsIn('- a\n- b\n')).toEqual(['plan.yaml:1: found a list; expected a mapping']);
  });

  it('reports several problems at once, in file order, in one error message', () => {
    const text = `version: 1
name: payments
region: us-east-1
objectives: { rpo: 0s, rto: 4h }
approval: sometimes
polling: { interval: 30s, maximum: 5m }
waves:
  - name: db
    servers:
      - sourceServerID: s-1234567890abcdef0
  - name: app
    servers:
      - sourceServerID: s-1234567890abcdef0
      - sourceServerID: s-123
`;
    let error: unknown;
    try {
      parsePlan(text, 'plan.yaml');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(
      [
        'plan.yaml:4 objectives.rpo: "0s" must be longer than 0',
        'plan.yaml:5 approval: "sometimes" is not one of: per-wave, once, none',
        'plan.yaml:6 polling.maximum: unknown key "maximum"; allowed: interval, max',
        'plan.yaml:13 waves[1].servers[0].sourceServerID: "s-1234567890abcdef0" is already listed at waves[0].servers[0].sourceServerID; a server may appear only once in a plan',
        'plan.yaml:14 waves[1].servers[1].sourceServerID: "s-123" does not match s- followed by 17 letters or digits',
      ].join('\n'),
    );
    expect((error as ConfigError).problems[0]).toStrictEqual({
      file: 'plan.yaml',
      line: 4,
      path: 'objectives.rpo',
      message: '"0s" must be longer than 0',
    });
  });
});
