// Durable runs: the state directory, its locks and formats (docs/reliability.md).
export { isTempFile, writeFileAtomicSync } from './atomic.js';
export {
  type LockOwner,
  RunFinishedError,
  RunLockedError,
  RunNotFoundError,
  SnapshotFormatError,
} from './errors.js';
export {
  MACHINE_VERSION,
  parseRunMeta,
  parseSnapshotFile,
  RUN_META_FORMAT_VERSION,
  type RunMeta,
  SNAPSHOT_FORMAT_VERSION,
  type SnapshotFile,
  type SnapshotMigrations,
} from './format.js';
export { acquireRunLocks, type HeldLocks, planLockOwner, processAlive } from './lock.js';
export { type Migrations, migrate, RUN_META_MIGRATIONS, SNAPSHOT_MIGRATIONS } from './migrations.js';
export {
  REVERSALS_FORMAT_VERSION,
  type ReversalRecord,
  readReversals,
  recordReversals,
  reversalsPath,
} from './reversals.js';
export {
  type EventLog,
  isDurableEvent,
  type RunListing,
  RunStore,
  type RunStoreOptions,
  StoredRun,
} from './run-store.js';
export { defaultStateDir, stateDirArgument } from './state-dir.js';
