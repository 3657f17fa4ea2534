// Run in the consumer project: `node loaded-modules.mjs <specifier>` imports the specifier and
// prints, as one JSON array, every module file that loaded (ES modules through a loader hook that
// writes each URL synchronously to a file, CommonJS from require's cache).
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const log = join(mkdtempSync(join(tmpdir(), 'loaded-')), 'esm.txt');
const hooks = `import { appendFileSync } from 'node:fs';
let log;
export function initialize(data) { log = data.log; }
export async function load(url, context, next) { appendFileSync(log, url + '\\n'); return next(url, context); }`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`, { data: { log } });

await import(process.argv[2]);
const esm = readFileSync(log, 'utf8').split('\n').filter(Boolean);
const cjs = Object.keys(createRequire(import.meta.url).cache);
process.stdout.write(JSON.stringify([...esm, ...cjs]));
