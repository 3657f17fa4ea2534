export { parseIsoDuration } from './duration.js';
export {
  classifyFailbackReplication,
  type FailbackReplicationClass,
  type FailbackReplicationLimits,
  type FailbackReplicationProblem,
  type FailbackReplicationView,
  parseLagMs,
} from './failback-replication.js';
export { classifyFailbackState, type FailbackStateClass } from './failback-state.js';
export { classifyInstanceHealth, type InstanceHealth, networkMismatches } from './instance-health.js';
export { classifyJobs, type JobsClassification } from './jobs.js';
export {
  classifyReplicationLag,
  classifyReversedReplicationState,
  type ReplicationCheck,
} from './reverse-replication.js';
