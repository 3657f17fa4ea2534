// The web server loads only when a view is served: hono is imported by src/web/ alone, src/web/
// only by src/cli/web.ts, and that one only lazily (`await import`) by the commands with --web.
// The library (src/index.ts and what it loads) never reaches it; test/package checks the same on
// the packed package.
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importSpecifiers, sourceFiles } from '../support/import-graph.js';

const ROOT = join(import.meta.dirname, '../..');
const files = sourceFiles(join(ROOT, 'src')).map((path) => ({
  file: relative(ROOT, path),
  imports: importSpecifiers(readFileSync(path, 'utf8')),
}));

describe('the web view loads only with --web', () => {
  it('reads the imports of src/ (non-vacuous)', () => {
    expect(files.find((f) => f.file === 'src/web/server.ts')?.imports).toContain('hono');
    expect(files.find((f) => f.file === 'src/cli/web.ts')?.imports).toContain('../web/index.js');
  });

  it('hono is imported by src/web/ only', () => {
    const users = files.filter((f) => f.imports.some((s) => /^(hono|@hono\/)/.test(s))).map((f) => f.file);
    expect(users.every((f) => f.startsWith('src/web/'))).toBe(true);
  });

  it('src/web/ is imported statically by src/cli/web.ts only, which nothing imports statically', () => {
    const intoWeb = files
      .filter((f) => !f.file.startsWith('src/web/'))
      .filter((f) => f.imports.some((s) => /(^|\/)web\/(index|server|page|feed)\.js$/.test(s)))
      .map((f) => f.file);
    expect(intoWeb).toEqual(['src/cli/web.ts']);
    const intoCliWeb = files.filter((f) =>
      f.imports.some((s) => s === './web.js' || s === '../web.js' || s.endsWith('/cli/web.js')),
    );
    expect(intoCliWeb.map((f) => f.file)).toEqual([]);
  });

  it('src/web/ does not import the CLI', () => {
    const web = files.filter((f) => f.file.startsWith('src/web/'));
    expect(web.length).toBeGreaterThanOrEqual(4);
    expect(web.filter((f) => f.imports.some((s) => s.includes('/cli/')))).toEqual([]);
  });
});
