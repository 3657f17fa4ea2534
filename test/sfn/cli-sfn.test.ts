// `run`, `abort`, `backout` and `report` with `--engine sfn`, against the AWS SDK mock: the
// run table answered by the in-memory table, Step Functions and STS by the mock.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { loadPlan } from '../../src/plan/load.js';
import { buildReport, renderReportJson } from '../../src/report/index.js';
import { abortOf, readRun, recordRun } from '../../src/sfn/runs.js';
import { createSimulatedAws } from '../../src/sim/index.js';
import { answerFrom, createFakeRunTable, type FakeRunTable } from '../support/fake-run-table.js';
import { normalizeMintedIds, RUN_ID, runInProcess, runOnLocalStepFunctions } from './local-engine.js';

const ddb = mockClient(DynamoDBClient);
const sfn = mockClient(SFNClient);
const sts = mockClient(STSClient);
const ARN = 'arn:aws:states:us-east-1:111122223333:stateMachine:drs-failback-plan';
const PRINCIPAL = 'arn:aws:sts::111122223333:assumed-role/oncall/alice';
let table: FakeRunTable;

beforeEach(() => {
  ddb.reset();
  sfn.reset();
  sts.reset();
  table = createFakeRunTable(7);
  answerFrom(ddb, table);
  sts.on(GetCallerIdentityCommand).resolves({ Arn: PRINCIPAL });
});

async function cli(argv: string[], env: Record<string, string> = {}) {
  const out = { stdout: '', stderr: '' };
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on('data', (c: Buffer) => {
    out.stdout += c.toString();
  });
  stderr.on('data', (c: Buffer) => {
    out.stderr += c.toString();
  });
  const code = await main(argv, { stdin: new PassThrough(), stdout, stderr, env });
  return { code, ...out };
}

const deps = () => ({
  ddb: new DynamoDBClient({}),
  table: 'drs-failback-runs',
  clock: { now: Date.now, setTimeout, clearTimeout },
});

describe('drs-failback run --engine sfn', () => {
  it('a bad plan: exit 2, nothing sent to Step Functions or DynamoDB', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sfn-plan-'));
    const bad = join(dir, 'plan.yaml');
    writeFileSync(bad, 'version: 1\nname: bad\nregion: us-east-1\nwaves: []\nunknownKey: true\n');
    const { code, stderr } = await cli(['run', bad, '--engine', 'sfn', '--state-machine-arn', ARN]);
    expect(code).toBe(2);
    expect(stderr).not.toBe('');
    expect(sfn.calls()).toHaveLength(0);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('starts the plan execution named by the run id, after recording the run with its plan', async () => {
    sfn.on(StartExecutionCommand).callsFake(async (input: { name: string }) => {
      // The record is there before the execution starts.
      expect(await readRun(deps(), input.name)).not.toBeNull();
      return { executionArn: `${ARN.replace(':stateMachine:', ':execution:')}:${input.name}` };
    });
    const { code, stdout } = await cli(
      ['run', 'examples/three-wave/plan.yaml', '--engine', 'sfn', '--run-id', RUN_ID, '--json'],
      { DRS_FAILBACK_STATE_MACHINE_ARN: ARN },
    );
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ runId: RUN_ID, started: true });
    const start = sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    expect(start?.name).toBe(RUN_ID);
    expect(start?.stateMachineArn).toBe(ARN);
    const input = JSON.parse(start?.input ?? '{}') as {
      begin: { input: { runId: string; planName: string } };
    };
    expect(input.begin.input).toMatchObject({ runId: RUN_ID, planName: 'payments' });
    const run = await readRun(deps(), RUN_ID);
    expect(run).toMatchObject({
      engine: 'sfn',
      executionArn: `arn:aws:states:us-east-1:111122223333:execution:drs-failback-plan:${RUN_ID}`,
    });
    expect(run?.planDocument?.waves.map((w) => w.name)).toEqual(
      (await loadPlan('examples/three-wave/plan.yaml')).waves.map((w) => w.name),
    );
  });

  it('a second start of the same run id starts nothing (ExecutionAlreadyExists)', async () => {
    let executions = 0;
    sfn.on(StartExecutionCommand).callsFake(async () => {
      executions += 1;
      if (executions > 1)
        throw new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} });
      return { executionArn: 'arn' };
    });
    const argv = [
      'run',
      'examples/three-wave/plan.yaml',
      '--engine',
      'sfn',
      '--state-machine-arn',
      ARN,
      '--run-id',
      RUN_ID,
    ];
    expect((await cli(argv)).code).toBe(0);
    const again = await cli(argv);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing new was started');
    expect(table.items().filter((i) => i.sk?.S === 'run')).toHaveLength(1);
  });

  it('a state machine in an account aws.allowedAccounts does not list: exit 2, nothing recorded or started', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sfn-plan-'));
    const pinned = join(dir, 'plan.yaml');
    const text = readFileSync('examples/three-wave/plan.yaml', 'utf8').replace(
      'region: us-east-1\n',
      'region: us-east-1\naws:\n  allowedAccounts: ["999999999999"]\n',
    );
    expect(text).toContain('allowedAccounts');
    writeFileSync(pinned, text);
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn' });
    const refused = await cli(['run', pinned, '--engine', 'sfn', '--state-machine-arn', ARN]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('111122223333');
    expect(refused.stderr).toContain('999999999999');
    expect(sfn.calls()).toHaveLength(0);
    expect(ddb.calls()).toHaveLength(0);
    // The same plan allowing the deployment's account starts.
    writeFileSync(pinned, text.replace('999999999999', '111122223333'));
    expect((await cli(['run', pinned, '--engine', 'sfn', '--state-machine-arn', ARN])).code).toBe(0);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
  });

  it('without a state machine: exit 2, nothing sent', async () => {
    const { code, stderr } = await cli(['run', 'examples/three-wave/plan.yaml', '--engine', 'sfn']);
    expect(code).toBe(2);
    expect(stderr).toContain('--state-machine-arn');
    expect(sfn.calls()).toHaveLength(0);
  });
});

