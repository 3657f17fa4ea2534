export { parseIsoDuration } from './duration.js';
export { classifyFailbackState, type FailbackStateClass } from './failback-state.js';
export { classifyInstanceHealth, type InstanceHealth, networkMismatches } from './instance-health.js';
export { classifyJobs, type JobsClassification } from './jobs.js';
export {
  classifyReplicationLag,
  classifyReversedReplicationState,
  type ReplicationCheck,
} from './reverse-replication.js';
