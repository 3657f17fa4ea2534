// Poll delays, computed from context alone so a restored run re-derives the same waits.

/** A deterministic fraction in [0, 1) from a seed and an attempt number (integer hash, no Math.random). */
export function jitterFraction(seed: number, attempt: number): number {
  let h = (seed ^ Math.imul(attempt + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  return h / 0x1_0000_0000;
}

export interface PollDelayParams {
  intervalMs: number;
  maxMs: number;
  /** Consecutive failed polls (throttling, 5xx, eventual consistency): grows the delay exponentially. */
  errorStreak: number;
  /** AWS's own hint from a ThrottlingException, honoured even above `maxMs`. */
  retryAfterMs: number | null;
  jitterSeed: number;
  attempt: number;
}

/**
 * Steady polls come every `intervalMs`; each consecutive error doubles it up to `maxMs`.
 * Jitter takes up to 10% off, so many runs started together drift apart but never poll
 * later than planned (late polls would add to the wave's duration).
 */
export function pollDelayMs(p: PollDelayParams): number {
  const exponent = Math.min(p.errorStreak, 30);
  const base = Math.min(p.maxMs, p.intervalMs * 2 ** exponent);
  const jittered = Math.round(base * (1 - 0.1 * jitterFraction(p.jitterSeed, p.attempt)));
  return Math.max(jittered, p.retryAfterMs ?? 0, 1);
}

/** Never sleep past a deadline: wake up at it, so it is acted on in time. */
export function capToDeadline(delayMs: number, now: number, deadlines: ReadonlyArray<number | null>): number {
  let capped = delayMs;
  for (const deadline of deadlines) {
    if (deadline !== null) capped = Math.min(capped, Math.max(0, deadline - now));
  }
  return capped;
}
