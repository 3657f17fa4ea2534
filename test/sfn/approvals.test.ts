// Approvals of the Step Functions engine against the AWS SDK mock: the token is stored, never
// notified; `approve` claims the approval once, answers with SendTaskSuccess and records the
// caller's principal (via: api).

import { PassThrough } from 'node:stream';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  DescribeExecutionCommand,
  SendTaskSuccessCommand,
  SFNClient,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { waveInputFor } from '../../machines/plan.machine.js';
import { answerSfnApproval } from '../../src/cli/commands/answer-sfn.js';
import { statusSfn } from '../../src/cli/commands/status-sfn.js';
import { exitForError } from '../../src/cli/exit-codes.js';
import { parseArgs } from '../../src/cli/program.js';
import { loadPlan } from '../../src/plan/load.js';
import { planRunInput } from '../../src/run/machine.js';
import {
  answerApproval,
  createApprovalHandler,
  NoPendingApprovalError,
  NotAnApproverError,
  pendingApprovals,
  readRun,
  recordRun,
} from '../../src/sfn/approvals.js';
import { type Command, type StepRequest, step } from '../../src/sfn/step.js';

const ddb = mockClient(DynamoDBClient);
const sfn = mockClient(SFNClient);
const sns = mockClient(SNSClient);
const sts = mockClient(STSClient);
const NOW = Date.parse('2026-03-01T02:00:00Z');
const clock = { now: () => NOW, setTimeout, clearTimeout };
const TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAbearer-secret-token';
const RUN = 'run-20260301T020000Z-abcdef';
const deps = () => ({
  ddb: new DynamoDBClient({}),
  sfn: new SFNClient({}),
  sns: new SNSClient({}),
  table: 'runs',
  clock,
  topicArn: 'arn:aws:sns:us-east-1:111122223333:failback',
});
const request = { runId: RUN, wave: 'databases', waveIndex: 0, state: 'awaitingApproval' };
const storedApproval = {
  pk: { S: `run#${RUN}` },
  sk: { S: 'approval#0000#awaitingApproval' },
  wave: { S: 'databases' },
  state: { S: 'awaitingApproval' },
  token: { S: TOKEN },
  status: { S: 'pending' },
  requestedAt: { S: '2026-03-01T02:00:00.000Z' },
};

beforeEach(() => {
  ddb.reset();
  sfn.reset();
  sns.reset();
  sts.reset();
});

describe('the approval Lambda', () => {
  it('stores the token and publishes how to answer, without the token', async () => {
    ddb.on(PutItemCommand).resolves({});
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    await createApprovalHandler(deps())({
      token: TOKEN,
      execution: 'arn:aws:states:us-east-1:111122223333:execution:wave:x',
      request,
      command: { kind: 'approval', state: 'awaitingApproval', request } as unknown as Command,
    });
    const put = ddb.commandCalls(PutItemCommand)[0]?.args[0].input;
    expect(put?.Item?.token).toEqual({ S: TOKEN });
    expect(put?.Item?.status).toEqual({ S: 'pending' });
    const published = sns.commandCalls(PublishCommand);
    expect(published).toHaveLength(1);
    const text = JSON.stringify(published[0]?.args[0].input);
    expect(text).toContain(`drs-failback approve ${RUN} --wave databases`);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('bearer-secret');
  });
});

