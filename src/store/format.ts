// The on-disk formats of the state directory, versioned so an old tool never half-reads a new
// file, and migrated forward (src/store/migrations.ts) so a new tool reads every old one.
//
// Format 2 of both files is open: a reader ignores fields it does not know, and a field added
// later is optional (absent means its default). So a later change adds a field without a bump;
// a bump, with its migration, only when an older reader would misread the file.
import type { Snapshot } from 'xstate';
import { SnapshotFormatError, StateFileError } from './errors.js';
import { type Migrations, migrate, RUN_META_MIGRATIONS, SNAPSHOT_MIGRATIONS } from './migrations.js';

/** 1: `{ formatVersion, runId, savedAt, snapshot }`. 2: `machineVersion` beside `formatVersion`. */
export const SNAPSHOT_FORMAT_VERSION = 2;
/** 1: the first `run.json`. 2: `eventFormatVersion` says how to read `events.ndjson`. */
export const RUN_META_FORMAT_VERSION = 2;
/**
 * Version of what a persisted machine snapshot means (state ids and paths, context fields
 * read on restore). Bump it, with a migration of the older snapshots in
 * MACHINE_SNAPSHOT_MIGRATIONS, when machines/ change what an older snapshot would say.
 */
export const MACHINE_VERSION = 1;

export interface SnapshotFile {
  formatVersion: typeof SNAPSHOT_FORMAT_VERSION;
  /** Version of the machines the snapshot was taken of (MACHINE_VERSION when written). */
  machineVersion: number;
  runId: string;
  /** ISO-8601, wall clock of the writer. */
  savedAt: string;
  /** The plan machine's persisted snapshot (wave child included), migrated to MACHINE_VERSION. */
  snapshot: Snapshot<unknown>;
}

/** `run.json`: who created the run, when, for which plan. */
export interface RunMeta {
  formatVersion: typeof RUN_META_FORMAT_VERSION;
  runId: string;
  plan: string;
  /** ISO-8601: when the run was created (the run's own clock, virtual under simulation). */
  createdAt: string;
  /** ISO-8601 wall-clock time of the creation, also for a simulated run (absent in older runs). */
  createdAtWallClock?: string;
  host: string;
  pid: number;
  sourceServerIDs: string[];
  /** Absolute path of the plan file the run was started with (absent in older runs): for next-step commands. */
  planFile?: string;
  /** EVENT_FORMAT_VERSION of the run's `events.ndjson` (1: events without `seq`). */
  eventFormatVersion: number;
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

function checkVersion(file: string, field: string, version: unknown, current: number): number {
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new SnapshotFormatError(`${file} has an invalid ${field} (${JSON.stringify(version)})`);
  }
  if (version > current) {
    const what = field === 'formatVersion' ? 'format' : field;
    throw new SnapshotFormatError(
      `${file} ${what} ${version} is newer than this drs-failback understands (${current}); upgrade`,
    );
  }
  return version;
}

/**
 * Checks the envelope before anything inside is trusted, then migrates it (and the machine
 * snapshot inside) to the current versions. A newer format or machine version is refused with
 * a sentence that says what to do; anything else that is not a snapshot is refused too.
 */
export function parseSnapshotFile(
  text: string,
  expectedRunId: string,
  file = 'snapshot.json',
  migrations: SnapshotMigrations = SNAPSHOT_MIGRATIONS,
): SnapshotFile {
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
  const version = checkVersion(file, 'formatVersion', data.formatVersion, SNAPSHOT_FORMAT_VERSION);
  if (data.runId !== expectedRunId) {
    throw new SnapshotFormatError(
      `${file} belongs to run ${String(data.runId)}, not ${expectedRunId}; the state directory was edited by hand`,
    );
  }
  if (!isObject(data.snapshot) || typeof data.snapshot.status !== 'string') {
    throw new SnapshotFormatError(`${file} holds no machine snapshot`);
  }
  const envelope = migrate(data, version, SNAPSHOT_FORMAT_VERSION, migrations.envelope, file);
  const currentMachine = migrations.machineVersion ?? MACHINE_VERSION;
  const machineVersion = checkVersion(file, 'machineVersion', envelope.machineVersion, currentMachine);
  const snapshot = migrate(
    envelope.snapshot as Record<string, unknown>,
    machineVersion,
    currentMachine,
    migrations.machine,
    `${file} (machine)`,
  );
  return {
    formatVersion: SNAPSHOT_FORMAT_VERSION,
    machineVersion: currentMachine,
    runId: expectedRunId,
    savedAt: typeof envelope.savedAt === 'string' ? envelope.savedAt : '',
    snapshot: snapshot as unknown as Snapshot<unknown>,
  };
}

export interface SnapshotMigrations {
  /** Of the envelope, by `formatVersion`. */
  envelope: Migrations;
  /** Of the machine snapshot inside, by `machineVersion`. */
  machine: Migrations;
  /** The machine version to migrate to; MACHINE_VERSION unless a test says otherwise. */
  machineVersion?: number;
}

export function parseRunMeta(
  text: string,
  file: string,
  migrations: Migrations = RUN_META_MIGRATIONS,
): RunMeta {
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
  const version = checkVersion(file, 'formatVersion', data.formatVersion, RUN_META_FORMAT_VERSION);
  const migrated = migrate(data, version, RUN_META_FORMAT_VERSION, migrations, file);
  const sim = migrated.simulation;
  if (
    typeof migrated.runId !== 'string' ||
    typeof migrated.plan !== 'string' ||
    !Array.isArray(migrated.sourceServerIDs) ||
    !migrated.sourceServerIDs.every((id) => typeof id === 'string') ||
    (sim !== undefined &&
      (!isObject(sim) || typeof sim.scenario !== 'string' || typeof sim.world !== 'string'))
  ) {
    throw new StateFileError(
      file,
      'damaged: runId, plan, sourceServerIDs or simulation missing or of the wrong type',
    );
  }
  return migrated as unknown as RunMeta;
}
