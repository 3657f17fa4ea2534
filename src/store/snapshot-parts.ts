// Format 3 of snapshot.json keeps out of it what does not change from one step to the next, so
// that the bytes written per step do not grow with the steps before (docs/performance.md):
//   context.waves    the plan's waves (the whole fleet), already in plan.json:
//                    { "$ref": "plan.json#/waves" }
//   context.results  the results of the finished waves, each written once, atomically, to
//                    waves/<index>.json ({ runId, index, result }) before the first snapshot
//                    that refers to it: { "$ref": "waves/", "count": <n> }
//   output.waves     a finished run's output lists the same results: the same reference
// Loading puts both back, so every reader gets the snapshot format 2 held inline. A kill between
// a wave file and the snapshot leaves the older snapshot, which does not refer to the new file.
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Snapshot } from 'xstate';
import { fsyncDirSync, writeFileAtomicSync } from './atomic.js';
import { SnapshotFormatError } from './errors.js';
import { faultPoint } from './fault.js';

/** Where the plan's waves are: plan.json, member `waves`. */
export const PLAN_WAVES_REF = 'plan.json#/waves';
/** The folder of the finished waves' results, beside snapshot.json. */
export const WAVE_RESULTS_DIR = 'waves';

/** A wave result's file, relative to the run's folder. */
export const waveResultFile = (index: number): string => `${WAVE_RESULTS_DIR}/${index}.json`;

/** One file of the run's folder (a path relative to it), as text; throws when it cannot be read. */
export type PartReader = (relativePath: string) => string;

