// Rewrites the generated sections of docs/lifecycle.md: `npm run docs:lifecycle`.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { updateLifecycleDoc } from './lifecycle-doc.js';

const file = join(import.meta.dirname, '../../docs/lifecycle.md');
writeFileSync(file, updateLifecycleDoc(readFileSync(file, 'utf8')));
process.stdout.write(`updated ${file}\n`);
