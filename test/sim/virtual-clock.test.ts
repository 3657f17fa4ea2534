import { afterEach, describe, expect, it, vi } from 'vitest';
import { SimulationStalledError, VirtualClock } from '../../src/sim/index.js';
import { sleep } from './helpers.js';

const START = Date.parse('2026-01-01T00:00:00Z');

describe('VirtualClock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('starts at 2026-01-01T00:00:00Z by default, or at the given time', () => {
    expect(new VirtualClock().now()).toBe(START);
    expect(new VirtualClock('2030-05-01T12:00:00Z').now()).toBe(Date.parse('2030-05-01T12:00:00Z'));
    expect(() => new VirtualClock('not a date')).toThrow(/invalid start time/);
  });

  it('fires timers in order of time, then of scheduling', () => {
    const clock = new VirtualClock();
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('b@20'), 20);
    clock.setTimeout(() => fired.push('a@10'), 10);
    clock.setTimeout(() => fired.push('c@20'), 20);
    const cleared = clock.setTimeout(() => fired.push('cleared'), 5);
    clock.setTimeout(() => fired.push('d@0'), 0);
    clock.clearTimeout(cleared);
    clock.advanceBy(20);
    expect(fired).toEqual(['d@0', 'a@10', 'b@20', 'c@20']);
    expect(clock.now()).toBe(START + 20);
    expect(clock.pendingTimers).toBe(0);
  });

  it('run() jumps straight to the next timer without real waiting', async () => {
    const clock = new VirtualClock();
    const seen: number[] = [];
    const work = (async () => {
      for (let i = 0; i < 5; i++) {
        await sleep(clock, 3_600_000);
        seen.push(clock.now() - START);
      }
      return 'done';
    })();
    const realStart = performance.now();
    await expect(clock.run(work)).resolves.toBe('done');
    expect(seen).toEqual([1, 2, 3, 4, 5].map((h) => h * 3_600_000));
    expect(performance.now() - realStart).toBeLessThan(2_000);
  });

  it('run() lets timers scheduled at the same instant by callbacks fire before moving on', async () => {
    const clock = new VirtualClock();
    const order: string[] = [];
    clock.setTimeout(() => {
      order.push('outer');
      clock.setTimeout(() => order.push('inner@0'), 0);
    }, 100);
    clock.setTimeout(() => order.push('later'), 200);
    await clock.run(sleep(clock, 300));
    expect(order).toEqual(['outer', 'inner@0', 'later']);
  });

  it('run() propagates the rejection of the work', async () => {
    const clock = new VirtualClock();
    const work = sleep(clock, 1000).then(() => {
      throw new Error('boom');
    });
    await expect(clock.run(work)).rejects.toThrow('boom');
  });

  it('with speed, really waits delta/speed before each jump (fake real timers)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const clock = new VirtualClock();
    let done = false;
    // 60 virtual seconds per real second: one virtual minute takes one real second.
    const run = clock.run(sleep(clock, 60_000), { speed: 60 }).then(() => {
      done = true;
    });
    // Let run() reach its paced wait (it yields to the real event loop first).
    while (vi.getTimerCount() === 0) await new Promise((resolve) => setImmediate(resolve));
    await vi.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    expect(clock.now()).toBe(START);
    await vi.advanceTimersByTimeAsync(1);
    await run;
    expect(done).toBe(true);
    expect(clock.now()).toBe(START + 60_000);
  });

  it('rejects a bad speed', async () => {
    await expect(new VirtualClock().run(Promise.resolve(1), { speed: 0 })).rejects.toThrow(/speed/);
  });

  it('detects a stall: no pending timer and the work never settles', async () => {
    const clock = new VirtualClock();
    const never = new Promise<never>(() => {});
    const error = await clock.run(never, { stallTurns: 5 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SimulationStalledError);
    expect((error as Error).message).toMatch(
      /simulation stalled: no pending timer and the run has not finished/,
    );
  });

  it('gives up after maxSteps jumps instead of spinning forever', async () => {
    const clock = new VirtualClock();
    const tick = () => {
      clock.setTimeout(tick, 1000);
    };
    tick();
    await expect(clock.run(new Promise(() => {}), { maxSteps: 50 })).rejects.toThrow(
      /exceeded maxSteps \(50\)/,
    );
    expect(clock.now()).toBe(START + 50_000);
  });

  it('drives xstate-like code that mixes promises and timers deterministically', async () => {
    const trace = async () => {
      const clock = new VirtualClock();
      const log: string[] = [];
      const worker = async (name: string, every: number) => {
        for (let i = 0; i < 3; i++) {
          await sleep(clock, every);
          await Promise.resolve();
          log.push(`${name}${i}@${clock.now() - START}`);
        }
      };
      await clock.run(Promise.all([worker('a', 700), worker('b', 1000), worker('c', 700)]));
      return log;
    };
    const first = await trace();
    expect(first).toEqual(await trace());
    expect(first.slice(0, 3)).toEqual(['a0@700', 'c0@700', 'b0@1000']);
  });
});