interface WaveResultFile {
  runId: string;
  index: number;
  result: unknown;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The same results: the same objects (as xstate hands them over), else the same content. */
function sameResults(a: unknown[], b: unknown[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  return a.every((r, i) => r === b[i]) || JSON.stringify(a) === JSON.stringify(b);
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Whether a snapshot (format 3, before rehydration) refers to files beside it. */
export function hasParts(snapshot: Record<string, unknown>): boolean {
  const { context, output } = snapshot;
  return (
    (isObject(context) && (isObject(context.waves) || isObject(context.results))) ||
    (isObject(output) && isObject(output.waves))
  );
}

/**
 * Puts the parts a format 3 snapshot refers to back in place (a copy; the input is not changed).
 * A missing, damaged or misplaced part is refused with a sentence naming the file.
 */
export function rehydrate(
  snapshot: Record<string, unknown>,
  runId: string,
  read: PartReader,
  file: string,
): Record<string, unknown> {
  const context = snapshot.context;
  if (!isObject(context)) return snapshot;
  let copy = context;
  if (isObject(context.waves)) {
    if (context.waves.$ref !== PLAN_WAVES_REF)
      throw new SnapshotFormatError(`${file} refers to unknown waves (${JSON.stringify(context.waves)})`);
    const plan = readPart(read, 'plan.json', file);
    if (!isObject(plan) || !Array.isArray(plan.waves))
      throw new SnapshotFormatError(
        `${partPath('plan.json', file)}, which ${basename(file)} refers to, holds no waves`,
      );
    copy = { ...copy, waves: plan.waves };
  }
  if (isObject(context.results)) copy = { ...copy, results: readResults(context.results, runId, read, file) };
  let out: Record<string, unknown> = copy === context ? snapshot : { ...snapshot, context: copy };
  // A finished run's output lists the results again (`waves`): the same files.
  const output = snapshot.output;
  if (isObject(output) && isObject(output.waves))
    out = { ...out, output: { ...output, waves: readResults(output.waves, runId, read, file) } };
  return out;
}

function readResults(ref: Record<string, unknown>, runId: string, read: PartReader, file: string): unknown[] {
  const { $ref, count } = ref;
  if ($ref !== `${WAVE_RESULTS_DIR}/` || typeof count !== 'number' || !Number.isInteger(count) || count < 0)
    throw new SnapshotFormatError(`${file} refers to unknown results (${JSON.stringify(ref)})`);
  const results: unknown[] = [];
  for (let index = 0; index < count; index++) {
    const part = waveResultFile(index);
    const data = readPart(read, part, file);
    if (!isObject(data) || data.runId !== runId || data.index !== index || !('result' in data))
      throw new SnapshotFormatError(
        `${partPath(part, file)}, which ${basename(file)} refers to, is not wave ${index}'s result of run ${runId}; the state directory was edited by hand`,
      );
    results.push(data.result);
  }
  return results;
}

/** A part's path as a person finds it: beside the snapshot file, when that is a path. */
const partPath = (part: string, file: string) => join(dirname(file), part);

function readPart(read: PartReader, part: string, file: string): unknown {
  const where = `${partPath(part, file)}, which ${basename(file)} refers to,`;
  let text: string;
  try {
    text = read(part);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SnapshotFormatError(
      `${where} ${code === 'ENOENT' ? 'is missing' : `cannot be read (${code ?? String(error)})`}; the run cannot be restored`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new SnapshotFormatError(
      `${where} is damaged (${error instanceof Error ? error.message : String(error)})`,
    );
  }
}

/**
 * The writing side, one per run folder: turns a snapshot into its format 3 form, writing the
 * wave results it has not written yet (each once; again only if it changed, which a run
 * restored from an older snapshot can do). Knows a part by its object first (xstate keeps the
 * context's objects from step to step), by its content's hash otherwise.
 */
export class SnapshotPartWriter {
  readonly #dir: string;
  readonly #runId: string;
  readonly #planWavesJson: () => string | undefined;
  /** Per context.waves object: whether it is plan.json's waves. */
  readonly #wavesChecked = new WeakMap<object, boolean>();
  /** Per wave index: the result object last written (or loaded) and its file's hash. */
  readonly #written: ({ value: unknown; sha: string } | undefined)[] = [];
  #dirReady = false;

  /** `planWavesJson`: plan.json's waves as `JSON.stringify` writes them (undefined: unknown). */
  constructor(dir: string, runId: string, planWavesJson: () => string | undefined) {
    this.#dir = dir;
    this.#runId = runId;
    this.#planWavesJson = planWavesJson;
  }

  /**
   * Remembers the results a loaded snapshot read from their files (`read`: the parts read), so a
   * resumed run does not write them again. Results that were inline (format 2) are written at
   * the first save.
   */
  loaded(snapshot: Snapshot<unknown>, read: ReadonlySet<string>): void {
    const results = (snapshot as { context?: { results?: unknown } }).context?.results;
    if (!Array.isArray(results)) return;
    for (const [index, value] of (results as unknown[]).entries()) {
      if (read.has(waveResultFile(index)))
        this.#written[index] = { value, sha: sha256(this.#fileText(index, value)) };
    }
  }

  /** The snapshot as format 3 stores it; the wave files it refers to are on disk when it returns. */
  dehydrate(snapshot: Snapshot<unknown>): Snapshot<unknown> {
    const context = (snapshot as { context?: unknown }).context;
    if (!isObject(context)) return snapshot;
    let copy = context;
    if (Array.isArray(context.waves) && this.#isPlanWaves(context.waves))
      copy = { ...copy, waves: { $ref: PLAN_WAVES_REF } };
    let out: Record<string, unknown> = snapshot;
    if (Array.isArray(context.results)) {
      const results = context.results as unknown[];
      for (const [index, result] of results.entries()) this.#writeResult(index, result);
      const ref = { $ref: `${WAVE_RESULTS_DIR}/`, count: results.length };
      copy = { ...copy, results: ref };
      // A finished run's output (plan.machine.ts) lists the same results again.
      const output = (snapshot as { output?: unknown }).output;
      if (isObject(output) && Array.isArray(output.waves) && sameResults(output.waves, results))
        out = { ...out, output: { ...output, waves: ref } };
    }
    return copy === context && out === snapshot
      ? snapshot
      : ({ ...out, context: copy } as unknown as Snapshot<unknown>);
  }

  #isPlanWaves(waves: unknown[]): boolean {
    const known = this.#wavesChecked.get(waves);
    if (known !== undefined) return known;
    const planWaves = this.#planWavesJson();
    const same = planWaves !== undefined && JSON.stringify(waves) === planWaves;
    this.#wavesChecked.set(waves, same);
    return same;
  }

  #fileText(index: number, result: unknown): string {
    const file: WaveResultFile = { runId: this.#runId, index, result };
    return `${JSON.stringify(file)}\n`;
  }

  #writeResult(index: number, result: unknown): void {
    const known = this.#written[index];
    if (known?.value === result) return;
    const text = this.#fileText(index, result);
    const sha = sha256(text);
    if (known?.sha === sha) {
      this.#written[index] = { value: result, sha };
      return;
    }
    if (!this.#dirReady) {
      mkdirSync(join(this.#dir, WAVE_RESULTS_DIR), { recursive: true });
      fsyncDirSync(this.#dir);
      this.#dirReady = true;
    }
    writeFileAtomicSync(join(this.#dir, waveResultFile(index)), text);
    this.#written[index] = { value: result, sha };
    // The wave's file is on disk, the snapshot that refers to it not yet: the kill test aims here.
    faultPoint('snapshot:wave-result');
  }
}
