// The library API of drs-failback: what an embedder needs to load a plan, run it against
// AWS (or anything with the SDK clients' `send`), drive approvals and observe every step.

export { type LifecycleStateInfo, lifecyclePath, lifecycleStates } from '../machines/lifecycle.js';
// The pure machines, for machine.provide() and for embedding in other statecharts.
export {
  type PlanContext,
  type PlanEvent,
  type PlanOutput,
  type PlanRunInput,
  planMachine,
  runOutcome,
  type WaveResult,
} from '../machines/plan.machine.js';
export * from '../machines/types.js';
export {
  type BackoutRecord,
  describePointOfNoReturn,
  type WaveContext,
  type WaveEvent,
  type WaveInput,
  type WaveOutput,
  waveMachine,
} from '../machines/wave.machine.js';
// Activities on the real APIs.
export {
  type ActorDeps,
  createAwsActors,
  createNetworkProbeRunner,
  type FailbackActivities,
  type ProbeResult,
  type ProbeRunner,
} from './actors/index.js';
export type { AwsClients, DrsSender, Ec2Sender, SnsSender } from './aws/clients.js';
export { classifyAwsError } from './aws/errors.js';
export { instrumentClient } from './aws/instrument.js';
export { classifyFailbackState, classifyInstanceHealth, classifyJobs } from './classify/index.js';
export { type Clock, systemClock } from './clock.js';
export { ConfigError, formatProblem, type Problem } from './config/index.js';
export { toMermaid } from './diagram/mermaid.js';
export {
  type EmitEvent,
  EVENT_FORMAT_VERSION,
  eventJsonSchema,
  type RunEvent,
  type RunEventBody,
  type RunEventType,
  runEventSchema,
} from './events.js';
export { createLogger, type Logger } from './log.js';
export { formatDuration, parseDuration } from './plan/duration.js';
// Plans.
export { loadPlan, parsePlan } from './plan/load.js';
export type { Plan } from './plan/types.js';
// The prechecks (docs/operations.md): each check's name and the shape of its `data`.
export {
  checkData,
  PRECHECK_STAGES,
  PRECHECKS,
  type Precheck,
  type PrecheckDataByName,
  type PrecheckName,
  type WaveReads,
} from './prechecks/index.js';
// Durable runs (docs/reliability.md): the evidence report, and resuming a run from its state directory.
export {
  type ApprovalEntry,
  type AwsCallEntry,
  buildReport,
  type EvidenceReport,
  type NotificationEntry,
  type ReportInput,
  renderReportJson,
  renderReportMarkdown,
  reportOfStoredRun,
  type ServerEvidence,
  type TransitionEntry,
  type WaveEvidence,
} from './report/index.js';
export { type ResumeOptions, resumeRun } from './resume.js';
export {
  type EarlierWaves,
  judgeEarlierWaves,
  readEarlierWaves,
  WavesNotFailedBackError,
} from './run/continue.js';
// Runs.
export {
  activityActors,
  type CreateRunOptions,
  createFailbackRun,
  createStoredRun,
  type FailbackRun,
  planRunInput,
  provideActivities,
  type RunListener,
  type RunResult,
} from './run.js';
export { isRunId, newRunId } from './run-id.js';
// The state directory: runs saved after every step, one run of a plan or server at a time.
export {
  type LockOwner,
  RunFinishedError,
  type RunListing,
  RunLockedError,
  RunNotFoundError,
  RunStore,
  type RunStoreOptions,
  SnapshotFormatError,
  type StoredRun,
} from './store/index.js';
