// The one wait loop. Every timed wait of a machine (a poll of jobs, a verification, a throttled
// call sent again, a drain...) is a state built by `waitingState`: it sleeps for a named delay
// built by `waitDelay` (the plan's poll interval, backed off on errors, AWS's retry-after hint
// honoured, never past a deadline) and ends at once on `WAKE`, which a restored run sends
// because a restored snapshot does not re-arm its timers. `afterAttempt` and `freshWait` keep the
// bookkeeping the delay is computed from, so a restored run re-derives the same waits.
import { capToDeadline, pollDelayMs } from '../backoff.js';
import type { WaitBookkeeping } from './contract.js';

/** State meta of a wait step (typed with the rest of the state meta in machines/lifecycle.ts). */
export const WAITING_META = { waiting: true } as const;

/**
 * A state that waits for `delay`, then goes to `next` (usually the state that asks AWS again).
 * `WAKE` goes there at once and re-anchors `now` (the machine's `wake` action). `wokenByEvents`:
 * DRS's events send that WAKE early (the job poll wait).
 */
export function waitingState<const D extends string, const T extends string>(wait: {
  delay: D;
  next: T;
  wokenByEvents?: true;
}) {
  return {
    meta: wait.wokenByEvents ? { ...WAITING_META, wokenByEvents: true as const } : WAITING_META,
    after: { [wait.delay]: wait.next } as { [K in D]: T },
    on: { WAKE: { target: wait.next, actions: 'wake' as const } },
  };
}

/**
 * A named delay: the poll delay from the bookkeeping, capped by the deadlines that apply in the
 * waiting state so a deadline is acted on in time.
 */
export function waitDelay<C extends WaitBookkeeping>(
  deadlines: (context: C) => ReadonlyArray<number | null>,
) {
  return ({ context }: { context: C }): number =>
    capToDeadline(
      pollDelayMs({
        intervalMs: context.polling.intervalMs,
        maxMs: context.polling.maxMs,
        errorStreak: context.errorStreak,
        retryAfterMs: context.retryAfterMs,
        jitterSeed: context.jitterSeed,
        attempt: context.pollAttempt,
      }),
      context.now,
      deadlines(context),
    );
}

/** Bookkeeping after one attempt: an error grows the back-off, AWS's retry-after hint is kept. */
export function afterAttempt(
  context: Pick<WaitBookkeeping, 'errorStreak' | 'pollAttempt'>,
  failure: { retryAfterMs?: number } | undefined,
): Pick<WaitBookkeeping, 'errorStreak' | 'retryAfterMs' | 'pollAttempt'> {
  return {
    errorStreak: failure ? context.errorStreak + 1 : 0,
    retryAfterMs: failure?.retryAfterMs ?? null,
    pollAttempt: context.pollAttempt + 1,
  };
}

/** Bookkeeping when a new loop begins: errors of an earlier loop do not slow it down. */
export const freshWait: Pick<WaitBookkeeping, 'errorStreak' | 'retryAfterMs'> = {
  errorStreak: 0,
  retryAfterMs: null,
};

/** `now` after a WAKE: the caller's clock, read when the run was restored. */
export function wokenAt(
  context: Pick<WaitBookkeeping, 'now'>,
  event: { type: string; now?: number },
): number {
  return event.type === 'WAKE' && event.now !== undefined ? event.now : context.now;
}
