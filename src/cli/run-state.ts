// The command line's side of the state directory: the store opened on the run's clock, and the
// simulated world kept next to a simulated run, so `resume` and `backout` continue in it.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomicSync } from '../store/atomic.js';
import { SnapshotFormatError } from '../store/errors.js';
import { RunStore, type StoredRun } from '../store/run-store.js';

/** `<stateDir>/runs/<runId>/sim-world.ndjson`: the simulated world's journal, appended at every call. */
export const SIM_WORLD_FILE = 'sim-world.ndjson';
/** Where runs made before the journal kept their world, whole. */
const LEGACY_SIM_WORLD_FILE = 'sim-world.json';
/** `<stateDir>/runs/<runId>/simulation.json`: which scenario the run was simulated with. */
export const SIMULATION_FILE = 'simulation.json';

export interface SimulationRecord {
  formatVersion: 1;
  /** Absolute path of the scenario file the run started with. */
  scenario: string;
  /** The world file, relative to the run's folder. */
  world: string;
}

/** The state directory; `now` stamps run.json and locks (the virtual clock under simulation). */
export function openStore(stateDir: string, now?: () => number): RunStore {
  return new RunStore({ stateDir, ...(now ? { now } : {}) });
}

/** Marks a run as simulated and returns where its world is kept. */
export function recordSimulation(stored: StoredRun, scenarioPath: string): string {
  const record: SimulationRecord = {
    formatVersion: 1,
    scenario: resolve(scenarioPath),
    world: SIM_WORLD_FILE,
  };
  writeFileAtomicSync(join(stored.dir, SIMULATION_FILE), `${JSON.stringify(record, null, 2)}\n`);
  return join(stored.dir, SIM_WORLD_FILE);
}

export interface SavedSimulation {
  record: SimulationRecord;
  worldFile: string;
  /**
   * The world file's text (a journal, or a whole world before the journal), or null when it was
   * never written (the process died before its first save).
   */
  world: string | null;
}

/** The simulation of a stored run, or null for a run against AWS. */
export function savedSimulation(stored: StoredRun): SavedSimulation | null {
  const recordFile = join(stored.dir, SIMULATION_FILE);
  if (!existsSync(recordFile)) return null;
  const record = JSON.parse(readFileSync(recordFile, 'utf8')) as SimulationRecord;
  if (record.formatVersion !== 1 || typeof record.scenario !== 'string') {
    throw new SnapshotFormatError(`${recordFile} is not a simulation record this drs-failback understands`);
  }
  const worldFile = join(
    stored.dir,
    record.world === LEGACY_SIM_WORLD_FILE ? LEGACY_SIM_WORLD_FILE : SIM_WORLD_FILE,
  );
  const world = existsSync(worldFile) ? readFileSync(worldFile, 'utf8') : null;
  return { record, worldFile, world };
}
