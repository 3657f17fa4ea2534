// The last look before a call that crosses the point of no return: a stop the operator asked for
// (SIGINT, SIGTERM) that the drive loop has not acted on yet must still win. Without this look a
// signal that arrives during a fast precheck was handled after StartFailbackLaunch went out.

import { isMutating } from './operations.js';

/**
 * The mutating operations of the catalogue (src/aws/operations.ts) that change the primary side:
 * the point of no return. A pending stop refuses them; other mutating calls (StopFailback in a
 * backout, Publish) must still go out so the run can end cleanly.
 */
const POINT_OF_NO_RETURN_OPERATIONS: ReadonlySet<string> = new Set(
  ['StartFailbackLaunch', 'StartRecovery'].filter((name) => isMutating(name)),
);

export function crossesPointOfNoReturn(operation: string): boolean {
  return POINT_OF_NO_RETURN_OPERATIONS.has(operation);
}

/** Thrown instead of sending: nothing left the process, so the wave ends before its point of no return. */
export class StopRequestedError extends Error {
  override readonly name = 'StopRequestedError';
  constructor(readonly operation: string) {
    super(`not sent: the operator asked to stop before ${operation} (SIGINT/SIGTERM)`);
  }
}

/**
 * Called by the instrumented clients before each call, before its `aws.request` is emitted. A
 * returned promise is awaited; throwing (or rejecting) refuses the call.
 */
export type BeforeSend = (operation: string) => undefined | Promise<void>;

// Captured at load: a test's fake timers must not stop the gate from yielding to the real loop.
const realSetImmediate = globalThis.setImmediate;

export interface StopGate {
  /** A stop was asked for (a signal arrived). */
  requestStop(): void;
  readonly stopRequested: boolean;
  /** A call past the point of no return was sent (in this process or, from the log, an earlier one). */
  readonly pointOfNoReturnSent: boolean;
  /** Notes that a call past the point of no return was sent (from the event log of a resumed run). */
  markSent(operation: string): void;
  beforeSend: BeforeSend;
}

/**
 * Until the first call past the point of no return is sent, a requested stop refuses it. Once one
 * was sent, calls go through: stopping then is the operator's choice (pause or back out), made by
 * the drive loop, and a backout's own calls must never be held back.
 */
export function createStopGate(): StopGate {
  let stopRequested = false;
  let sent = false;
  const markSent = (operation: string) => {
    if (crossesPointOfNoReturn(operation)) sent = true;
  };
  return {
    requestStop: () => {
      stopRequested = true;
    },
    get stopRequested() {
      return stopRequested;
    },
    get pointOfNoReturnSent() {
      return sent;
    },
    markSent,
    beforeSend: (operation) => {
      if (!crossesPointOfNoReturn(operation) || sent) {
        if (crossesPointOfNoReturn(operation)) sent = true;
        return undefined;
      }
      if (stopRequested) throw new StopRequestedError(operation);
      // Real event-loop turns first: a signal the process already received but whose
      // handler has not run yet (a fast precheck never yields) is handled before the decision.
      // Two turns: from a microtask outside the check phase one turn may end before the poll phase
      // that delivers the signal.
      return new Promise<void>((resolve, reject) => {
        realSetImmediate(() =>
          realSetImmediate(() => {
            if (stopRequested && !sent) {
              reject(new StopRequestedError(operation));
              return;
            }
            sent = true;
            resolve();
          }),
        );
      });
    },
  };
}
