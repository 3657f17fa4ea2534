// The two Lambdas of "events wake the waits" on Step Functions (wired in src/sfn/entry.ts):
// - the wait Lambda: the job poll wait's callback Task invokes it; it stores the Task's token in
//   the wait registry (run table), and the Task then waits for its timeout (the poll delay) or
//   for the waker's answer;
// - the waker Lambda: the orchestrator bus's rule delivers DRS's events to it; `createWaker`
//   finds the wave whose launch they end and answers its Task with the machine's WAKE.
// Both are best effort: polling stays the authority. Neither ever fails a wave: the wait Lambda
// swallows what it cannot store (the Task then times out: a poll as without events), and a token
// already used or timed out is ignored and logged. Tokens are bearer credentials: never logged.
import {
  InvalidToken,
  SendTaskSuccessCommand,
  type SFNClient,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import type { DrsEvent } from '../aws/drs-events.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import type { Command, WakeTarget } from './step.js';
import type { DynamoWaitRegistry } from './wait-registry.js';
import { createWaker, type WaitRegistry, type WaitTarget } from './waker.js';

/** What the job poll wait's callback Task sends its Lambda (src/sfn/asl.ts, `wokenWait`). */
export interface WaitTaskEvent {
  token: string;
  execution: string;
  target: WakeTarget;
  command: Command;
}

/** The wait Lambda: stores the waiting Task's token where the waker will find it. */
export function createWaitHandler(deps: { registry: Pick<DynamoWaitRegistry, 'arm'>; log: Logger }) {
  return async (event: WaitTaskEvent): Promise<{ armed: boolean }> => {
    const { runId, wave } = event.target;
    try {
      const armed = await deps.registry.arm({ runId, wave, taskToken: event.token });
      // Not armed: nothing pending (the launch's instances all reported, or were never registered).
      if (!armed) deps.log.debug({ runId, wave }, 'no wait pending: the job poll waits its full delay');
      return { armed };
    } catch (err) {
      deps.log.warn({ err, runId, wave }, 'the wait could not be armed: the job poll waits its full delay');
      return { armed: false };
    }
  };
}

/** What the waker did with one event: the waits it ended, and whether each Task heard it. */
export interface WakerResult {
  woken: (Omit<WaitTarget, 'taskToken'> & { answered: boolean })[];
}

const isGone = (error: unknown) =>
  error instanceof TaskTimedOut ||
  error instanceof TaskDoesNotExist ||
  error instanceof InvalidToken ||
  ['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken'].includes(
    (error as { name?: string } | null)?.name ?? '',
  );

export interface WakerHandlerDeps {
  registry: WaitRegistry;
  sfn: Pick<SFNClient, 'send'>;
  clock: Pick<Clock, 'now'>;
  log: Logger;
}

/** The waker Lambda: an EventBridge event in, SendTaskSuccess(WAKE) to each wait it ends. */
export function createWakerHandler(deps: WakerHandlerDeps) {
  return async (event: DrsEvent): Promise<WakerResult> => {
    const woken: WakerResult['woken'] = [];
    const waker = createWaker({
      registry: deps.registry,
      wake: async ({ runId, wave, taskToken }) => {
        let answered = false;
        if (!taskToken) {
          // Registered by the launch, but no job poll wait stored its token yet: the poll reads it.
          deps.log.info({ runId, wave, eventId: event.id }, 'no waiting Task to wake');
        } else {
          try {
            const wake = { type: 'WAKE', now: deps.clock.now(), wave };
            await deps.sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(wake) }));
            answered = true;
          } catch (err) {
            if (isGone(err)) {
              // The wait ended already (its poll came first) or the execution moved on: nothing to end.
              deps.log.info(
                { runId, wave, eventId: event.id, error: (err as Error).name },
                'the waiting Task is gone',
              );
            } else {
              // Not thrown: a retried event would find its id seen and wake nothing, and the other
              // waits this event ends still get their answer. The wave polls, as without events.
              deps.log.error({ err, runId, wave, eventId: event.id }, 'the waiting Task could not be woken');
            }
          }
        }
        woken.push({ runId, wave, answered });
      },
    });
    await waker(event);
    if (woken.length > 0) deps.log.info({ eventId: event.id, woken }, 'woke waits');
    return { woken };
  };
}
