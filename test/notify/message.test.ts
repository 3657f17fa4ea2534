import { describe, expect, it } from 'vitest';
import { cutoverSummary } from '../../src/notify/cutover-summary.js';
import {
  buildNotification,
  deduplicationId,
  MAX_MESSAGE_BYTES,
  severityOf,
  type Transition,
} from '../../src/notify/message.js';

const STANDARD = 'arn:aws:sns:us-east-1:111122223333:failback';
const FIFO = 'arn:aws:sns:us-east-1:111122223333:failback.fifo';

const transition = (overrides: Partial<Transition> = {}): Transition => ({
  runId: 'run-20240501T120000Z-ab12',
  plan: 'payments',
  machine: 'wave',
  wave: 'databases',
  from: 'launching',
  to: 'monitoringJob',
  at: '2024-05-01T12:00:00.000Z',
  seq: 7,
  topicArn: STANDARD,
  ...overrides,
});

describe('severityOf', () => {
  it.each([
    [{ to: 'monitoringJob' }, 'info'],
    [{ to: 'completed', outcome: 'completed' as const }, 'info'],
    [{ to: 'backout.stoppingFailback' }, 'warning'],
    [{ to: 'backout.restoringRecoveryPoint' }, 'warning'],
    [{ to: 'running', machine: 'plan' as const }, 'info'],
    [{ to: 'backoutFailed', machine: 'plan' as const }, 'critical'],
    [{ to: 'backedOut' }, 'warning'],
    [{ to: 'aborted' }, 'warning'],
    [{ to: 'precheckFailed' }, 'warning'],
    [{ to: 'done', outcome: 'precheck-failed' as const }, 'warning'],
    [{ to: 'backoutFailed' }, 'critical'],
    [{ to: 'backout.failed', outcome: 'backout-failed' as const }, 'critical'],
  ])('%j is %s', (input, expected) => {
    expect(severityOf(input)).toBe(expected);
  });
});

describe('buildNotification', () => {
  it('sets the subject, string attributes and a readable body with the structured transition', () => {
    const n = buildNotification(transition({ reason: 'job drsjob-1 failed' }));
    expect(n.subject).toBe('[drs-failback] payments / databases: monitoringJob');
    expect(n.attributes).toEqual({
      runId: { DataType: 'String', StringValue: 'run-20240501T120000Z-ab12' },
      wave: { DataType: 'String', StringValue: 'databases' },
      state: { DataType: 'String', StringValue: 'monitoringJob' },
      severity: { DataType: 'String', StringValue: 'info' },
    });
    const [human, json] = n.message.split('\n\n--- transition ---\n');
    expect(human).toContain('Run: run-20240501T120000Z-ab12');
    expect(human).toContain('Plan: payments');
    expect(human).toContain('Wave: databases');
    expect(human).toContain('From -> To: launching -> monitoringJob');
    expect(human).toContain('Reason: job drsjob-1 failed');
    expect(human).toContain('When: 2024-05-01T12:00:00.000Z');
    expect(human).not.toContain('Next:');
    expect(JSON.parse(json ?? '')).toMatchObject({
      runId: 'run-20240501T120000Z-ab12',
      seq: 7,
      to: 'monitoringJob',
    });
  });

  it('omits the wave attribute on plan transitions and hints what happens next at the end', () => {
    const n = buildNotification(
      transition({
        machine: 'plan',
        wave: undefined,
        from: 'waves',
        to: 'backoutFailed',
        outcome: 'backout-failed',
      }),
    );
    expect(n.attributes.wave).toBeUndefined();
    expect(n.attributes.severity?.StringValue).toBe('critical');
    expect(n.subject).toBe('[drs-failback] payments: backoutFailed (backout-failed)');
    expect(n.message).toContain('Outcome: backout-failed');
    expect(n.message).toMatch(/Next: Backout failed: a person must act/);
  });

  it('derives the outcome of a final state that carries none', () => {
    const n = buildNotification(transition({ machine: 'plan', wave: undefined, to: 'completed' }));
    expect(n.message).toContain('Outcome: completed');
    expect(n.message).toContain('Next: Failback completed');
  });

  it('standard topics have no group or deduplication id', () => {
    const n = buildNotification(transition());
    expect(n.groupId).toBeUndefined();
    expect(n.dedupId).toBeUndefined();
  });

  it('FIFO topics group by run and deduplicate by transition, deterministically', () => {
    const a = buildNotification(transition({ topicArn: FIFO }));
    const again = buildNotification(transition({ topicArn: FIFO, at: '2024-05-01T12:05:00.000Z' }));
    const renumbered = buildNotification(transition({ topicArn: FIFO, seq: 8 }));
    const next = buildNotification(transition({ topicArn: FIFO, from: 'verifying', to: 'completed' }));
    const otherWave = buildNotification(transition({ topicArn: FIFO, wave: 'app' }));
    expect(a.groupId).toBe('run-20240501T120000Z-ab12');
    expect(a.dedupId).toMatch(/^[0-9a-f]{64}$/);
    expect(again.dedupId).toBe(a.dedupId);
    // A replayed transition after a resume may carry another sequence number: still a duplicate.
    expect(renumbered.dedupId).toBe(a.dedupId);
    expect(next.dedupId).not.toBe(a.dedupId);
    expect(otherWave.dedupId).not.toBe(a.dedupId);
    expect(a.dedupId).toBe(deduplicationId(transition()));
  });

  it('truncates a huge reason so body and attributes stay within the SNS limit', () => {
    const reason = `${'é'.repeat(200_000)}\u0000${'x'.repeat(100_000)}`;
    const n = buildNotification(transition({ reason }));
    const attributeBytes = Object.entries(n.attributes).reduce(
      (sum, [name, value]) =>
        sum + Buffer.byteLength(name) + Buffer.byteLength(`${value.DataType}${value.StringValue}`),
      0,
    );
    expect(Buffer.byteLength(n.message) + attributeBytes).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    expect(n.message).toContain('[truncated]');
    // Still close to the limit: the reason was cut, not dropped.
    expect(Buffer.byteLength(n.message)).toBeGreaterThan(MAX_MESSAGE_BYTES - 1000);
    const json = JSON.parse(n.message.split('\n--- transition ---\n')[1] ?? '') as { reason: string };
    expect(json.reason.endsWith(' [truncated]')).toBe(true);
  });
});

describe('the crossing summary (issue 10: a 10,000-server run stays under 256 KiB)', () => {
  it('carries counts, the worst server and a pointer to the report, whatever the wave size', () => {
    const servers = Array.from({ length: 10_000 }, (_, i) => ({
      sourceServerID: `s-${String(i).padStart(17, '0')}`,
      lagMs: i === 4321 ? 29_000 : 1000,
      drained: true,
      detail: 'lag 1s',
    }));
    const summary = cutoverSummary(servers, 30_000, 'run-1');
    expect(summary).toBe(
      'RPO at the crossing: 10000 server(s) drained to at most 30s; worst s-00000000000004321 at 29s. Lag per server: drs-failback report run-1',
    );
    const n = buildNotification({
      runId: 'run-1',
      plan: 'big',
      machine: 'wave',
      wave: 'all',
      from: 'cutover',
      to: 'startingFailback',
      summary,
      at: '2026-01-01T00:00:00.000Z',
      seq: 3,
      topicArn: 'arn:aws:sns:us-east-1:111122223333:t',
    });
    expect(n.message).toContain(`Summary: ${summary}`);
    expect(Buffer.byteLength(n.message)).toBeLessThan(4096);
  });
});
