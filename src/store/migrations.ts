// The migration hook of the state directory's formats: for each older version, the step that
// turns a file of that version into one of the next. A reader migrates every file it loads up
// to the current version; a change that bumps a version adds its step here, and a test shows
// a file of the old version still loads (test/store/migrations.test.ts).
import { SnapshotFormatError } from './errors.js';

/** Steps keyed by the version they migrate from: `table[n]` turns version n into n + 1. */
export type Migrations = Readonly<Record<number, (data: Record<string, unknown>) => Record<string, unknown>>>;

/** The envelope of snapshot.json, by `formatVersion`. */
const SNAPSHOT_ENVELOPE: Migrations = {
  // Before format 2 no machine version was recorded: every snapshot was of machine 1.
  1: (file) => ({ ...file, formatVersion: 2, machineVersion: 1 }),
  // Format 2 held everything inline, which format 3 still reads: its references are optional.
  2: (file) => ({ ...file, formatVersion: 3 }),
};

/** The plan machine's persisted snapshot, by `machineVersion`. Machine 1 is current. */
const MACHINE_SNAPSHOT: Migrations = {};

export const SNAPSHOT_MIGRATIONS = { envelope: SNAPSHOT_ENVELOPE, machine: MACHINE_SNAPSHOT };

/** run.json, by `formatVersion`. */
export const RUN_META_MIGRATIONS: Migrations = {
  // Runs created before format 2 logged events without `seq` (event format 1).
  1: (meta) => ({ ...meta, formatVersion: 2, eventFormatVersion: 1 }),
};

/** Applies the steps from `from` up to `to`; a missing step means the file cannot be read. */
export function migrate(
  data: Record<string, unknown>,
  from: number,
  to: number,
  table: Migrations,
  what: string,
): Record<string, unknown> {
  let migrated = data;
  for (let version = from; version < to; version++) {
    const step = table[version];
    if (!step)
      throw new SnapshotFormatError(`${what}: no migration from version ${version} to ${version + 1}`);
    migrated = step(migrated);
  }
  return migrated;
}
