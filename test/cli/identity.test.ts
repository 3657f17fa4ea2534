// Who the tool acts as: GetCallerIdentity before anything else (in the stream as service sts),
// the header, run.started, the plan's accounts and roles, and the credential and network
// failures that must be one sentence with the right exit code. Child processes, like an operator.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, cli, fixture, ndjson, ROOT, tempStateDir } from './helpers.js';

const PLAN = fixture('plan.yaml');
const READY = fixture('scenario.yaml');
const PRINCIPAL = 'arn:aws:sts::111122223333:assumed-role/DRSFailbackOperator/simulated-operator';

/** The fixture plan with an `aws:` section. */
function planWith(aws: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'drs-failback-identity-'));
  const text = readFileSync(PLAN, 'utf8').replace(/^region: (.*)$/m, (line) => `${line}\naws:\n${aws}`);
  const file = join(dir, 'plan.yaml');
  writeFileSync(file, text);
  return file;
}

/** An environment without any AWS credentials, config or instance metadata. */
function bareAwsEnv(extra: Record<string, string>): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'drs-failback-aws-'));
  writeFileSync(join(dir, 'config'), '');
  writeFileSync(join(dir, 'credentials'), '');
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('AWS_')) env[key] = value;
  }
  return {
    ...env,
    NO_COLOR: '1',
    AWS_CONFIG_FILE: join(dir, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  };
}

/** Like `cli`, but with exactly `env` (no inherited AWS variables). */
function cliWithEnv(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: ROOT, env, timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
    );
    child.stdin?.end();
  });
}

describe('the AWS identity (child process)', () => {
  it('check: GetCallerIdentity first (service sts), then account, principal and region in the header', async () => {
    const json = await cli(['check', PLAN, '--simulate', READY, '--json']);
    expect(json.code, json.stderr).toBe(0);
    const events = ndjson(json.stdout);
    expect(events[0]).toMatchObject({ type: 'aws.request', service: 'sts', operation: 'GetCallerIdentity' });
    expect(events[1]).toMatchObject({ type: 'aws.response', service: 'sts', ok: true });

    const text = await cli(['check', PLAN, '--simulate', READY]);
    expect(text.stdout).toContain(`aws: account 111122223333 as ${PRINCIPAL} (simulated)`);
    expect(text.stdout).toContain("region: us-east-1, the plan's DR region");
  });

  it('run: run.started records the format, account and principal; the reads are in the event log', async () => {
    const stateDir = tempStateDir();
    const r = await cli(['run', PLAN, '--simulate', READY, '--yes', '--json', '--state-dir', stateDir]);
    expect(r.code, r.stderr).toBe(0);
    const events = ndjson(r.stdout);
    expect(events[0]).toMatchObject({
      type: 'run.started',
      format: 2,
      account: '111122223333',
      principal: PRINCIPAL,
      identities: [{ region: 'us-east-1', account: '111122223333', principal: PRINCIPAL }],
    });
    expect(events[1]).toMatchObject({ type: 'aws.request', service: 'sts', operation: 'GetCallerIdentity' });
    // Before any DRS call.
    const firstDrs = events.findIndex((e) => e.type === 'aws.request' && e.service === 'drs');
    expect(firstDrs).toBeGreaterThan(1);
    const runId = String(events[0]?.runId);
    const log = ndjson(readFileSync(join(stateDir, 'runs', runId, 'events.ndjson'), 'utf8'));
    expect(log.filter((e) => e.service === 'sts')).toHaveLength(2);
  });

  it('a plan pinned to another account: exit 2 with one sentence, no other call, no run created', async () => {
    const plan = planWith('  allowedAccounts: ["999999999999"]');
    const stateDir = tempStateDir();
    const r = await cli(['run', plan, '--simulate', READY, '--yes', '--json', '--state-dir', stateDir]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('account 111122223333');
    expect(r.stderr).toContain('999999999999');
    expect(r.stdout).toBe('');
    expect(existsSync(join(stateDir, 'runs')) ? readdirSync(join(stateDir, 'runs')) : []).toEqual([]);

    const check = await cli(['check', plan, '--simulate', READY, '--json']);
    expect(check.code).toBe(2);
    const ops = ndjson(check.stdout).filter((e) => e.type === 'aws.request');
    expect(ops.map((e) => e.operation)).toEqual(['GetCallerIdentity']);
  });

  it('the allowed account passes; a named role is assumed and shows as the principal', async () => {
    const plan = planWith(
      '  allowedAccounts: ["111122223333"]\n  role: { arn: "arn:aws:iam::111122223333:role/failback", externalId: "x-123" }',
    );
    const r = await cli(['check', plan, '--simulate', READY]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('as arn:aws:sts::111122223333:assumed-role/failback/drs-failback');
  });

  it('an origin whose account differs from the plan: exit 2 naming the region', async () => {
    const plan = planWith('  origins:\n    us-west-2: { account: "444455556666" }');
    const r = await cli(['check', plan, '--simulate', READY]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('us-west-2 is account 111122223333');
  });

  it('an MFA-protected profile in a script: exit 2, one sentence, nothing sent', async () => {
    const env = bareAwsEnv({ AWS_ENDPOINT_URL: 'http://127.0.0.1:9' });
    writeFileSync(
      env.AWS_CONFIG_FILE ?? '',
      '[profile base]\nregion = us-east-1\n[profile mfa]\nrole_arn = arn:aws:iam::111122223333:role/failback\nsource_profile = base\nmfa_serial = arn:aws:iam::111122223333:mfa/alice\n',
    );
    writeFileSync(
      env.AWS_SHARED_CREDENTIALS_FILE ?? '',
      '[base]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = example\n',
    );
    const r = await cliWithEnv(['check', PLAN, '--profile', 'mfa'], env);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('needs an MFA code (arn:aws:iam::111122223333:mfa/alice)');
    expect(r.stderr).toContain('on a terminal');
  });

  it('no credentials at all: exit 2 with the next step', async () => {
    const r = await cliWithEnv(['check', PLAN], bareAwsEnv({}));
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--profile/);
  });

  it('an unreachable endpoint: exit 3, one sentence naming it, no rows of failed checks', async () => {
    const env = bareAwsEnv({
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'example',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    });
    const r = await cliWithEnv(['check', PLAN], env);
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('cannot reach the AWS endpoint http://127.0.0.1:9');
    expect(r.stdout).not.toContain('FAIL');
  });

  it('--region and a differing AWS_REGION are said in the header', async () => {
    const env = bareAwsEnv({
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'example',
      AWS_REGION: 'eu-west-1',
    });
    // The header needs the identity, which needs a reachable STS: the simulation says the same.
    const sim = await cli(['check', PLAN, '--simulate', READY], { AWS_REGION: 'eu-west-1' });
    expect(sim.stdout).toContain("region: us-east-1, the plan's DR region");
    const { regionReason } = await import('../../src/cli/aws-context.js');
    const plan = { region: 'us-east-1' } as Parameters<typeof regionReason>[0];
    expect(regionReason(plan, { env }).why).toContain('AWS_REGION=eu-west-1 is not used');
    expect(regionReason(plan, { env, region: 'us-west-2' })).toEqual({
      region: 'us-west-2',
      why: '--region (the plan says us-east-1); AWS_REGION=eu-west-1 is not used (pass --region to change it)',
    });
  });
});
