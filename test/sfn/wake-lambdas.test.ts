// The wait and waker Lambdas (src/sfn/wake-lambdas.ts) over the wait registry in the run table
// (in memory) and the Step Functions SDK mock: the waker answers a waiting Task with the machine's
// WAKE; duplicates, unrelated events and non-end states send nothing; a token already used or
// timed out is ignored and logged; the wait Lambda never fails a wave. No task token is logged.
import { Writable } from 'node:stream';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  InvalidToken,
  SendTaskSuccessCommand,
  type SendTaskSuccessCommandInput,
  SFNClient,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { DrsEvent } from '../../src/aws/drs-events.js';
import { createLogger } from '../../src/log.js';
import { createDynamoWaitRegistry } from '../../src/sfn/wait-registry.js';
import { createWaitHandler, createWakerHandler, type WaitTaskEvent } from '../../src/sfn/wake-lambdas.js';
import { createFakeRunTable } from '../support/fake-run-table.js';

const NOW = Date.parse('2026-03-01T02:20:02Z');
const WAVE = { runId: 'run-20260301T020000Z-abcdef', wave: 'db' };
const TOKEN = 'AQCEAAAAKgAAAAMAAAAA-secret-task-token';

const event = (id: string, ri: string, state = 'FAILBACK_COMPLETED'): DrsEvent => ({
  version: '0',
  id,
  'detail-type': 'DRS Recovery Instance Failback State Change',
  source: 'aws.drs',
  account: '111122223333',
  time: '2026-03-01T02:20:00Z',
  region: 'us-east-1',
  resources: [`arn:aws:drs:us-east-1:111122223333:recovery-instance/${ri}`],
  detail: { state },
});

function setup() {
  const table = createFakeRunTable();
  const registry = createDynamoWaitRegistry({
    dynamo: table as unknown as Pick<DynamoDBClient, 'send'>,
    table: 'runs',
    expiresAt: () => 1_800_000_000,
  });
  const lines: string[] = [];
  const log = createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  });
  const sfn = mockClient(SFNClient);
  const sent: SendTaskSuccessCommandInput[] = [];
  sfn.on(SendTaskSuccessCommand).callsFake((input: SendTaskSuccessCommandInput) => {
    sent.push(input);
    return {};
  });
  const client = new SFNClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  const waker = createWakerHandler({ registry, sfn: client, clock: { now: () => NOW }, log });
  const wait = createWaitHandler({ registry, log });
  const waitTask = (token: string): WaitTaskEvent => ({
    token,
    execution: 'arn:aws:states:us-east-1:111122223333:execution:drs-failback-wave:x',
    target: WAVE,
    command: {
      kind: 'wait',
      state: 'monitoringJob.waiting',
      delayMs: 300_000,
      seconds: 300,
      event: { type: 'xstate.after.jobPoll' },
    },
  });
  return { registry, sfn, sent, waker, wait, waitTask, lines };
}

let t: ReturnType<typeof setup>;
beforeEach(() => {
  t = setup();
});

describe('the waker Lambda', () => {
  it("answers the waiting Task with the machine's WAKE once every server of the launch reported", async () => {
    await t.registry.register(WAVE, ['recovery-instance/i-1', 'recovery-instance/i-2']);
    expect(await t.wait(t.waitTask(TOKEN))).toEqual({ armed: true });
    expect(await t.waker(event('e1', 'i-1'))).toEqual({ woken: [] });
    expect(t.sent).toEqual([]);
    expect(await t.waker(event('e2', 'i-2'))).toEqual({ woken: [{ ...WAVE, answered: true }] });
    expect(t.sent).toEqual([
      { taskToken: TOKEN, output: JSON.stringify({ type: 'WAKE', now: NOW, wave: 'db' }) },
    ]);
  });

  it('a duplicate, an unrelated resource, another detail type or a non-end state sends nothing', async () => {
    await t.registry.register(WAVE, ['recovery-instance/i-1']);
    await t.wait(t.waitTask(TOKEN));
    await t.waker(event('e0', 'i-1', 'FAILBACK_IN_PROGRESS'));
    await t.waker(event('e1', 'i-9'));
    await t.waker({
      ...event('e2', 'i-1'),
      'detail-type': 'DRS Source Server Data Replication Stalled Change',
      detail: { state: 'STALLED' },
    });
    expect(t.sent).toEqual([]);
    await t.waker(event('e3', 'i-1'));
    await t.waker(event('e3', 'i-1')); // EventBridge delivered it twice
    await t.waker(event('e4', 'i-1')); // a later event for an instance already reported
    expect(t.sent).toHaveLength(1);
  });

  it.each([
    ['TaskTimedOut', new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} })],
    ['InvalidToken', new InvalidToken({ message: 'Invalid token', $metadata: {} })],
  ])('a token already used or timed out (%s) is ignored and logged', async (name, error) => {
    t.sfn.on(SendTaskSuccessCommand).rejects(error);
    await t.registry.register(WAVE, ['recovery-instance/i-1']);
    await t.wait(t.waitTask(TOKEN));
    expect(await t.waker(event('e1', 'i-1'))).toEqual({ woken: [{ ...WAVE, answered: false }] });
    expect(t.lines.some((l) => l.includes('the waiting Task is gone') && l.includes(name))).toBe(true);
  });

  it('another Step Functions error is logged, not thrown: the wave polls', async () => {
    t.sfn
      .on(SendTaskSuccessCommand)
      .rejects(Object.assign(new Error('rate exceeded'), { name: 'ThrottlingException' }));
    await t.registry.register(WAVE, ['recovery-instance/i-1']);
    await t.wait(t.waitTask(TOKEN));
    expect(await t.waker(event('e1', 'i-1'))).toEqual({ woken: [{ ...WAVE, answered: false }] });
    expect(t.lines.some((l) => l.includes('could not be woken'))).toBe(true);
  });

  it('a launch whose wait stored no token yet: nothing to send, the poll reads it', async () => {
    await t.registry.register(WAVE, ['recovery-instance/i-1']);
    expect(await t.waker(event('e1', 'i-1'))).toEqual({ woken: [{ ...WAVE, answered: false }] });
    expect(t.sent).toEqual([]);
  });

  it('never logs a task token', async () => {
    t.sfn.on(SendTaskSuccessCommand).rejects(new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} }));
    await t.registry.register(WAVE, ['recovery-instance/i-1']);
    await t.wait(t.waitTask(TOKEN));
    await t.waker(event('e1', 'i-1'));
    expect(t.lines.length).toBeGreaterThan(0);
    expect(t.lines.join('')).not.toContain(TOKEN);
  });
});

describe('the wait Lambda', () => {
  it('stores the token while the launch is pending; with nothing pending the Task just times out', async () => {
    expect(await t.wait(t.waitTask('early'))).toEqual({ armed: false });
    await t.registry.register(WAVE, ['recovery-instance/i-1']);
    expect(await t.wait(t.waitTask(TOKEN))).toEqual({ armed: true });
  });

  it('never fails: a registry it cannot write is logged, and the wait polls at its delay', async () => {
    const wait = createWaitHandler({
      registry: { arm: async () => Promise.reject(new Error('DynamoDB unavailable')) },
      log: createLogger({ level: 'silent' }),
    });
    expect(await wait(t.waitTask(TOKEN))).toEqual({ armed: false });
  });
});
