import { describe, expect, it } from 'vitest';
import { parseIsoDuration } from '../../src/classify/duration.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('parseIsoDuration', () => {
  it.each([
    ['PT30S', 30 * S],
    ['PT0S', 0],
    ['PT1M30S', 90 * S],
    ['PT2H', 2 * H],
    ['P1DT2H', D + 2 * H],
    ['P1D', D],
    ['P2W', 14 * D],
    ['PT1.5S', 1500],
    ['PT0,25S', 250],
    ['pt45s', 45 * S],
    [' PT10M ', 10 * M],
    ['P1Y', 365 * D],
    ['P1M', 28 * D],
    ['P1MT1M', 28 * D + M],
    ['P1Y2M3DT4H5M6.5S', 365 * D + 56 * D + 3 * D + 4 * H + 5 * M + 6500],
  ])('%s is %d ms', (text, ms) => {
    expect(parseIsoDuration(text)).toBe(ms);
  });

  it.each([
    '',
    'P',
    'PT',
    'P1DT',
    '30S',
    'T30S',
    'PT-5S',
    'PT5',
    'PT5X',
    'P1H',
    'PT1D',
    'PT1S1M',
    '30 seconds',
    'PT.5S',
  ])('%o is not a duration', (text) => {
    expect(parseIsoDuration(text)).toBeUndefined();
  });
});
