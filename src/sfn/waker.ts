// Events wake the waits: a DRS event (EventBridge, best effort) names a resource; the waker finds
// the wave that waits on it and ends that wait early, so the wave reads DRS at once instead of
// at its next poll. Polling stays the authority: an event never decides anything, it only moves
// a read earlier, and a lost event costs one poll interval, as before.
// A wave waits on all of its launch's recovery instances: it is woken once every one of them
// reported an end state (COMPLETED or ERROR), not at each server's event, so N servers cost one
// early read, not N. The same event delivered twice (EventBridge: at least once) wakes nothing
// twice.
import { type DrsEvent, FAILBACK_STATE_CHANGE, LAUNCH_RESULT } from '../aws/drs-events.js';
import type { RunEventBody } from '../events.js';

/** Who waits: a wave of a run (and on Step Functions, the task token of its waiting state). */
export interface WaitTarget {
  runId: string;
  wave: string;
  taskToken?: string;
}

/** Where the waits are recorded: in memory (in-process engine) or in DynamoDB (Step Functions). */
export interface WaitRegistry {
  /** `target` waits until each of `resources` (resource keys) reported an end state. */
  register(target: WaitTarget, resources: readonly string[]): Promise<void>;
  /**
   * `resource` reported an end state: the targets whose last pending resource this was (each
   * then forgotten: a later event for it wakes nothing).
   */
  report(resource: string): Promise<WaitTarget[]>;
  /** True the first time an event id is seen, false for a repeat delivery. */
  firstSighting(eventId: string): Promise<boolean>;
}

/** The key of a DRS resource: `recovery-instance/i-...` from an ARN or from the id. */
export function resourceKey(arnOrId: string): string {
  const arn = /^arn:[\w-]+:drs:[\w-]*:\d*:(.+)$/.exec(arnOrId);
  return arn?.[1] ?? `recovery-instance/${arnOrId}`;
}

/** The tag StartFailbackLaunch carries with the wave's name (as the activities send it). */
const WAVE_TAG = 'drs-failback:wave';

/**
 * What a launch makes its wave wait on, read from its StartFailbackLaunch `aws.request` (the
 * recovery instances and the job's wave tag); null for any other event. Both engines register
 * from it: the in-process run's listener and the actor Lambda.
 */
export function launchWaitOf(
  event: Pick<RunEventBody, 'type'> & { operation?: unknown; input?: unknown },
): { wave: string; resources: string[] } | null {
  if (event.type !== 'aws.request' || event.operation !== 'StartFailbackLaunch') return null;
  const input = event.input as { recoveryInstanceIDs?: string[]; tags?: Record<string, string> } | undefined;
  const wave = input?.tags?.[WAVE_TAG];
  if (wave === undefined || !input?.recoveryInstanceIDs?.length) return null;
  return { wave, resources: input.recoveryInstanceIDs.map(resourceKey) };
}

/** Failback states after which a wave's launch has nothing more to wait for on that server. */
const END_STATES: ReadonlySet<string> = new Set(['FAILBACK_COMPLETED', 'FAILBACK_ERROR']);

/** Whether an event says a waited-on resource reached an end state (pure). */
export function endsAWait(event: Pick<DrsEvent, 'source' | 'detail-type' | 'detail'>): boolean {
  if (event.source !== 'aws.drs') return false;
  if (event['detail-type'] === FAILBACK_STATE_CHANGE) return END_STATES.has(event.detail.state);
  // ASSUMED detail values; published for StartRecovery launches (EC2 origin), not documented for failback.
  if (event['detail-type'] === LAUNCH_RESULT)
    return (
      event.detail.state === 'RECOVERY_LAUNCH_SUCCEEDED' || event.detail.state === 'RECOVERY_LAUNCH_FAILED'
    );
  return false;
}

/** A registry in memory: the in-process engine (one process holds every wait). */
export function createMemoryWaitRegistry(): WaitRegistry {
  const pending = new Map<string, { target: WaitTarget; resources: Set<string> }>();
  const byResource = new Map<string, Set<string>>();
  const seen = new Set<string>();
  const keyOf = (t: WaitTarget) => `${t.runId}#${t.wave}`;
  return {
    async register(target, resources) {
      // A wave launched in several jobs waits for the servers of all of them.
      const key = keyOf(target);
      const wait = pending.get(key) ?? { target, resources: new Set<string>() };
      for (const r of resources) wait.resources.add(r);
      pending.set(key, wait);
      for (const r of resources) byResource.set(r, (byResource.get(r) ?? new Set()).add(key));
    },
    async report(resource) {
      const woken: WaitTarget[] = [];
      for (const key of byResource.get(resource) ?? []) {
        const wait = pending.get(key);
        if (!wait) continue;
        wait.resources.delete(resource);
        if (wait.resources.size === 0) {
          pending.delete(key);
          woken.push(wait.target);
        }
      }
      byResource.delete(resource);
      return woken;
    },
    async firstSighting(eventId) {
      if (seen.has(eventId)) return false;
      seen.add(eventId);
      return true;
    },
  };
}

export interface WakerOptions {
  registry: WaitRegistry;
  /** Ends the target's wait (in process: WAKE to its wave; on Step Functions: SendTaskSuccess). */
  wake: (target: WaitTarget, event: DrsEvent) => Promise<void> | void;
}

/** The waker (a Lambda on the orchestrator's bus, or a listener in process): one event in, the woken waits out. */
export function createWaker(options: WakerOptions) {
  return async (event: DrsEvent): Promise<WaitTarget[]> => {
    if (!endsAWait(event)) return [];
    if (!(await options.registry.firstSighting(event.id))) return [];
    const woken: WaitTarget[] = [];
    for (const resource of event.resources) {
      for (const target of await options.registry.report(resourceKey(resource))) {
        await options.wake(target, event);
        woken.push(target);
      }
    }
    return woken;
  };
}