describe('approve and refuse', () => {
  it('approve: claims the pending approval, then SendTaskSuccess with APPROVE by the principal', async () => {
    ddb.on(QueryCommand).resolves({ Items: [storedApproval] });
    ddb.on(UpdateItemCommand).resolves({});
    sfn.on(SendTaskSuccessCommand).resolves({});
    const answer = await answerApproval(deps(), {
      runId: RUN,
      decision: 'approve',
      principal: 'arn:aws:sts::111122223333:assumed-role/oncall/alice',
    });
    expect(answer).toMatchObject({
      wave: 'databases',
      approver: 'arn:aws:sts::111122223333:assumed-role/oncall/alice',
      via: 'api',
    });
    const update = ddb.commandCalls(UpdateItemCommand)[0]?.args[0].input;
    expect(update?.ConditionExpression).toBe('#status = :pending');
    expect(update?.ExpressionAttributeValues?.[':via']).toEqual({ S: 'api' });
    const sent = sfn.commandCalls(SendTaskSuccessCommand)[0]?.args[0].input;
    expect(sent?.taskToken).toBe(TOKEN);
    expect(JSON.parse(sent?.output ?? '{}')).toEqual({
      type: 'APPROVE',
      by: 'arn:aws:sts::111122223333:assumed-role/oncall/alice',
      at: NOW,
    });
    // The claim comes before the answer: two approvers cannot both answer.
    const claim = ddb.commandCalls(UpdateItemCommand)[0];
    const answerCall = sfn.commandCalls(SendTaskSuccessCommand)[0];
    expect(claim && answerCall && claim.calledBefore(answerCall)).toBe(true);
  });

  it('refuse sends REFUSE', async () => {
    ddb.on(QueryCommand).resolves({ Items: [storedApproval] });
    ddb.on(UpdateItemCommand).resolves({});
    sfn.on(SendTaskSuccessCommand).resolves({});
    await answerApproval(deps(), { runId: RUN, wave: 'databases', decision: 'refuse', principal: 'p' });
    const sent = sfn.commandCalls(SendTaskSuccessCommand)[0]?.args[0].input;
    expect(JSON.parse(sent?.output ?? '{}')).toEqual({ type: 'REFUSE', by: 'p' });
  });

  it('a second answer loses the conditional write and sends nothing', async () => {
    ddb.on(QueryCommand).resolves({ Items: [storedApproval] });
    ddb
      .on(UpdateItemCommand)
      .rejects(new ConditionalCheckFailedException({ message: 'conditional', $metadata: {} }));
    await expect(
      answerApproval(deps(), { runId: RUN, decision: 'approve', principal: 'p' }),
    ).rejects.toBeInstanceOf(NoPendingApprovalError);
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
  });

  it('nothing pending (or another wave): an error, nothing sent', async () => {
    ddb.on(QueryCommand).resolves({ Items: [storedApproval] });
    await expect(
      answerApproval(deps(), { runId: RUN, wave: 'web', decision: 'approve', principal: 'p' }),
    ).rejects.toThrow(/waits for no approval of wave web/);
    expect(ddb.commandCalls(UpdateItemCommand)).toHaveLength(0);
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
  });

  it('an approval that timed out in Step Functions is reported as expired', async () => {
    ddb.on(QueryCommand).resolves({ Items: [storedApproval] });
    ddb.on(UpdateItemCommand).resolves({});
    sfn.on(SendTaskSuccessCommand).rejects(new TaskTimedOut({ message: 'timed out', $metadata: {} }));
    await expect(answerApproval(deps(), { runId: RUN, decision: 'approve', principal: 'p' })).rejects.toThrow(
      /expired/,
    );
  });

  it('lists pending approvals without their tokens', async () => {
    ddb.on(QueryCommand).resolves({ Items: [storedApproval] });
    const list = await pendingApprovals(deps(), RUN);
    expect(list).toEqual([
      { runId: RUN, wave: 'databases', state: 'awaitingApproval', requestedAt: '2026-03-01T02:00:00.000Z' },
    ]);
    expect(JSON.stringify(list)).not.toContain(TOKEN);
  });
});

describe('run records', () => {
  it('record which engine runs the run, written once', async () => {
    ddb.on(PutItemCommand).resolves({});
    const run = {
      runId: RUN,
      engine: 'sfn' as const,
      executionArn: 'arn:aws:states:us-east-1:111122223333:execution:plan:x',
      plan: 'three-wave',
      startedAt: '2026-03-01T02:00:00.000Z',
    };
    await recordRun(deps(), run);
    expect(ddb.commandCalls(PutItemCommand)[0]?.args[0].input.ConditionExpression).toBe(
      'attribute_not_exists(pk)',
    );
    ddb.on(GetItemCommand).resolves({
      Item: {
        engine: { S: 'sfn' },
        executionArn: { S: run.executionArn },
        plan: { S: run.plan },
        startedAt: { S: run.startedAt },
      },
    });
    expect(await readRun(deps(), RUN)).toEqual(run);
  });
});

