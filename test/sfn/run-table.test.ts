// The run table's own rules: a retried step lands on the same seqs, events too large for one
// item are gzipped in parts and read back whole, the event log reads every page in order.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { RunEventBody } from '../../src/events.js';
import { appendEvents, readEvents, type TimedEvent } from '../../src/sfn/event-log.js';
import { PART_BYTES } from '../../src/sfn/run-table.js';
import { ensureRun, readRun, recordRun, requestAbort } from '../../src/sfn/runs.js';
import { createFakeRunTable } from '../support/fake-run-table.js';

const RUN = 'run-20260301T020000Z-abcdef';
const clock = { now: () => Date.parse('2026-03-01T02:00:00Z'), setTimeout, clearTimeout };
const tableOf = (pageSize = 100) => {
  const fake = createFakeRunTable(pageSize);
  return { fake, deps: { ddb: fake as never, table: 'runs', clock } };
};
const state = (to: string): TimedEvent => ({
  body: { type: 'state', machine: 'wave', wave: 'w', from: null, to },
  at: clock.now(),
});

describe('the event log', () => {
  it('a retried step (same execution and history count) rewrites its seqs; the next step continues after them', async () => {
    const { fake, deps } = tableOf();
    await appendEvents(deps, RUN, [state('precheck')], 'exec#begin');
    await appendEvents(deps, RUN, [state('awaitingApproval'), state('aborted')], 'exec#9');
    await appendEvents(deps, RUN, [state('awaitingApproval'), state('aborted')], 'exec#9');
    await appendEvents(deps, RUN, [state('x')], 'exec#21');
    const events = await readEvents(deps, RUN);
    expect(events.map((e) => [e.seq, e.type === 'state' ? e.to : ''])).toEqual([
      [1, 'precheck'],
      [2, 'awaitingApproval'],
      [3, 'aborted'],
      [4, 'x'],
    ]);
    expect(fake.calls.UpdateItem).toBe(3);
  });

  it('an activity retried appends again: its calls were real', async () => {
    const { deps } = tableOf();
    await appendEvents(deps, RUN, [state('a')]);
    await appendEvents(deps, RUN, [state('a')]);
    expect((await readEvents(deps, RUN)).map((e) => e.seq)).toEqual([1, 2]);
  });

  it('an event larger than an item is stored gzipped in parts, each under 400 KB, and read back whole', async () => {
    const { fake, deps } = tableOf(3);
    // Random bytes do not compress: several parts.
    const noise = randomBytes(600_000).toString('base64');
    const big: RunEventBody = {
      type: 'aws.request',
      service: 'drs',
      region: 'us-east-1',
      operation: 'StartFailbackLaunch',
      input: { noise },
    };
    await appendEvents(deps, RUN, [state('before'), { body: big, at: clock.now() }, state('after')]);
    const items = fake.items().filter((i) => i.sk?.S?.startsWith('event#'));
    expect(items.length).toBeGreaterThan(3);
    const size = (i: (typeof items)[number]) => (i.gz?.B?.length ?? 0) + (i.body?.S?.length ?? 0);
    for (const item of items) expect(size(item)).toBeLessThan(400 * 1024);
    expect(Math.max(...items.map((i) => i.gz?.B?.length ?? 0))).toBeLessThanOrEqual(PART_BYTES);
    const events = await readEvents(deps, RUN);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(events[1]).toMatchObject({ operation: 'StartFailbackLaunch', input: { noise } });
    expect(await readEvents(deps, RUN, 2)).toHaveLength(1);
  });

  it('reads every page in seq order, also past seq 9 (zero-padded keys)', async () => {
    const { deps } = tableOf(4);
    for (let i = 0; i < 23; i++) await appendEvents(deps, RUN, [state(`s${i}`)]);
    const events = await readEvents(deps, RUN);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 23 }, (_, i) => i + 1));
  });
});

describe('the run record', () => {
  it('recorded once with its plan; the first step keeps it; the first abort wins', async () => {
    const { deps } = tableOf();
    const plan = { name: 'payments', region: 'us-east-1', waves: [] } as never;
    const record = {
      runId: RUN,
      engine: 'sfn' as const,
      executionArn: 'arn:1',
      plan: 'payments',
      startedAt: 't0',
    };
    expect(await recordRun(deps, { ...record, planDocument: plan })).toBe(true);
    expect(await recordRun(deps, { ...record, executionArn: 'arn:2' })).toBe(false);
    await ensureRun(deps, { runId: RUN, executionArn: 'arn:3', plan: 'other', startedAt: 't1' });
    await requestAbort(deps, RUN, { by: 'alice', reason: 'first' });
    await requestAbort(deps, RUN, { by: 'bob', reason: 'second' });
    expect(await readRun(deps, RUN)).toMatchObject({
      executionArn: 'arn:1',
      plan: 'payments',
      planDocument: plan,
      abort: { by: 'alice', reason: 'first' },
    });
  });

  it('a plan too large for one item is kept in parts', async () => {
    const { fake, deps } = tableOf();
    const servers = Array.from({ length: 60_000 }, () => ({
      sourceServerID: `s-${randomBytes(9).toString('hex').slice(0, 17)}`,
    }));
    const plan = { name: 'big', region: 'us-east-1', waves: [{ name: 'w', servers }] } as never;
    await recordRun(deps, {
      runId: RUN,
      engine: 'sfn',
      executionArn: 'a',
      plan: 'big',
      startedAt: 't',
      planDocument: plan,
    });
    expect(fake.items().filter((i) => i.sk?.S?.startsWith('run#part#')).length).toBeGreaterThan(0);
    expect((await readRun(deps, RUN))?.planDocument).toEqual(plan);
  });

  it('an abort of an unknown run is refused', async () => {
    await expect(requestAbort(tableOf().deps, RUN, { by: 'alice' })).rejects.toThrow(/no run/);
  });
});
