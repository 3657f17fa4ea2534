// The wave machine, assembled from its states. State ids and paths are part of the persisted
// snapshot format: a snapshot written by an older version must still restore.
import { convertedServers } from './contract.js';
import { waveSetup } from './setup.js';
import { afterReprotect, afterVerified, cleaningUp, reprotecting } from './states/after-failback.js';
import { awaitingApproval } from './states/approval.js';
import { backout, backoutSettled } from './states/backout.js';
import { crossing, cutover } from './states/cutover.js';
import {
  aborted,
  backedOut,
  backoutFailed,
  completed,
  needsAttention,
  precheckFailed,
} from './states/final.js';
import { monitoringJob } from './states/monitoring-job.js';
import { precheck } from './states/precheck.js';
import { resolvingStart, startingFailback } from './states/starting-failback.js';
import { verifying } from './states/verifying.js';

export const waveMachine = waveSetup.createMachine({
  id: 'wave',
  initial: 'precheck',
  context: ({ input }) => ({
    ...input,
    resolved: [],
    approval: null,
    jobIds: [],
    logCursor: {},
    launch: [],
    jobDeadlineAt: null,
    verifyDeadlineAt: null,
    pollAttempt: 0,
    errorStreak: 0,
    retryAfterMs: null,
    startAttempts: 0,
    precheckAttempts: 0,
    failure: null,
    backout: null,
    outcome: null,
  }),
  output: ({ context }) => ({
    waveIndex: context.waveIndex,
    name: context.wave.name,
    outcome: context.outcome ?? 'aborted',
    failure: context.failure,
    now: context.now,
    jobIds: context.jobIds,
    launch: context.launch,
    backout: context.backout,
    afterFailback: context.afterFailbackRecord ?? null,
    converted: convertedServers(context),
    ...(context.cutoverRecord ? { cutover: context.cutoverRecord } : {}),
  }),
  // Document order: the diagram and the state table of docs/lifecycle.md follow it.
  states: {
    precheck,
    awaitingApproval,
    crossing,
    cutover,
    startingFailback,
    resolvingStart,
    monitoringJob,
    verifying,
    afterVerified,
    reprotecting,
    afterReprotect,
    cleaningUp,
    completed,
    backout,
    backoutSettled,
    backedOut,
    needsAttention,
    backoutFailed,
    aborted,
    precheckFailed,
  },
});
