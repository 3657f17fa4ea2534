import { DrsClient } from '@aws-sdk/client-drs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { InspectionEvent, Snapshot } from 'xstate';
import type { RunEvent } from '../../src/events.js';
import { parsePlan } from '../../src/plan/load.js';
import { createFailbackRun, planRunInput } from '../../src/run.js';
import { type Script, scriptedActivities } from '../support/fake-activities.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const RUN_ID = 'run-20260101T000000Z-abcdef';
const plan = parsePlan(
  `
version: 1
name: payments
region: us-east-1
objectives: { rpo: 15m, rto: 4h }
approval: none
waves:
  - name: db
    servers: [{ sourceServerID: s-00000000000000001 }]
`,
  'plan.yaml',
);
const clients = () => ({
  drs: new DrsClient({ region: 'us-east-1' }),
  ec2: new EC2Client({ region: 'us-east-1' }),
});

/** Runs the plan until `until` holds (or to its end), keeping its snapshots and events. */
async function original(script: Script, stopAfterMs?: number) {
  const snapshots: Snapshot<unknown>[] = [];
  const events: RunEvent[] = [];
  const run = createFailbackRun({
    plan,
    clients: clients(),
    activities: scriptedActivities(script),
    runId: RUN_ID,
    onSnapshot: (s) => snapshots.push(JSON.parse(JSON.stringify(s))),
  });
  run.on((e) => events.push(e));
  if (stopAfterMs === undefined) {
    await run.start();
  } else {
    void run.start();
    await vi.advanceTimersByTimeAsync(stopAfterMs);
    run.actor.stop();
  }
  const last = snapshots.at(-1);
  if (!last) throw new Error('no snapshot was saved');
  return { snapshot: last, events };
}

function resumed(snapshot: Snapshot<unknown>, history: readonly RunEvent[], script: Script = {}) {
  const inspected: InspectionEvent[] = [];
  const events: RunEvent[] = [];
  const run = createFailbackRun({
    plan,
    clients: clients(),
    activities: scriptedActivities(script),
    runId: RUN_ID,
    snapshot,
    history,
    inspect: (ev) => inspected.push(ev),
  });
  run.on((e) => events.push(e));
  const sent = () =>
    inspected.flatMap((ev) =>
      ev.type === '@xstate.event' && ev.sourceRef === undefined ? [ev.event.type] : [],
    );
  return { run, events, sent };
}

describe('restoring a run', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(T0);
  });
  afterEach(() => vi.useRealTimers());

  it('an actor restored in a final state is not sent WAKE; the run only finishes its bookkeeping', async () => {
    const { snapshot, events: history } = await original({});
    expect(snapshot.status).toBe('done');
    const { run, events, sent } = resumed(snapshot, history.slice(0, -1));
    const result = await run.start();
    expect(result.outcome).toBe('completed');
    expect(sent()).not.toContain('WAKE');
    expect(events.map((e) => e.type)).toEqual(['run.started', 'run.finished']);
  });

  it('an actor restored while it waits is sent WAKE (the inspection above sees it)', async () => {
    const { snapshot, events: history } = await original({ pollJobs: [{ verdict: 'pending' }] }, 20_000);
    expect(snapshot.status).toBe('active');
    const { run, sent } = resumed(snapshot, history, { pollJobs: [{ verdict: 'launched' }] });
    const result = await run.start();
    expect(result.outcome).toBe('completed');
    expect(sent()).toContain('WAKE');
  });

  it('seq runs 1, 2, 3, ... in emission order and a resumed run continues its log', async () => {
    const { snapshot, events: history } = await original({ pollJobs: [{ verdict: 'pending' }] }, 20_000);
    expect(history.map((e) => e.seq)).toEqual(history.map((_, i) => i + 1));
    const { run, events } = resumed(snapshot, history, { pollJobs: [{ verdict: 'launched' }] });
    await run.start();
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => history.length + i + 1));
  });

  it('a log written before seq existed is continued from its length', async () => {
    const { snapshot, events: history } = await original({ pollJobs: [{ verdict: 'pending' }] }, 20_000);
    const unnumbered = history.map(({ seq: _seq, ...rest }) => rest) as unknown as RunEvent[];
    const { run, events } = resumed(snapshot, unnumbered, { pollJobs: [{ verdict: 'launched' }] });
    await run.start();
    expect(events[0]?.seq).toBe(history.length + 1);
  });
});

describe('the machine input of a run', () => {
  it('is built from the plan; the jitter seed comes from the run id unless given', () => {
    const input = planRunInput(plan, RUN_ID, T0);
    expect(input).toMatchObject({ runId: RUN_ID, planName: 'payments', startedAt: T0, waves: plan.waves });
    expect(planRunInput(plan, RUN_ID, T0).jitterSeed).toBe(input.jitterSeed);
    expect(planRunInput(plan, 'run-20260101T000000Z-other0', T0).jitterSeed).not.toBe(input.jitterSeed);
    expect(planRunInput(plan, RUN_ID, T0, 7).jitterSeed).toBe(7);
  });
});
