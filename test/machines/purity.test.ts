import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const dir = join(import.meta.dirname, '../../machines');
const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));

/** Whether a relative import from `file` stays inside machines/. */
const staysInside = (file: string, spec: string) =>
  !relative(dir, resolve(dir, dirname(file), spec)).startsWith('..');

describe('machines/ is pure', () => {
  it('has machine files to check, in machines/wave/ too', () => {
    expect(files.length).toBeGreaterThanOrEqual(4);
    expect(files.some((f) => f.startsWith('wave/states'))).toBe(true);
  });
  for (const file of files) {
    const text = readFileSync(join(dir, file), 'utf8');
    it(`${file} imports only xstate and files of machines/`, () => {
      const imports = [...text.matchAll(/from\s+['"]([^'"]+)['"]/g)].map((m) => m[1] ?? '');
      const bad = imports.filter((i) => i !== 'xstate' && !(i.startsWith('.') && staysInside(file, i)));
      expect(bad).toEqual([]);
    });
    it(`${file} reads no clock and no randomness`, () => {
      expect(text).not.toMatch(/Date\.now\(|new Date\(|Math\.random\(|setTimeout\(|process\./);
    });
    it(`${file} holds one concept: at most 400 lines`, () => {
      expect(text.split('\n').length).toBeLessThanOrEqual(400);
    });
  }
});
