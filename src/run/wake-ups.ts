// Event wake-ups for the in-process engine: a run's launches register what their wave waits on
// (the recovery instances of each StartFailbackLaunch, read from its `aws.request` and the job's
// wave tag), and the waker sends WAKE to that wave when the events say all of them ended. The
// machine's WAKE semantics do the rest: a wave in a poll wait reads DRS at once; in any other
// state it ignores the event. Polling stays the authority.

import type { DrsEvent } from '../aws/drs-events.js';
import type { Clock } from '../clock.js';
import {
  createMemoryWaitRegistry,
  createWaker,
  resourceKey,
  type WaitRegistry,
  type WaitTarget,
} from '../sfn/waker.js';
import type { FailbackRun } from './index.js';

/** The tag StartFailbackLaunch carries with the wave's name (as the activities send it). */
const WAVE_TAG = 'drs-failback:wave';

export interface RunWakeUps {
  /** Hand an EventBridge event to the run: resolves with the waits it ended. */
  onEvent(event: DrsEvent): Promise<WaitTarget[]>;
  /** How many waits events ended early. */
  woken(): number;
}

export function wakeRunOnEvents(
  run: FailbackRun,
  clock: Pick<Clock, 'now'>,
  registry: WaitRegistry = createMemoryWaitRegistry(),
): RunWakeUps {
  let woken = 0;
  run.on((e) => {
    if (e.type !== 'aws.request' || e.operation !== 'StartFailbackLaunch') return;
    const input = e.input as { recoveryInstanceIDs?: string[]; tags?: Record<string, string> } | undefined;
    const wave = input?.tags?.[WAVE_TAG];
    if (wave === undefined || !input?.recoveryInstanceIDs?.length) return;
    void registry.register({ runId: run.id, wave }, input.recoveryInstanceIDs.map(resourceKey));
  });
  const waker = createWaker({
    registry,
    wake: (target) => {
      woken += 1;
      run.actor.send({ type: 'WAKE', now: clock.now(), wave: target.wave });
    },
  });
  return { onEvent: waker, woken: () => woken };
}
