// docs/embedding.md stays true: every JavaScript or TypeScript block on the page is quoted from
// an example that runs or type-checks (examples/embedding/embed.ts with the project;
// consumer.mjs and consumer.ts in a project that installed the packed package).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const lines = (text: string) =>
  text
    .split('\n')
    .map((line) => line.trim())
    // A quote may leave out the example's own full-line comments.
    .filter((line) => line !== '' && !line.startsWith('// '));

const EXAMPLES = [
  'examples/embedding/embed.ts',
  'examples/embedding/consumer.mjs',
  'examples/embedding/consumer.ts',
];
const blocks = [...read('docs/embedding.md').matchAll(/```(js|ts)\n([\s\S]*?)```/g)].map((m) => m[2] ?? '');

/** Whether `needle` appears as consecutive lines of `haystack`. */
function contains(haystack: string[], needle: string[]): boolean {
  for (let i = 0; i + needle.length <= haystack.length; i++) {
    if (needle.every((line, j) => haystack[i + j] === line)) return true;
  }
  return false;
}

describe('docs/embedding.md', () => {
  it('has code blocks to check', () => {
    expect(blocks.length).toBeGreaterThan(6);
  });

  it.each(blocks.map((b, i) => [i + 1, b] as const))(
    'block %i is quoted from a checked example',
    (_, block) => {
      const found = EXAMPLES.some((path) => contains(lines(read(path)), lines(block)));
      expect(found, block).toBe(true);
    },
  );

  it('detects a block that no example holds', () => {
    expect(EXAMPLES.some((path) => contains(lines(read(path)), ['const plan: Plan = loadPlan(path);']))).toBe(
      false,
    );
  });
});
