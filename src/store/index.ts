// Durable runs: the state directory, its locks and formats (docs/reliability.md).
export { isTempFile, writeFileAtomicSync } from './atomic.js';
export {
  type LockOwner,
  RunFinishedError,
  RunLockedError,
  RunNotFoundError,
  SnapshotFormatError,
} from './errors.js';
export { parseSnapshotFile, type RunMeta, SNAPSHOT_FORMAT_VERSION, type SnapshotFile } from './format.js';
export { acquireRunLocks, type HeldLocks, planLockOwner, processAlive } from './lock.js';
export {
  DEFAULT_STATE_DIR,
  type EventLog,
  isDurableEvent,
  type RunListing,
  RunStore,
  type RunStoreOptions,
  StoredRun,
} from './run-store.js';
