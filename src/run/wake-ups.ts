// Event wake-ups for the in-process engine: a run's launches register what their wave waits on
// (the recovery instances of each StartFailbackLaunch, read from its `aws.request` and the job's
// wave tag), and the waker sends WAKE to that wave when the events say all of them ended. The
// machine's WAKE semantics do the rest: a wave in its job poll wait reads DRS at once. As on Step
// Functions, where only that wait is a callback Task a waker can answer, WAKE goes to a wave only
// while it stands in a wait DRS's events may end (meta `wokenByEvents`); anywhere else the event
// changes nothing. Polling stays the authority.

import { leafPath } from '../../machines/lifecycle.js';
import type { DrsEvent } from '../aws/drs-events.js';
import type { Clock } from '../clock.js';
import { leavesOfMachine } from '../sfn/structure.js';
import {
  createMemoryWaitRegistry,
  createWaker,
  launchWaitOf,
  type WaitRegistry,
  type WaitTarget,
} from '../sfn/waker.js';
import { runningWaves } from './announcer.js';
import type { FailbackRun } from './index.js';

export interface RunWakeUps {
  /** Hand an EventBridge event to the run: resolves with the waits it ended. */
  onEvent(event: DrsEvent): Promise<WaitTarget[]>;
  /** How many waits events ended early. */
  woken(): number;
}

/** The wave leaves DRS's events may end early (the job poll wait). */
export const WOKEN_BY_EVENTS: ReadonlySet<string> = new Set(
  leavesOfMachine('wave').flatMap((l) => (l.what.kind === 'wait' && l.what.wokenByEvents ? [l.path] : [])),
);

export function wakeRunOnEvents(
  run: FailbackRun,
  clock: Pick<Clock, 'now'>,
  registry: WaitRegistry = createMemoryWaitRegistry(),
): RunWakeUps {
  let woken = 0;
  run.on((e) => {
    const wait = launchWaitOf(e);
    if (wait) void registry.register({ runId: run.id, wave: wait.wave }, wait.resources);
  });
  const waker = createWaker({
    registry,
    wake: (target) => {
      const wave = runningWaves(run.actor).find((w) => w.context.wave.name === target.wave);
      if (!wave || !WOKEN_BY_EVENTS.has(leafPath(wave.value))) return;
      woken += 1;
      run.actor.send({ type: 'WAKE', now: clock.now(), wave: target.wave });
    },
  });
  return { onEvent: waker, woken: () => woken };
}
