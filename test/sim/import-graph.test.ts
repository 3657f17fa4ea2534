import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importCycles, importGraph, importSpecifiers, sourceFiles } from '../support/import-graph.js';

const root = join(import.meta.dirname, '../..');
const graph = importGraph(sourceFiles(join(root, 'src')), root);
const inSim = (file: string) => file.startsWith('src/sim/');

describe('the import graph of src/', () => {
  it('reads every kind of static import, across lines, type-only ones included', () => {
    const text = [
      "import { a } from './a.js';",
      'import {',
      '  b,',
      '  type B,',
      "} from './b.js';",
      "import type { C } from './c.js';",
      "export { d } from './d.js';",
      "export * from './e.js';",
      "import './f.js';",
      "import { z } from 'zod';",
      "const s = 'not an import from \\'./g.js\\'';",
    ].join('\n');
    expect(importSpecifiers(text)).toEqual([
      './a.js',
      './b.js',
      './c.js',
      './d.js',
      './e.js',
      './f.js',
      'zod',
    ]);
  });

  it('finds the edges the files declare', () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(graph.get('src/sim/clients.ts')).toContain('src/sim/world.ts');
    // A multi-line import: the domain files import the lookup helpers they share.
    const jobs = readFileSync(join(root, 'src/sim/jobs.ts'), 'utf8');
    expect(jobs).toMatch(/import \{\n[^}]*\} from '\.\/faults\.js'/);
    expect(graph.get('src/sim/jobs.ts')).toContain('src/sim/faults.ts');
  });

  it('finds cycles when there are some', () => {
    const looped = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a', 'd']],
      ['d', []],
      ['e', ['e']],
    ]);
    expect(importCycles(looped)).toEqual([['a', 'b', 'c'], ['e']]);
    expect(importCycles(new Map([...looped, ['c', ['d']], ['e', []]]))).toEqual([]);
  });

  it('has no cycle through src/sim: the world is below the domain files, the dispatcher above', () => {
    expect(importCycles(graph).filter((cycle) => cycle.some(inSim))).toEqual([]);
  });
});

describe('tests import the code under test, not the benchmarks', () => {
  const tests = importGraph(sourceFiles(join(root, 'test')), root);

  it('reads the test tree', () => {
    expect(tests.get('test/resume/crash.test.ts')).toContain('test/support/crash/proof.ts');
  });

  it('no file under test/ imports from bench/ (bench/ imports the shared harness from test/support/)', () => {
    const fromBench = [...tests].flatMap(([file, targets]) =>
      targets.filter((t) => t.startsWith('bench/')).map((t) => `${file} -> ${t}`),
    );
    expect(fromBench).toEqual([]);
  });
});
