// The command line's side of the state directory: the store opened on the run's clock, and the
// simulated world kept next to a simulated run, so `resume` and `backout` continue in it.
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { WorldState } from '../sim/state.js';
import { SnapshotFormatError, StateFileError } from '../store/errors.js';
import type { RunSimulation } from '../store/format.js';
import { RunStore, type StoredRun } from '../store/run-store.js';

/** `<stateDir>/runs/<runId>/sim-world.json`: the simulated world, replaced after every call. */
export const SIM_WORLD_FILE = 'sim-world.json';
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
  world: WorldState;
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
    record = { scenario: legacy.scenario, world: SIM_WORLD_FILE };
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
  const world = readJson(worldFile, 'simulated world') as WorldState;
  if (
    typeof world !== 'object' ||
    world === null ||
    (world as { format?: unknown }).format !== 'drs-failback-sim-world' ||
    typeof (world as { now?: unknown }).now !== 'number'
  ) {
    throw new StateFileError(worldFile, 'damaged: not a simulated world this drs-failback wrote');
  }
  return { record, worldFile, world };
}

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new StateFileError(
      file,
      `the ${what} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new StateFileError(
      file,
      `the ${what} is damaged (${error instanceof Error ? error.message : String(error)}, ${text.length} bytes)`,
    );
  }
}
