import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  generatedSections,
  readGeneratedSection,
  updateLifecycleDoc,
} from '../../src/diagram/lifecycle-doc.js';

const doc = readFileSync(join(import.meta.dirname, '../../docs/lifecycle.md'), 'utf8');

describe('docs/lifecycle.md', () => {
  for (const [name, content] of Object.entries(generatedSections())) {
    it(`${name} matches the machine (run "npm run docs:lifecycle" after changing a machine)`, () => {
      expect(readGeneratedSection(doc, name)).toBe(content);
    });
  }

  it('marks the point of no return in the wave diagram', () => {
    expect(readGeneratedSection(doc, 'wave-diagram')).toContain('class startingFailback pointOfNoReturn');
  });

  it('detects drift: a document with a stale diagram is rewritten', () => {
    const stale = doc.replace(
      'class startingFailback pointOfNoReturn',
      'class monitoringJob pointOfNoReturn',
    );
    expect(stale).not.toBe(doc);
    expect(updateLifecycleDoc(stale)).not.toBe(stale);
  });
});
