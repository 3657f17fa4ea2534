// Events wake the waits (in-process engine over the simulated AWS): the simulated DRS publishes
// failback state changes on the virtual clock; the waker ends the wave's poll wait when every
// server of its launch reported an end state. Polling stays the authority.

import { describe, expect, it } from 'vitest';
import type { DrsEvent } from '../../src/aws/drs-events.js';
import type { RunEvent } from '../../src/events.js';
import { parsePlan } from '../../src/plan/load.js';
import { wakeRunOnEvents } from '../../src/run/wake-ups.js';
import { createFailbackRun } from '../../src/run.js';
import { endsAWait, resourceKey } from '../../src/sfn/waker.js';
import { createDrsEventSource, type DrsEventSourceOptions } from '../../src/sim/events.js';
import { createSimulatedAws, toScenario } from '../../src/sim/index.js';
import { unrelatedDrsEvents } from '../support/unrelated-drs-events.js';

const MIN = 60_000;
const IDS = ['s-1234567890abcdef0', 's-abcdef01234567890'];
const RIS = ['i-1111111111111111a', 'i-2222222222222222b'];
const PLAN = `version: 1
name: wake
region: us-east-1
objectives: { rpo: 15m, rto: 8h }
approval: none
polling: { interval: 5m, max: 5m }
waves:
  - name: db
    servers: [{ sourceServerID: ${IDS[0]} }, { sourceServerID: ${IDS[1]} }]
`;

type Events = 'none' | (Omit<DrsEventSourceOptions, 'deliver'> & { extra?: (e: DrsEvent) => DrsEvent[] });

/** `probeOkAfter`: the first server's TCP probe fails until then (the wave polls it in verifying). */
async function run(events: Events, probeOkAfter?: string) {
  const sim = createSimulatedAws(
    toScenario({
      seed: 5,
      defaults: { launch: { duration: '20m' }, jobStartDelay: '30s' },
      ...(probeOkAfter
        ? { probes: [{ tcp: 'db.internal:5432', result: 'fail-until' as const, until: probeOkAfter }] }
        : {}),
      servers: IDS.map((id, i) => ({ sourceServerID: id, recoveryInstanceID: RIS[i] })),
    }),
  );
  const plan = probeOkAfter
    ? PLAN.replace(
        `{ sourceServerID: ${IDS[0]} }`,
        `{ sourceServerID: ${IDS[0]}, verify: { probes: [{ tcp: 'db.internal:5432' }] } }`,
      )
    : PLAN;
  const failback = createFailbackRun({
    plan: parsePlan(plan, 'plan.yaml'),
    clients: sim.clients,
    clock: sim.clock,
    probes: sim.probes,
    runId: 'run-20260101T000000Z-wakeup',
  });
  const stream: RunEvent[] = [];
  failback.on((e) => stream.push(e));
  const wake = wakeRunOnEvents(failback, sim.clock);
  const source =
    events === 'none'
      ? undefined
      : createDrsEventSource(sim, {
          ...events,
          deliver: (e) => {
            void wake.onEvent(e);
            for (const other of events.extra?.(e) ?? []) void wake.onEvent(other);
          },
        });
  const result = await sim.clock.run(failback.start());
  source?.stop();
  const t0 = Date.parse(stream[0]?.at ?? '');
  const minutes = (e: RunEvent | undefined) => (e ? (Date.parse(e.at) - t0) / MIN : Number.NaN);
  const polls = sim.calls().filter((c) => c.operation === 'DescribeJobs').length;
  const verifying = minutes(stream.find((e) => e.type === 'state' && e.to === 'verifying'));
  const launchedAt = minutes(
    stream.find((e) => e.type === 'aws.request' && e.operation === 'StartFailbackLaunch'),
  );
  const finished = minutes(stream.find((e) => e.type === 'run.finished'));
  return {
    result,
    polls,
    verifying,
    launchedAt,
    finished,
    woken: wake.woken(),
    published: source?.published() ?? [],
  };
}

