// Rewrites docs/event-schema.json from src/events/schema.ts: `npm run docs:events`.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderEventJsonSchema } from './schema.js';

const file = join(import.meta.dirname, '../../docs/event-schema.json');
writeFileSync(file, renderEventJsonSchema());
process.stdout.write(`updated ${file}\n`);
