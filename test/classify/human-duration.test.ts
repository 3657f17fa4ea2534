import { describe, expect, it } from 'vitest';
import { humanDuration } from '../../src/human-duration.js';

describe('humanDuration: the one format for people', () => {
  it.each([
    [0, '0s'],
    [499, '0s'],
    [12_000, '12s'],
    [59_499, '59s'],
    [59_500, '1m 00s'],
    [39 * 60_000 + 27_000, '39m 27s'],
    [3_599_000, '59m 59s'],
    [3_600_000, '1h 00m'],
    [2 * 3_600_000 + 5 * 60_000 + 59_000, '2h 05m'],
    [26 * 3_600_000, '26h 00m'],
    [-90_000, '-1m 30s'],
    [Number.NaN, 'unknown'],
  ])('%d ms -> %s', (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });
});
