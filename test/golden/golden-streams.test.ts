import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, ROOT, tempStateDir } from '../cli/helpers.js';

/**
 * Every example's `--json` event stream, as recorded in test/golden/streams. A change that alters
 * what the product does must re-record them on purpose (`node scripts/record-golden.mjs`) and say
 * so in its note, so that every change of behaviour is visible in review.
 *
 * Fields listed here were added after the recording without changing behaviour; they are
 * compared separately (they must be present) and stripped before the byte-for-byte comparison.
 */
const ADDED_FIELDS: Record<string, readonly string[]> = {
  '*': ['seq'],
  check: ['data'],
  'approval.given': ['approver', 'via'],
  'approval.refused': ['approver', 'via'],
};

const STREAMS = join(ROOT, 'test/golden/streams');
const examples = readdirSync(STREAMS)
  .filter((f) => f.endsWith('.ndjson'))
  .map((f) => f.replace(/\.ndjson$/, ''))
  .sort();

function parse(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function strip(event: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...event };
  for (const field of [...(ADDED_FIELDS['*'] ?? []), ...(ADDED_FIELDS[String(event.type)] ?? [])]) {
    delete copy[field];
  }
  return copy;
}

describe('golden event streams of the examples', () => {
  it('covers every runnable example', () => {
    const runnable = readdirSync(join(ROOT, 'examples')).filter((name) => {
      const files = readdirSync(join(ROOT, 'examples', name));
      return files.includes('plan.yaml') && files.includes('scenario.yaml');
    });
    expect(examples).toEqual(runnable.sort());
  });

  for (const name of examples) {
    it(`${name}: the stream equals the recorded one`, async () => {
      const dir = join(ROOT, 'examples', name);
      const run = await cli([
        'run',
        join(dir, 'plan.yaml'),
        '--simulate',
        join(dir, 'scenario.yaml'),
        '--yes',
        '--json',
        '--state-dir',
        tempStateDir(),
      ]);
      const events = parse(run.stdout);
      // The added `data` of checks is compared on its own: every check carries an object.
      for (const check of events.filter((e) => e.type === 'check')) {
        expect(typeof check.data === 'object' && check.data !== null, JSON.stringify(check)).toBe(true);
      }
      const actual = events.map(strip);
      const expected = parse(readFileSync(join(STREAMS, `${name}.ndjson`), 'utf8')).map(strip);
      expect(actual.length).toBe(expected.length);
      expect(actual).toEqual(expected);
    });
  }
});
