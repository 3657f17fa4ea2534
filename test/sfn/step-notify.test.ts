// The step Lambda notifies every transition as the CLI does (src/sfn/step-notify.ts): one Publish
// per `state` event to the plan's topic, numbered by the run's transition counter, recorded in the
// run's log; a retried step publishes nothing again; SNS failing never fails the step.
import { AuthorizationErrorException, type PublishCommand } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import type { SnsSender } from '../../src/aws/clients.js';
import type { RunEvent } from '../../src/events.js';
import { createLogger } from '../../src/log.js';
import { loadPlan } from '../../src/plan/load.js';
import type { Plan } from '../../src/plan/types.js';
import { planRunInput } from '../../src/run/machine.js';
import { createEngineStep } from '../../src/sfn/engine-step.js';
import { placedBefore, placeEvents, readEvents } from '../../src/sfn/event-log.js';
import type { RunTableDeps } from '../../src/sfn/run-table.js';
import { recordRun } from '../../src/sfn/runs.js';
import { createDynamoSnapshotStore, type WireRequest } from '../../src/sfn/spill.js';
import { notifyTargetsFromRuns, topicRegion } from '../../src/sfn/step-notify.js';
import { createFakeRunTable } from '../support/fake-run-table.js';

const RUN_ID = 'run-20260301T020000Z-abcdef';
const NOW = Date.parse('2026-03-01T02:00:00.000Z');
const clock = { now: () => NOW, setTimeout: () => 0, clearTimeout: () => undefined };

interface Published {
  TopicArn?: string;
  Subject?: string;
  Message?: string;
}

function recordingSns(fail?: Error): { sns: SnsSender; sent: Published[] } {
  const sent: Published[] = [];
  const sns = {
    send: async (command: PublishCommand) => {
      sent.push(command.input);
      if (fail) throw fail;
      return { MessageId: `m-${sent.length}` };
    },
  } as unknown as SnsSender;
  return { sns, sent };
}

async function setup(plan: Plan, sns: SnsSender) {
  const fake = createFakeRunTable();
  const table: RunTableDeps = { ddb: fake as unknown as RunTableDeps['ddb'], table: 'runs', clock };
  await recordRun(table, {
    runId: RUN_ID,
    engine: 'sfn',
    executionArn: 'arn:exec',
    plan: plan.name,
    startedAt: new Date(NOW).toISOString(),
    planDocument: plan,
  });
  const regions: string[] = [];
  const step = createEngineStep({
    store: createDynamoSnapshotStore(table),
    clock,
    append: (runId, events, writeKey) => placeEvents(table, runId, events, writeKey),
    placedBefore: (runId, writeKey) => placedBefore(table, runId, writeKey),
    notify: {
      targetOf: notifyTargetsFromRuns(table),
      snsFor: (region) => {
        regions.push(region);
        return sns;
      },
      clock,
      log: createLogger({ level: 'silent' }),
      maxAttempts: 1,
    },
  });
  const begin: WireRequest = {
    machine: 'plan',
    execution: { begin: { input: planRunInput(plan, RUN_ID, NOW) } },
    executionArn: 'arn:exec',
  };
  return { table, step, begin, regions };
}

const messageOf = (p: Published) =>
  JSON.parse(p.Message?.split('--- transition ---\n')[1] ?? '{}') as Record<string, unknown>;

describe('the step Lambda notifies each transition', () => {
  it("publishes each state event to the plan's topic, numbered, and logs it in the run's log", async () => {
    const plan = await loadPlan('examples/three-wave/plan.yaml');
    const { sns, sent } = recordingSns();
    const { table, step, begin, regions } = await setup(plan, sns);
    await step(begin);
    const events = await readEvents(table, RUN_ID);
    const states = events.filter((e) => e.type === 'state');
    expect(states.length).toBeGreaterThan(0);
    expect(sent).toHaveLength(states.length);
    expect(regions).toEqual([topicRegion(plan.notifications?.topicArn ?? '')]);
    sent.forEach((p, i) => {
      expect(p.TopicArn).toBe(plan.notifications?.topicArn);
      expect(messageOf(p)).toMatchObject({ runId: RUN_ID, plan: plan.name, to: states[i]?.to, seq: i + 1 });
      // Nothing but the transition: no token, no role, no external id.
      expect(p.Message).not.toMatch(/token|externalId/i);
    });
    const told = events.filter((e) => e.type === 'notification');
    expect(told).toEqual(
      sent.map((p, i) =>
        expect.objectContaining({ topicArn: p.TopicArn, subject: p.Subject, messageId: `m-${i + 1}` }),
      ),
    );
    expect(events.filter((e) => e.type === 'aws.request' && e.service === 'sns')).toHaveLength(sent.length);
  });

  it('a retried step (same execution, same place) publishes nothing again and rewrites the same log', async () => {
    const plan = await loadPlan('examples/three-wave/plan.yaml');
    const { sns, sent } = recordingSns();
    const { table, step, begin } = await setup(plan, sns);
    await step(begin);
    const once = sent.length;
    const before: RunEvent[] = await readEvents(table, RUN_ID);
    await step(begin);
    expect(sent).toHaveLength(once);
    expect(await readEvents(table, RUN_ID)).toEqual(before);
  });

  it('the next step numbers on from the run: the transition counter is per run', async () => {
    const plan = await loadPlan('examples/three-wave/plan.yaml');
    const { sns, sent } = recordingSns();
    const { step, begin } = await setup(plan, sns);
    const first = sent.length;
    await step(begin);
    const afterFirst = sent.length - first;
    await step({ ...begin, executionArn: 'arn:another-execution' } as WireRequest);
    expect(sent.slice(afterFirst).map((p) => messageOf(p).seq)).toEqual(
      sent.slice(afterFirst).map((_, i) => afterFirst + i + 1),
    );
  });

  it('SNS refusing: the step goes on, the log says why each notification was not sent', async () => {
    const plan = await loadPlan('examples/three-wave/plan.yaml');
    const denied = new AuthorizationErrorException({ message: 'not allowed to publish', $metadata: {} });
    const { sns, sent } = recordingSns(denied);
    const { table, step, begin } = await setup(plan, sns);
    const state = await step(begin);
    expect(state.command.kind).not.toBe('done');
    const told = (await readEvents(table, RUN_ID)).filter((e) => e.type === 'notification');
    expect(told).toHaveLength(sent.length);
    for (const t of told) expect(t).toMatchObject({ error: expect.stringContaining('AuthorizationError') });
  });

  it('a plan without notifications: nothing published, as in the CLI', async () => {
    const { notifications: _none, ...plan } = await loadPlan('examples/three-wave/plan.yaml');
    const { sns, sent } = recordingSns();
    const { table, step, begin } = await setup(plan, sns);
    await step(begin);
    expect(sent).toHaveLength(0);
    expect((await readEvents(table, RUN_ID)).some((e) => e.type === 'state')).toBe(true);
  });
});