describe('drs-failback approve', () => {
  it('answers as the caller from STS, on the table given', async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Arn: 'arn:aws:iam::111122223333:user/alice' });
    ddb.on(QueryCommand).resolves({ Items: [storedApproval] });
    ddb.on(UpdateItemCommand).resolves({});
    sfn.on(SendTaskSuccessCommand).resolves({});
    const stdout = new PassThrough();
    let printed = '';
    stdout.on('data', (chunk: Buffer) => {
      printed += chunk.toString();
    });
    const io = { stdin: new PassThrough(), stdout, stderr: new PassThrough(), env: {} };
    const answer = await answerSfnApproval(
      'approve',
      { runId: RUN, table: 'my-runs', region: 'us-east-1', json: false },
      io,
    );
    expect(answer.approver).toBe('arn:aws:iam::111122223333:user/alice');
    expect(ddb.commandCalls(QueryCommand)[0]?.args[0].input.TableName).toBe('my-runs');
    expect(printed).toContain('Approved wave databases');
    expect(printed).not.toContain(TOKEN);
  });

  it('parses approve and refuse with their options', async () => {
    const parsed = await parseArgs(['refuse', RUN, '--wave', 'web', '--table', 't', '--region', 'us-east-1']);
    expect(parsed).toMatchObject({ command: 'refuse', options: { runId: RUN, wave: 'web', table: 't' } });
  });
});

describe('drs-failback status --engine sfn', () => {
  const runItem = {
    engine: { S: 'sfn' },
    executionArn: { S: 'arn:aws:states:us-east-1:111122223333:execution:drs-failback-plan:r' },
    plan: { S: 'three-wave' },
    startedAt: { S: '2026-03-01T02:00:00.000Z' },
  };
  const io = () => {
    const stdout = new PassThrough();
    const out = { text: '' };
    stdout.on('data', (chunk: Buffer) => {
      out.text += chunk.toString();
    });
    return { io: { stdin: new PassThrough(), stdout, stderr: new PassThrough(), env: {} }, out };
  };

  it('a running execution: the approvals it waits for and how to answer, never the token', async () => {
    ddb.on(GetItemCommand).resolves({ Item: runItem });
    ddb.on(QueryCommand).resolves({ Items: [storedApproval] });
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
    const { io: cliIO, out } = io();
    const status = await statusSfn(
      { runId: RUN, engine: 'sfn', table: 'runs', json: false, stateDir: '.' },
      cliIO,
    );
    expect(status.executionStatus).toBe('RUNNING');
    expect(status.pendingApprovals).toHaveLength(1);
    expect(out.text).toContain(`drs-failback approve ${RUN} --wave databases`);
    expect(out.text).not.toContain(TOKEN);
  });

  it('a finished execution: its outcome', async () => {
    ddb.on(GetItemCommand).resolves({ Item: runItem });
    sfn
      .on(DescribeExecutionCommand)
      .resolves({ status: 'SUCCEEDED', output: JSON.stringify({ outcome: 'completed', waves: [] }) });
    const status = await statusSfn({ runId: RUN, engine: 'sfn', json: true, stateDir: '.' }, io().io);
    expect(status.outcome).toBe('completed');
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(0);
  });

  it('an unknown run is reported as such (exit 2)', async () => {
    ddb.on(GetItemCommand).resolves({});
    await expect(
      statusSfn({ runId: RUN, engine: 'sfn', json: true, stateDir: '.' }, io().io),
    ).rejects.toThrow(/no run/);
  });
});

