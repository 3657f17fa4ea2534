import type { Clock } from '../clock.js';

export const DEFAULT_START_AT = '2026-01-01T00:00:00Z';

// Captured at load time: the clock yields to the real event loop even when a test has
// installed fake timers afterwards (those would otherwise never fire on their own).
const realSetImmediate = globalThis.setImmediate;
const realSetTimeout = globalThis.setTimeout;

export interface RunOptions {
  /** Virtual seconds per real second. Absent: no real waiting at all. */
  speed?: number;
  /** How many timer jumps before the run is declared runaway. Default 1,000,000. */
  maxSteps?: number;
  /** Real event-loop turns given to pending promises before timers fire. Default 3. */
  idleTurns?: number;
  /** Extra real turns granted when nothing is scheduled and work has not settled. Default 200. */
  stallTurns?: number;
}

interface Timer {
  id: number;
  at: number;
  seq: number;
  fn: () => void;
}

export class SimulationStalledError extends Error {
  override readonly name = 'SimulationStalledError';
}

/**
 * A clock whose time moves only when `run()` (or `advanceBy`/`advanceTo`) moves it.
 * Timers fire in order of due time, then of scheduling.
 */
export class VirtualClock implements Clock {
  #now: number;
  #seq = 0;
  #timers = new Map<number, Timer>();
  // Min-heap on (at, seq); cleared timers stay in it until they surface and are skipped.
  #heap: Timer[] = [];

  constructor(startAt: number | string | Date = DEFAULT_START_AT) {
    this.#now = typeof startAt === 'number' ? startAt : new Date(startAt).getTime();
    if (!Number.isFinite(this.#now)) throw new Error(`VirtualClock: invalid start time ${String(startAt)}`);
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): number {
    const seq = ++this.#seq;
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const timer = { id: seq, at: this.#now + delay, seq, fn };
    this.#timers.set(seq, timer);
    heapPush(this.#heap, timer);
    return seq;
  }

  clearTimeout(handle: unknown): void {
    if (typeof handle === 'number') this.#timers.delete(handle);
  }

  /** Number of scheduled timers. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** When the next timer is due, or undefined when none is scheduled. */
  nextTimerAt(): number | undefined {
    return this.#next()?.at;
  }

  /** Moves time forward to `at`, firing every timer due on the way, synchronously. */
  advanceTo(at: number): void {
    for (;;) {
      const next = this.#next();
      if (!next || next.at > at) break;
      this.#now = Math.max(this.#now, next.at);
      this.#fire(next);
    }
    this.#now = Math.max(this.#now, at);
  }

  advanceBy(ms: number): void {
    this.advanceTo(this.#now + ms);
  }

  /**
   * Drives virtual time until `work` settles: lets pending promises run, fires due timers
   * one at a time, and jumps to the next timer when nothing else can happen. Rejects when
   * nothing is scheduled and the work still has not settled (a stall), instead of spinning.
   */
  async run<T>(work: Promise<T>, opts: RunOptions = {}): Promise<T> {
    const maxSteps = opts.maxSteps ?? 1_000_000;
    const idleTurns = opts.idleTurns ?? 3;
    const stallTurns = opts.stallTurns ?? 200;
    const speed = opts.speed;
    if (speed !== undefined && !(speed > 0))
      throw new Error(`VirtualClock.run: speed must be > 0, got ${speed}`);

    let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
    work.then(
      (value) => {
        outcome = { ok: true, value };
      },
      (error: unknown) => {
        outcome = { ok: false, error };
      },
    );
    const finish = (): T => {
      if (!outcome) throw new Error('unreachable');
      if (outcome.ok) return outcome.value;
      throw outcome.error;
    };

    let steps = 0;
    let stalled = 0;
    for (;;) {
      await turns(idleTurns);
      if (outcome) return finish();
      const next = this.#next();
      if (!next) {
        // Real I/O (a file write, say) may still be in flight: give it bounded real time.
        if (stalled++ >= stallTurns) {
          throw new SimulationStalledError(
            `simulation stalled: no pending timer and the run has not finished (virtual time ${new Date(this.#now).toISOString()})`,
          );
        }
        if (stalled > 20) await realDelay(5);
        continue;
      }
      stalled = 0;
      if (next.at > this.#now) {
        if (++steps > maxSteps) {
          throw new SimulationStalledError(
            `simulation exceeded maxSteps (${maxSteps}) timer jumps without the run finishing`,
          );
        }
        if (speed !== undefined) await lookedUpDelay((next.at - this.#now) / speed);
        this.#now = next.at;
      }
      this.#fire(next);
    }
  }

  #next(): Timer | undefined {
    for (;;) {
      const top = this.#heap[0];
      if (!top || this.#timers.has(top.id)) return top;
      heapPop(this.#heap);
    }
  }

  #fire(timer: Timer): void {
    this.#timers.delete(timer.id);
    if (this.#heap[0] === timer) heapPop(this.#heap);
    timer.fn();
  }
}

const before = (a: Timer, b: Timer): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq);

function heapPush(heap: Timer[], timer: Timer): void {
  heap.push(timer);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const p = heap[parent] as Timer;
    if (!before(timer, p)) break;
    heap[i] = p;
    heap[parent] = timer;
    i = parent;
  }
}

function heapPop(heap: Timer[]): void {
  const last = heap.pop();
  if (!last || heap.length === 0) return;
  heap[0] = last;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = i;
    if (l < heap.length && before(heap[l] as Timer, heap[m] as Timer)) m = l;
    if (r < heap.length && before(heap[r] as Timer, heap[m] as Timer)) m = r;
    if (m === i) return;
    const tmp = heap[i] as Timer;
    heap[i] = heap[m] as Timer;
    heap[m] = tmp;
    i = m;
  }
}

function turns(n: number): Promise<void> {
  let p = Promise.resolve();
  for (let i = 0; i < n; i++) p = p.then(() => new Promise<void>((resolve) => realSetImmediate(resolve)));
  return p;
}

function realDelay(ms: number): Promise<void> {
  return new Promise((resolve) => realSetTimeout(resolve, ms));
}

// The paced wait looks setTimeout up on each call so tests can drive it with fake timers.
function lookedUpDelay(ms: number): Promise<void> {
  return new Promise((resolve) => globalThis.setTimeout(resolve, ms));
}
