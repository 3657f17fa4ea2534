// The on-disk formats of the state directory, versioned so an old tool never half-reads a new file.
import type { Snapshot } from 'xstate';
import { SnapshotFormatError, StateFileError } from './errors.js';

export const SNAPSHOT_FORMAT_VERSION = 1;
export const RUN_META_FORMAT_VERSION = 1;

export interface SnapshotFile {
  formatVersion: typeof SNAPSHOT_FORMAT_VERSION;
  runId: string;
  /** ISO-8601, wall clock of the writer. */
  savedAt: string;
  /** The plan machine's persisted snapshot (wave child included). */
  snapshot: Snapshot<unknown>;
}

/** `run.json`: who created the run, when, for which plan. */
export interface RunMeta {
  formatVersion: typeof RUN_META_FORMAT_VERSION;
  runId: string;
  plan: string;
  /** ISO-8601: when the run was created (the run's own clock, virtual under simulation). */
  createdAt: string;
  host: string;
  pid: number;
  sourceServerIDs: string[];
  /**
   * Present exactly when the run is simulated: written with run.json in one atomic rename, so a
   * run is simulated or real from the instant it exists, never in between.
   */
  simulation?: RunSimulation;
}

/** Which scenario a simulated run started with and where its world is kept. */
export interface RunSimulation {
  /** Absolute path of the scenario file. */
  scenario: string;
  /** The world file, relative to the run's folder. */
  world: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks the envelope before anything inside is trusted. A newer format is refused with a
 * sentence that says what to do; anything else that is not a version-1 snapshot is refused too.
 */
export function parseSnapshotFile(text: string, expectedRunId: string, file = 'snapshot.json'): SnapshotFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new SnapshotFormatError(
      `${file} is not valid JSON (${error instanceof Error ? error.message : String(error)}); it was not written by drs-failback`,
    );
  }
  if (!isObject(data) || !('formatVersion' in data)) {
    throw new SnapshotFormatError(`${file} has no formatVersion: it is not a drs-failback snapshot`);
  }
  const version = data.formatVersion;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new SnapshotFormatError(`${file} has an invalid formatVersion (${JSON.stringify(version)})`);
  }
  if (version > SNAPSHOT_FORMAT_VERSION) {
    throw new SnapshotFormatError(
      `${file} format ${version} is newer than this drs-failback understands (${SNAPSHOT_FORMAT_VERSION}); upgrade`,
    );
  }
  if (data.runId !== expectedRunId) {
    throw new SnapshotFormatError(
      `${file} belongs to run ${String(data.runId)}, not ${expectedRunId}; the state directory was edited by hand`,
    );
  }
  if (!isObject(data.snapshot) || typeof data.snapshot.status !== 'string') {
    throw new SnapshotFormatError(`${file} holds no machine snapshot`);
  }
  return {
    formatVersion: SNAPSHOT_FORMAT_VERSION,
    runId: expectedRunId,
    savedAt: typeof data.savedAt === 'string' ? data.savedAt : '',
    snapshot: data.snapshot as unknown as Snapshot<unknown>,
  };
}

export function parseRunMeta(text: string, file: string): RunMeta {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new StateFileError(
      file,
      `damaged: not valid JSON (${error instanceof Error ? error.message : String(error)}); the run cannot be read`,
    );
  }
  if (!isObject(data) || typeof data.formatVersion !== 'number') {
    throw new SnapshotFormatError(`${file} is not a drs-failback run file`);
  }
  if (data.formatVersion > RUN_META_FORMAT_VERSION) {
    throw new SnapshotFormatError(
      `${file} format ${data.formatVersion} is newer than this drs-failback understands (${RUN_META_FORMAT_VERSION}); upgrade`,
    );
  }
  const sim = data.simulation;
  if (
    typeof data.runId !== 'string' ||
    typeof data.plan !== 'string' ||
    !Array.isArray(data.sourceServerIDs) ||
    !data.sourceServerIDs.every((id) => typeof id === 'string') ||
    (sim !== undefined &&
      (!isObject(sim) || typeof sim.scenario !== 'string' || typeof sim.world !== 'string'))
  ) {
    throw new StateFileError(
      file,
      'damaged: runId, plan, sourceServerIDs or simulation missing or of the wrong type',
    );
  }
  return data as unknown as RunMeta;
}
