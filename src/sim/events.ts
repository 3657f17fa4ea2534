// The DRS events the simulated AWS publishes to EventBridge (source `aws.drs`), on the virtual
// clock: a recovery instance's failback state changes when its timeline says so, and the event
// is delivered then (plus a delivery delay). Events are best effort in AWS; here a test can lose
// or repeat any of them, so the code that reacts to them is tested for both.
//
// Shapes: the envelope is EventBridge's (DOCUMENTED: version, id, detail-type, source, account,
// time, region, resources, detail). `detail-type` "DRS Recovery Instance Failback State Change"
// with `detail.state` FAILBACK_IN_PROGRESS | FAILBACK_COMPLETED | FAILBACK_ERROR and the recovery
// instance's ARN in `resources` follow the DRS user guide's EventBridge page as summarised in
// the project's reference (no job id in the event). ASSUMED: the other `detail` fields
// (`recoveryInstanceID`, `sourceServerID`), and that failback launches do not emit "DRS Source
// Server Launch Result" (UNCONFIRMED in AWS's documentation): this source does not emit it.
import { FailbackState } from '@aws-sdk/client-drs';
import { type DrsEvent, FAILBACK_STATE_CHANGE } from '../aws/drs-events.js';
import type { SimulatedAws } from './clients.js';
import type { RecoveryInstanceRecord } from './state.js';

/** The failback states DRS publishes a change event for. */
const PUBLISHED_STATES: ReadonlySet<string> = new Set([
  FailbackState.FAILBACK_IN_PROGRESS,
  FailbackState.FAILBACK_COMPLETED,
  FailbackState.FAILBACK_ERROR,
]);

export interface DrsEventSourceOptions {
  /** Receives each event at its delivery instant on the virtual clock. */
  deliver: (event: DrsEvent) => void;
  /** Between the state change and the delivery (default 2 s; ASSUMED, AWS gives no figure). */
  delayMs?: number;
  /** Events for which this returns true are lost (best-effort delivery). */
  lose?: (event: DrsEvent) => boolean;
  /** Events for which this returns true are delivered twice (at-least-once delivery). */
  repeat?: (event: DrsEvent) => boolean;
}

export interface DrsEventSource {
  /** Every event published so far (delivered, lost or repeated), in publishing order. */
  published(): readonly DrsEvent[];
  stop(): void;
}

/** Calls that change failback timelines: only after these are the timelines read again. */
const CHANGING = new Set(['StartFailbackLaunch', 'StopFailback', 'StartRecovery', 'ReverseReplication']);

/** Publishes the world's failback state changes as EventBridge events, on the world's clock. */
export function createDrsEventSource(sim: SimulatedAws, options: DrsEventSourceOptions): DrsEventSource {
  const { world, clock } = sim;
  const delayMs = options.delayMs ?? 2_000;
  const scheduled = new Set<string>();
  const timers = new Set<unknown>();
  const published: DrsEvent[] = [];
  let sequence = 0;

  const eventOf = (ri: RecoveryInstanceRecord, state: string, at: number): DrsEvent => ({
    version: '0',
    // Unique across an estate's worlds, as EventBridge's ids are: the waker drops an id it has seen.
    id: `sim-event-${world.scenario.accountId}-${world.scenario.region}-${String(++sequence).padStart(6, '0')}`,
    'detail-type': FAILBACK_STATE_CHANGE,
    source: 'aws.drs' as const,
    account: world.scenario.accountId,
    time: new Date(at).toISOString(),
    region: ri.region,
    resources: [world.arn(`recovery-instance/${ri.recoveryInstanceID}`, ri.region)],
    detail: { state, recoveryInstanceID: ri.recoveryInstanceID, sourceServerID: ri.sourceServerID },
  });

  const publish = (ri: RecoveryInstanceRecord, state: string, at: number) => {
    // A change a later call superseded (StopFailback drops what was scheduled) is not published.
    if (!ri.failback.some((e) => e.at === at && e.value === state)) return;
    const event = eventOf(ri, state, at);
    published.push(event);
    if (options.lose?.(event)) return;
    options.deliver(event);
    if (options.repeat?.(event)) options.deliver(event);
  };

  const schedule = () => {
    const now = clock.now();
    for (const ri of world.state.recoveryInstances) {
      for (const entry of ri.failback) {
        if (entry.at < now || !PUBLISHED_STATES.has(entry.value)) continue;
        const key = `${ri.recoveryInstanceID}|${entry.at}|${entry.value}`;
        if (scheduled.has(key)) continue;
        scheduled.add(key);
        const timer = clock.setTimeout(
          () => {
            timers.delete(timer);
            publish(ri, entry.value, entry.at);
          },
          entry.at - now + delayMs,
        );
        timers.add(timer);
      }
    }
  };
  const unsubscribe = world.onCall((call) => {
    if (call.ok && CHANGING.has(call.operation)) schedule();
  });
  return {
    published: () => published,
    stop() {
      unsubscribe();
      for (const timer of timers) clock.clearTimeout(timer);
      timers.clear();
    },
  };
}