describe('drs-failback abort --engine sfn', () => {
  async function recorded() {
    await recordRun(deps(), {
      runId: RUN_ID,
      engine: 'sfn',
      executionArn: 'arn:exec',
      plan: 'three-wave',
      startedAt: '2026-03-01T02:00:00.000Z',
    });
  }

  it('a wave waiting for its approval: the abort is recorded and the Task answered with ABORT at once', async () => {
    await recorded();
    await table.send(
      new PutItemCommand({
        TableName: 'drs-failback-runs',
        Item: {
          pk: { S: `run#${RUN_ID}` },
          sk: { S: 'approval#0000#awaitingApproval' },
          wave: { S: 'databases' },
          state: { S: 'awaitingApproval' },
          token: { S: 'secret-token' },
          status: { S: 'pending' },
        },
      }),
    );
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
    sfn.on(SendTaskSuccessCommand).resolves({});
    const { code, stdout } = await cli(['abort', RUN_ID, '--reason', 'primary not ready']);
    expect(code).toBe(0);
    const sent = sfn.commandCalls(SendTaskSuccessCommand)[0]?.args[0].input;
    expect(sent?.taskToken).toBe('secret-token');
    expect(JSON.parse(sent?.output ?? '{}')).toEqual({
      type: 'ABORT',
      by: PRINCIPAL,
      reason: 'primary not ready',
    });
    expect(await abortOf(deps(), RUN_ID)).toMatchObject({ by: PRINCIPAL, reason: 'primary not ready' });
    expect(stdout).toContain('recorded');
    expect(stdout).not.toContain('secret-token');
  });

  it('a finished run: exit 2, nothing recorded', async () => {
    await recorded();
    sfn
      .on(DescribeExecutionCommand)
      .resolves({ status: 'SUCCEEDED', output: JSON.stringify({ outcome: 'completed', waves: [] }) });
    const { code, stderr } = await cli(['backout', RUN_ID, '--engine', 'sfn']);
    expect(code).toBe(2);
    expect(stderr).toContain('not running');
    expect(await abortOf(deps(), RUN_ID)).toBeUndefined();
  });

  it('an unknown run: exit 2', async () => {
    expect((await cli(['abort', RUN_ID])).code).toBe(2);
  });

  async function recordedWithApprovers(approvers: string[]) {
    const plan = await loadPlan('examples/three-wave/plan.yaml');
    await recordRun(deps(), {
      runId: RUN_ID,
      engine: 'sfn',
      executionArn: 'arn:exec',
      plan: plan.name,
      startedAt: '2026-03-01T02:00:00.000Z',
      planDocument: { ...plan, approvers },
    });
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
    sfn.on(SendTaskSuccessCommand).resolves({});
  }

  it("the plan's approvers: anyone else is refused (exit 2), nothing recorded or sent", async () => {
    await recordedWithApprovers(['arn:aws:iam::111122223333:role/release-managers']);
    const before = table.items().length;
    const { code, stderr } = await cli(['abort', RUN_ID, '--reason', 'not mine to stop']);
    expect(code).toBe(2);
    expect(stderr).toContain('not one of the plan');
    expect(stderr).toContain(PRINCIPAL);
    expect(await abortOf(deps(), RUN_ID)).toBeUndefined();
    expect(table.items()).toHaveLength(before);
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(0);
  });

  it("one of the plan's approvers (a session of a named role) aborts", async () => {
    await recordedWithApprovers(['bob', 'arn:aws:iam::111122223333:role/oncall']);
    const { code } = await cli(['abort', RUN_ID]);
    expect(code).toBe(0);
    expect(await abortOf(deps(), RUN_ID)).toMatchObject({ by: PRINCIPAL });
  });

  it('a run started by hand: the approvers its pending approval carries decide', async () => {
    await recorded();
    await table.send(
      new PutItemCommand({
        TableName: 'drs-failback-runs',
        Item: {
          pk: { S: `run#${RUN_ID}` },
          sk: { S: 'approval#0000#awaitingApproval' },
          wave: { S: 'databases' },
          state: { S: 'awaitingApproval' },
          token: { S: 'secret-token' },
          status: { S: 'pending' },
          approvers: { L: [{ S: 'bob' }] },
        },
      }),
    );
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
    const { code } = await cli(['abort', RUN_ID]);
    expect(code).toBe(2);
    expect(await abortOf(deps(), RUN_ID)).toBeUndefined();
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
  });
});

