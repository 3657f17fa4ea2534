// The wave machine: one wave's failback, from prechecks to an outcome.
export {
  type ApprovalDetails,
  type ApprovalKind,
  type ApprovedCall,
  approvalDetails,
  describeAfterFailbackStep,
  describeApproval,
  describePointOfNoReturn,
  describeWavePointOfNoReturn,
} from './approvals.js';
export {
  type AfterFailbackRecord,
  type BackoutRecord,
  convertedServers,
  MAX_PRECHECK_ATTEMPTS,
  MAX_START_ATTEMPTS,
  MAX_STOP_ATTEMPTS,
  type WaveContext,
  type WaveEvent,
  type WaveInput,
  type WaveOutput,
} from './contract.js';
export { waveMachine } from './machine.js';
export { notProvided, waveSetup } from './setup.js';
export { afterAttempt, freshWait, waitDelay, waitingState } from './wait.js';