describe('events wake the waits', () => {
  it('an event mid-wait ends it early: the wave reads DRS 2 s after the launch ended, not at its next poll', async () => {
    const polling = await run('none');
    const events = await run({});
    expect(polling.result.outcome).toBe('completed');
    expect(events.result.outcome).toBe('completed');
    // The job ends 30 s + 20 min after StartFailbackLaunch; the events arrive 2 s later.
    const jobEnd = events.launchedAt + 0.5 + 20;
    expect(events.verifying).toBeCloseTo(jobEnd + 2 / 60, 6);
    // Polling alone: the next 5-minute poll after the end.
    expect(polling.verifying).toBeGreaterThan(jobEnd + 1);
    expect(events.verifying).toBeLessThan(polling.verifying);
    expect(events.woken).toBe(1); // one wave woken once, for two servers' events
    expect(events.polls).toBeLessThanOrEqual(polling.polls);
    // Non-vacuous: the simulated DRS published the end states of both servers.
    expect(events.published.filter((e) => e.detail.state === 'FAILBACK_COMPLETED')).toHaveLength(2);
  });

  it('a lost event: the wave still completes, by polling, when the poll would have seen it', async () => {
    const polling = await run('none');
    const lost = await run({
      lose: (e) => e.detail.recoveryInstanceID === RIS[1] && e.detail.state === 'FAILBACK_COMPLETED',
    });
    expect(lost.result.outcome).toBe('completed');
    expect(lost.woken).toBe(0);
    expect(lost.verifying).toBe(polling.verifying);
    expect(lost.polls).toBe(polling.polls);
  });

  it('an event that finds the wave past its job poll wait wakes nothing (as on Step Functions)', async () => {
    // The probe passes 40 min into the run: the wave polls it in verifying.waiting until then.
    const polling = await run('none', '40m');
    // Delivered 6 minutes late: the 5-minute poll saw the job end first, the wave verifies.
    const late = await run({ delayMs: 6 * MIN }, '40m');
    expect(late.result.outcome).toBe('completed');
    expect(late.woken).toBe(0);
    expect(late.verifying).toBe(polling.verifying);
    expect(late.polls).toBe(polling.polls);
    expect(late.finished).toBe(polling.finished);
    // The events arrived while the wave waited between status-check rounds, before it finished.
    expect(late.verifying).toBeLessThan(late.launchedAt + 0.5 + 20 + 6);
    expect(late.finished).toBeGreaterThan(late.launchedAt + 0.5 + 20 + 6);
    // Non-vacuous: the end states were published and delivered.
    expect(late.published.filter((e) => e.detail.state === 'FAILBACK_COMPLETED')).toHaveLength(2);
  });

  it('a duplicate or unrelated event changes nothing', async () => {
    const once = await run({});
    const noisy = await run({ repeat: () => true, extra: unrelatedDrsEvents });
    expect(noisy.result.outcome).toBe('completed');
    expect(noisy.woken).toBe(once.woken);
    expect(noisy.verifying).toBe(once.verifying);
    expect(noisy.polls).toBe(once.polls);
  });
});

describe('the waker (pure parts)', () => {
  it('wakes on end states only, and keys a resource by its ARN or id', () => {
    const e = (state: string, type = 'DRS Recovery Instance Failback State Change') => ({
      source: 'aws.drs',
      'detail-type': type,
      detail: { state },
    });
    expect(endsAWait(e('FAILBACK_COMPLETED'))).toBe(true);
    expect(endsAWait(e('FAILBACK_ERROR'))).toBe(true);
    expect(endsAWait(e('FAILBACK_IN_PROGRESS'))).toBe(false);
    expect(endsAWait(e('STALLED', 'DRS Source Server Data Replication Stalled Change'))).toBe(false);
    expect(endsAWait({ ...e('FAILBACK_COMPLETED'), source: 'aws.ec2' })).toBe(false);
    expect(resourceKey('arn:aws:drs:eu-west-1:444455556666:recovery-instance/i-1234567890abcdef0')).toBe(
      'recovery-instance/i-1234567890abcdef0',
    );
    expect(resourceKey('i-1234567890abcdef0')).toBe('recovery-instance/i-1234567890abcdef0');
  });
});
