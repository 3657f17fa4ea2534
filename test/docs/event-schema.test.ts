import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EVENT_FORMAT_VERSION, renderEventJsonSchema } from '../../src/events/schema.js';

const doc = readFileSync(join(import.meta.dirname, '../../docs/event-schema.json'), 'utf8');

describe('docs/event-schema.json', () => {
  it('is generated from src/events/schema.ts (run "npm run docs:events" after changing an event)', () => {
    expect(doc).toBe(renderEventJsonSchema());
  });

  it('states the event format version', () => {
    expect(JSON.parse(doc)['x-event-format-version']).toBe(EVENT_FORMAT_VERSION);
  });

  it('detects drift: a schema missing a field is not the generated one', () => {
    const stale = doc.replace('"pointOfNoReturn"', '"pointOfNoReturnn"');
    expect(stale).not.toBe(doc);
    expect(stale).not.toBe(renderEventJsonSchema());
  });
});
