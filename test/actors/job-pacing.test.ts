import { describe, expect, it } from 'vitest';
import { batchesThatFit } from '../../src/actors/job-pacing.js';

const ids = (n: number) => Array.from({ length: n }, (_, i) => i);
const sizes = (b: { batches: number[][] }) => b.batches.map((x) => x.length);

describe('batchesThatFit', () => {
  const limits = { maxServers: 100, maxInFlight: 500, maxJobs: 20 };

  it('splits a wave into jobs of maxServers', () => {
    expect(sizes(batchesThatFit(ids(250), limits, { servers: 0, jobs: 0 }))).toEqual([100, 100, 50]);
    expect(batchesThatFit(ids(250), limits, { servers: 0, jobs: 0 }).waiting).toBe(0);
  });

  it('stops at the in-flight limit, taking a smaller last batch when only that much is free', () => {
    const out = batchesThatFit(ids(700), limits, { servers: 30, jobs: 1 });
    expect(sizes(out)).toEqual([100, 100, 100, 100, 70]);
    expect(out.waiting).toBe(230);
  });

  it('stops at the concurrent job limit', () => {
    const out = batchesThatFit(
      ids(50),
      { maxServers: 10, maxInFlight: 500, maxJobs: 3 },
      { servers: 0, jobs: 1 },
    );
    expect(sizes(out)).toEqual([10, 10]);
    expect(out.waiting).toBe(30);
  });

  it('starts nothing when nothing is free', () => {
    expect(batchesThatFit(ids(5), limits, { servers: 500, jobs: 5 })).toEqual({ batches: [], waiting: 5 });
    expect(batchesThatFit(ids(5), limits, { servers: 0, jobs: 20 })).toEqual({ batches: [], waiting: 5 });
    expect(batchesThatFit([], limits, { servers: 0, jobs: 0 })).toEqual({ batches: [], waiting: 0 });
  });
});
