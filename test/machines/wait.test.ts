import { describe, expect, it } from 'vitest';
import { afterAttempt, freshWait, waitDelay, waitingState } from '../../machines/wave/wait.js';

const T0 = 1_000_000;
const context = {
  now: T0,
  polling: { intervalMs: 30_000, maxMs: 300_000 },
  jitterSeed: 0,
  pollAttempt: 0,
  errorStreak: 0,
  retryAfterMs: null as number | null,
  deadlineAt: null as number | null,
};
const delay = waitDelay<typeof context>((c) => [c.deadlineAt]);

describe('the one wait loop', () => {
  it('waits the poll interval, less at most 10% jitter', () => {
    const ms = delay({ context });
    expect(ms).toBeLessThanOrEqual(30_000);
    expect(ms).toBeGreaterThanOrEqual(27_000);
  });

  it('never sleeps past a deadline of its state', () => {
    expect(delay({ context: { ...context, deadlineAt: T0 + 5_000 } })).toBe(5_000);
    expect(delay({ context: { ...context, deadlineAt: T0 - 1 } })).toBe(0);
  });

  it("honours AWS's retry-after hint, even above polling.max", () => {
    expect(delay({ context: { ...context, retryAfterMs: 600_000 } })).toBe(600_000);
  });

  it('backs off on consecutive errors and starts fresh after a success or a new loop', () => {
    const failed = afterAttempt(context, { retryAfterMs: 40_000 });
    expect(failed).toEqual({ errorStreak: 1, retryAfterMs: 40_000, pollAttempt: 1 });
    const again = afterAttempt({ ...context, ...failed }, {});
    expect(again).toEqual({ errorStreak: 2, retryAfterMs: null, pollAttempt: 2 });
    expect(delay({ context: { ...context, ...again } })).toBeGreaterThan(100_000);
    expect(afterAttempt({ ...context, ...again }, undefined)).toEqual({
      errorStreak: 0,
      retryAfterMs: null,
      pollAttempt: 3,
    });
    expect(freshWait).toEqual({ errorStreak: 0, retryAfterMs: null });
  });

  it('builds a waiting state that ends on its delay and at once on WAKE', () => {
    expect(waitingState({ delay: 'drainPoll', next: 'measuring' })).toEqual({
      meta: { waiting: true },
      after: { drainPoll: 'measuring' },
      on: { WAKE: { target: 'measuring', actions: 'wake' } },
    });
  });
});
