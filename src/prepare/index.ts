// `prepare` as a library call: reverse replication of a plan's EC2-origin servers.
export {
  classifyForPrepare,
  everyReversedReady,
  isReversed,
  type PlannedServer,
  type PrepareAction,
  type PreparedServer,
  type ReplicationReading,
  readReplication,
} from './classify.js';
export {
  MAX_REVERSE_ATTEMPTS,
  type PrepareOptions,
  type PrepareResult,
  prepareReverseReplication,
  THROTTLE_BACKOFF_MS,
} from './prepare.js';
