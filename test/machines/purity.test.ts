import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const dir = join(import.meta.dirname, '../../machines');
const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));

describe('machines/ is pure', () => {
  it('has machine files to check', () => {
    expect(files.length).toBeGreaterThanOrEqual(4);
  });
  for (const file of files) {
    const text = readFileSync(join(dir, file), 'utf8');
    it(`${file} imports only xstate and its siblings`, () => {
      const imports = [...text.matchAll(/from\s+['"]([^'"]+)['"]/g)].map((m) => m[1]);
      const bad = imports.filter((i) => i !== 'xstate' && !i?.startsWith('./'));
      expect(bad).toEqual([]);
    });
    it(`${file} reads no clock and no randomness`, () => {
      expect(text).not.toMatch(/Date\.now\(|new Date\(|Math\.random\(|setTimeout\(|process\./);
    });
  }
});
