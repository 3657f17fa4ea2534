// The run: src/run/ (composition root, announcer, approvals, durable wiring). Re-exported here
// for its importers.
export {
  activityActors,
  type CreateRunOptions,
  createFailbackRun,
  type FailbackRun,
  planRunInput,
  provideActivities,
  type RunListener,
  type RunResult,
  unnotifiedTransitions,
} from './run/index.js';
export { createStoredRun } from './run/stored.js';
