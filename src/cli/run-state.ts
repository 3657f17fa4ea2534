// The command line's side of the state directory: the store opened on the run's clock, and the
// simulated world kept next to a simulated run, so `resume` and `backout` continue in it.
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { SnapshotFormatError, StateFileError } from '../store/errors.js';
import type { RunSimulation } from '../store/format.js';
import { RunStore, type StoredRun } from '../store/run-store.js';

/** `<stateDir>/runs/<runId>/sim-world.ndjson`: the simulated world's journal, appended at every call. */
export const SIM_WORLD_FILE = 'sim-world.ndjson';
/** Where runs made before the journal kept their world, whole. */
const LEGACY_SIM_WORLD_FILE = 'sim-world.json';
/** `<stateDir>/runs/<runId>/simulation.json`: where versions before run.json's `simulation` recorded it. */
export const SIMULATION_FILE = 'simulation.json';

/** The state directory; `now` stamps run.json and locks (the virtual clock under simulation). */
export function openStore(stateDir: string, now?: () => number): RunStore {
  return new RunStore({ stateDir, ...(now ? { now } : {}) });
}

/** The simulation record of a new simulated run, kept in its run.json. */
export function simulationRecord(scenarioPath: string): RunSimulation {
  return { scenario: resolve(scenarioPath), world: SIM_WORLD_FILE };
}

export interface SavedSimulation {
  record: { scenario: string; world: string };
  worldFile: string;
  /**
   * The world file's text: a journal (src/sim/journal.ts), or a whole world as versions before
   * the journal saved it. Replayed by the simulation when the run continues.
   */
  world: string;
}

/**
 * The simulation of a stored run, or null for a run against AWS. Decided by run.json alone (or,
 * for runs of older versions, the simulation.json they wrote): a simulated run whose world is
 * missing or damaged is refused, never given a fresh world from its scenario.
 */
export function savedSimulation(stored: StoredRun): SavedSimulation | null {
  let record: RunSimulation | undefined = stored.meta().simulation;
  const legacyFile = join(stored.dir, SIMULATION_FILE);
  if (record === undefined && existsSync(legacyFile)) {
    const legacy = readJson(legacyFile, 'simulation record') as Partial<
      RunSimulation & { formatVersion: number }
    >;
    if (legacy.formatVersion !== 1 || typeof legacy.scenario !== 'string') {
      throw new SnapshotFormatError(`${legacyFile} is not a simulation record this drs-failback understands`);
    }
    record = { scenario: legacy.scenario, world: LEGACY_SIM_WORLD_FILE };
  }
  if (record === undefined) return null;
  const worldFile = join(stored.dir, basename(record.world));
  if (!existsSync(worldFile)) {
    throw new StateFileError(
      worldFile,
      `missing: run ${stored.runId} is simulated and its world is gone; it is not replaced by a fresh world ` +
        '(the virtual clock and every job would start over). Start a new run with --simulate.',
    );
  }
  const world = readText(worldFile, 'simulated world');
  // The first line is the journal's header (or the whole world, before the journal): checked
  // here so a damaged file is refused with its name, before anything is replayed.
  const first = parseJson(world.slice(0, world.indexOf('\n') === -1 ? undefined : world.indexOf('\n')));
  const format = (first as { format?: unknown } | undefined)?.format;
  if (format !== 'drs-failback-sim-journal' && format !== 'drs-failback-sim-world') {
    throw new StateFileError(
      worldFile,
      'the simulated world is damaged (its first line is neither a journal header nor a saved world)',
    );
  }
  return { record, worldFile, world };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new StateFileError(
      file,
      `the ${what} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
}

function readJson(file: string, what: string): unknown {
  const text = readText(file, what);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new StateFileError(
      file,
      `the ${what} is damaged (${error instanceof Error ? error.message : String(error)}, ${text.length} bytes)`,
    );
  }
}
