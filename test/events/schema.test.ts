// Every event of a few example runs (and of `check --json`) is valid against the shipped JSON
// Schema, docs/event-schema.json, and carries seq 1, 2, 3, ... in emission order.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type RunEvent, type RunEventType, runEventSchema } from '../../src/events/schema.js';
import { loadPlan } from '../../src/plan/load.js';
import { createSimulatedAws } from '../../src/sim/index.js';
import { cli, ROOT } from '../cli/helpers.js';
import { runOnSimulation } from '../e2e/harness.js';
import { validate } from '../support/json-schema.js';

const schema = JSON.parse(readFileSync(join(ROOT, 'docs/event-schema.json'), 'utf8')) as Record<
  string,
  unknown
>;
const EXAMPLES = ['three-wave', 'launch-failure', 'rpo-precheck-failure', 'sns-outage', 'ec2-origin-backout'];

async function exampleEvents(name: string): Promise<RunEvent[]> {
  const plan = await loadPlan(join(ROOT, `examples/${name}/plan.yaml`));
  const sim = createSimulatedAws(join(ROOT, `examples/${name}/scenario.yaml`));
  return (await runOnSimulation(plan, sim)).events;
}

function expectValid(events: readonly unknown[]): void {
  // As written to stdout and the log: JSON (a field set to undefined is absent there).
  const problems = events.flatMap((event, i) =>
    validate(schema, JSON.parse(JSON.stringify(event))).map((p) => `event ${i + 1}: ${p}`),
  );
  expect(problems).toEqual([]);
}

describe('the event stream against docs/event-schema.json', () => {
  const seen = new Set<RunEventType>();

  it.each(EXAMPLES)('%s: every event is valid, seq counts 1, 2, 3, ...', async (name) => {
    const events = await exampleEvents(name);
    expect(events.length).toBeGreaterThan(10);
    expectValid(events);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    // The zod schema the JSON Schema is generated from agrees.
    for (const event of events) expect(runEventSchema.safeParse(event).success).toBe(true);
    for (const event of events) seen.add(event.type);
  });

  it('the examples cover the event types (so the check above is not vacuous)', () => {
    expect([...seen].sort()).toEqual(
      expect.arrayContaining([
        'approval.given',
        'approval.requested',
        'aws.request',
        'aws.response',
        'check',
        'job.log',
        'notification',
        'run.finished',
        'run.started',
        'state',
      ]),
    );
  });

  it('`check --json` streams valid events with their own seq', async () => {
    const dir = join(ROOT, 'examples/three-wave');
    const run = await cli([
      'check',
      join(dir, 'plan.yaml'),
      '--simulate',
      join(dir, 'scenario.yaml'),
      '--json',
    ]);
    const events = run.stdout
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as RunEvent);
    expect(events.some((e) => e.type === 'check')).toBe(true);
    expectValid(events);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  });

  it('rejects what is not an event of the contract', () => {
    const good = {
      type: 'approval.refused',
      wave: 'db',
      approver: 'alice',
      via: 'terminal',
      by: 'alice',
      at: '2026-01-01T00:00:00.000Z',
      runId: 'run-20260101T000000Z-abcdef',
      seq: 4,
    };
    expectValid([good]);
    const bad: [string, unknown][] = [
      ['no seq', { ...good, seq: undefined }],
      ['seq 0', { ...good, seq: 0 }],
      ['an unknown type', { ...good, type: 'approval.maybe' }],
      ['an undeclared field', { ...good, extra: true }],
      ['no approver', { ...good, approver: undefined }],
      ['an unknown channel', { ...good, via: 'carrier-pigeon' }],
      ['a time that is not ISO-8601', { ...good, at: 'yesterday' }],
      [
        'a check with an unknown status',
        { ...good, type: 'check', server: 's', name: 'n', status: 'ok', detail: '' },
      ],
    ];
    for (const [label, event] of bad) {
      expect(validate(schema, JSON.parse(JSON.stringify(event))), label).not.toEqual([]);
    }
  });

  it('a check event may carry structured data', () => {
    expectValid([
      {
        type: 'check',
        wave: 'db',
        server: 's-1234567890abcdef0',
        name: 'rpo',
        status: 'pass',
        detail: 'newest recovery point is within the RPO',
        data: { rpoMs: 900000, snapshotAt: '2026-01-01T00:00:00.000Z' },
        at: '2026-01-01T00:00:00.000Z',
        runId: 'run-20260101T000000Z-abcdef',
        seq: 1,
      },
    ]);
  });
});