describe('drs-failback report --engine sfn', () => {
  it('the report of a finished run equals the CLI report of the same run', async () => {
    const plan = await loadPlan('examples/mixed-wave/plan.yaml');
    const scenario = 'examples/mixed-wave/scenario.yaml';
    // Recorded with its plan before it starts, as `run --engine sfn` does.
    await recordRun(deps(), {
      runId: RUN_ID,
      engine: 'sfn',
      executionArn: 'arn:exec',
      plan: plan.name,
      startedAt: '2026-03-01T02:00:00.000Z',
      planDocument: plan,
    });
    const local = await runOnLocalStepFunctions(plan, createSimulatedAws(scenario), { table });
    const inProcess = await runInProcess(plan, createSimulatedAws(scenario), []);
    sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED', output: JSON.stringify(local.outcome) });
    const { code, stdout } = await cli(['report', RUN_ID, '--engine', 'sfn', '--format', 'json']);
    expect(code).toBe(0);
    const fromSfn = JSON.parse(stdout) as Record<string, unknown>;
    const fromCli = JSON.parse(
      renderReportJson(
        buildReport({
          runId: RUN_ID,
          events: inProcess.events,
          plan,
          results: (inProcess.outcome as { waves: never[] }).waves,
        }),
      ),
    ) as Record<string, unknown>;
    expect(fromSfn.waves).toBeDefined();
    expect(fromSfn.rto).toMatchObject({ met: true });
    // The dry run says it is one; the engine cannot know.
    expect(fromCli.simulated).toBe(true);
    // The CLI publishes in the background: its Publish calls fall elsewhere among the activities'
    // calls (compared on their own, in order); everything else reads the same.
    type Call = { service: string };
    const apart = (report: Record<string, unknown>) => {
      const calls = report.awsCalls as Call[];
      return {
        report: { ...report, awsCalls: calls.filter((c) => c.service !== 'sns') },
        sns: calls.filter((c) => c.service === 'sns'),
      };
    };
    const sfnSide = apart(normalizeMintedIds({ ...fromSfn, simulated: true }));
    const cliSide = apart(normalizeMintedIds(fromCli));
    expect(sfnSide.report).toEqual(cliSide.report);
    expect(sfnSide.sns).toEqual(cliSide.sns);
    expect((fromSfn.notifications as unknown[]).length).toBeGreaterThan(0);
    // status reads the same log: each wave's last lifecycle state, and the outcome.
    const status = await cli(['status', RUN_ID, '--engine', 'sfn', '--json']);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      executionStatus: 'SUCCEEDED',
      outcome: 'completed',
      waves: plan.waves.map((w) => ({ name: w.name, state: 'completed', final: true })),
    });
  });

  it('status follows a plan that continued as new to its current execution', async () => {
    await recordRun(deps(), {
      runId: RUN_ID,
      engine: 'sfn',
      executionArn: 'arn:first',
      plan: 'p',
      startedAt: '2026-03-01T02:00:00.000Z',
    });
    sfn
      .on(DescribeExecutionCommand, { executionArn: 'arn:first' })
      .resolves({ status: 'SUCCEEDED', output: JSON.stringify({ continuedAs: 'arn:second' }) })
      .on(DescribeExecutionCommand, { executionArn: 'arn:second' })
      .resolves({ status: 'RUNNING' });
    const status = await cli(['status', RUN_ID, '--engine', 'sfn', '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({
      executionArn: 'arn:second',
      executionStatus: 'RUNNING',
    });
  });
});
