// `drs-failback export sfn`: the Step Functions definitions, generated from the machines.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateAslFiles } from '../../sfn/asl.js';
import { type CliIO, writeLine } from '../io.js';
import type { ExportOptions } from '../program.js';

/** Writes `plan.asl.json` and `wave.asl.json` into `options.out`; returns the paths written. */
export async function exportSfn(options: ExportOptions, io: CliIO): Promise<string[]> {
  await mkdir(options.out, { recursive: true });
  const written: string[] = [];
  for (const [name, text] of Object.entries(generateAslFiles())) {
    const path = join(options.out, name);
    await writeFile(path, text);
    written.push(path);
    writeLine(io.stdout, path);
  }
  return written;
}