describe("the plan's approvers on the Step Functions path", () => {
  const approvers = ['alice', 'arn:aws:iam::111122223333:role/oncall'];
  const guarded = { ...storedApproval, approvers: { L: approvers.map((S) => ({ S })) } };

  it('travel from the plan to the approval Task: plan input, wave input, approval request', async () => {
    const plan = await loadPlan('examples/three-wave/plan.yaml');
    const input = planRunInput({ ...plan, approvers, approval: 'per-wave' }, RUN, NOW, 1);
    expect(input.approvers).toEqual(approvers);
    // The wave execution begins with the wave's input, as the plan hands it over.
    const waveInput = waveInputFor({
      ...input,
      rtoDeadlineAt: NOW + input.rtoMs,
      now: NOW,
      waveIndex: 0,
      results: [],
      outcome: null,
    });
    const begun = step({ machine: 'wave', execution: { begin: { input: waveInput } } });
    expect(begun.command.kind).toBe('invoke');
    const servers = (waveInput.wave.servers ?? []).map((s, i) => ({
      sourceServerID: s.sourceServerID,
      recoveryInstanceID: `i-${String(i).padStart(17, '0')}`,
    }));
    const asked = step({
      machine: 'wave',
      snapshot: begun.snapshot,
      command: begun.command,
      history: begun.history,
      outcome: { kind: 'done', output: { now: NOW, ok: true, checks: [], servers } },
    } as StepRequest);
    expect(asked.command.kind).toBe('approval');
    if (asked.command.kind !== 'approval') return;
    expect(asked.command.request.approvers).toEqual(approvers);
    // The approval Lambda keeps them with the pending approval.
    ddb.on(PutItemCommand).resolves({});
    await createApprovalHandler(deps())({
      token: TOKEN,
      execution: 'arn:aws:states:us-east-1:111122223333:execution:wave:x',
      request: asked.command.request,
      command: asked.command,
    });
    expect(ddb.commandCalls(PutItemCommand)[0]?.args[0].input.Item?.approvers).toEqual({
      L: approvers.map((S) => ({ S })),
    });
  });

  it('a caller who is not an approver is refused: no claim, no SendTaskSuccess, exit 2', async () => {
    ddb.on(QueryCommand).resolves({ Items: [guarded] });
    ddb.on(UpdateItemCommand).resolves({});
    sfn.on(SendTaskSuccessCommand).resolves({});
    const refused = answerApproval(deps(), {
      runId: RUN,
      decision: 'approve',
      principal: 'arn:aws:sts::111122223333:assumed-role/developer/mallory',
    });
    await expect(refused).rejects.toBeInstanceOf(NotAnApproverError);
    await expect(refused).rejects.toThrow(/is not one of the plan's approvers .*nothing was sent/);
    expect(ddb.commandCalls(UpdateItemCommand)).toHaveLength(0);
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
    const exit = exitForError(await refused.catch((e: unknown) => e));
    expect(exit.code).toBe(2);
  });

  it('refusing is an answer too: a refusal by someone not named is refused the same way', async () => {
    ddb.on(QueryCommand).resolves({ Items: [guarded] });
    await expect(
      answerApproval(deps(), {
        runId: RUN,
        decision: 'refuse',
        principal: 'arn:aws:iam::111122223333:user/bob',
      }),
    ).rejects.toBeInstanceOf(NotAnApproverError);
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
  });

  it('a session of a named role answers, as in a local run', async () => {
    ddb.on(QueryCommand).resolves({ Items: [guarded] });
    ddb.on(UpdateItemCommand).resolves({});
    sfn.on(SendTaskSuccessCommand).resolves({});
    const answer = await answerApproval(deps(), {
      runId: RUN,
      decision: 'approve',
      principal: 'arn:aws:sts::111122223333:assumed-role/oncall/alice',
    });
    expect(answer.approver).toBe('arn:aws:sts::111122223333:assumed-role/oncall/alice');
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(1);
  });

  it('drs-failback approve as a principal not named: refused, nothing sent', async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Arn: 'arn:aws:iam::111122223333:user/mallory' });
    ddb.on(QueryCommand).resolves({ Items: [guarded] });
    ddb.on(UpdateItemCommand).resolves({});
    sfn.on(SendTaskSuccessCommand).resolves({});
    const io = { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough(), env: {} };
    await expect(
      answerSfnApproval('approve', { runId: RUN, table: 'runs', region: 'us-east-1', json: false }, io),
    ).rejects.toThrow(/arn:aws:iam::111122223333:user\/mallory is not one of the plan's approvers/);
    expect(ddb.commandCalls(UpdateItemCommand)).toHaveLength(0);
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
  });
});
