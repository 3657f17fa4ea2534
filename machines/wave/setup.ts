// The wave machine's setup: every actor, guard, action and delay it refers to, by name.
// The states (states/*.ts) are built against it with `waveSetup.createStateConfig`.
import { assign, fromPromise, setup } from 'xstate';
import type { StateMeta } from '../meta.js';
import type {
  AssessDrSideInput,
  AssessDrSideOutput,
  CleanupInput,
  CleanupOutput,
  MeasureDrainInput,
  MeasureDrainOutput,
  PollJobsInput,
  PollJobsOutput,
  PrecheckInput,
  PrecheckOutput,
  QuiesceInput,
  QuiesceOutput,
  ReprotectInput,
  ReprotectOutput,
  RestoreRecoveryPointInput,
  RestoreRecoveryPointOutput,
  StartFailbackInput,
  StartFailbackOutput,
  StopFailbackInput,
  StopFailbackOutput,
  VerifyFailbackInput,
  VerifyOutput,
} from '../types.js';
import { waveUpdates } from './actions.js';
import type { WaveContext, WaveEvent, WaveInput, WaveOutput } from './contract.js';
import { waveGuards } from './guards.js';
import { waitDelay, wokenAt } from './wait.js';

/**
 * Stands in for an activity until the composition root provides the real one with
 * `machine.provide({ actors })` (src/run.ts `activityActors`); typed like the real one.
 */
export function notProvided<TOutput, TInput>(name: string) {
  return fromPromise<TOutput, TInput>(async () => {
    throw new Error(`actor "${name}" was not provided; use createAwsActors() and machine.provide()`);
  });
}

/** An update of waveUpdates as an xstate action. */
function update<P = undefined>(fn: (context: WaveContext, params: P) => Partial<WaveContext>) {
  return assign<WaveContext, WaveEvent, P, WaveEvent, never>(({ context }, params) => fn(context, params));
}

const u = waveUpdates;

export const waveSetup = setup({
  types: {
    context: {} as WaveContext,
    input: {} as WaveInput,
    events: {} as WaveEvent,
    output: {} as WaveOutput,
    meta: {} as StateMeta,
  },
  actors: {
    precheck: notProvided<PrecheckOutput, PrecheckInput>('precheck'),
    quiesceWrites: notProvided<QuiesceOutput, QuiesceInput>('quiesceWrites'),
    measureDrain: notProvided<MeasureDrainOutput, MeasureDrainInput>('measureDrain'),
    startFailback: notProvided<StartFailbackOutput, StartFailbackInput>('startFailback'),
    pollJobs: notProvided<PollJobsOutput, PollJobsInput>('pollJobs'),
    verifyFailback: notProvided<VerifyOutput, VerifyFailbackInput>('verifyFailback'),
    stopFailback: notProvided<StopFailbackOutput, StopFailbackInput>('stopFailback'),
    assessDrSide: notProvided<AssessDrSideOutput, AssessDrSideInput>('assessDrSide'),
    restoreRecoveryPoint: notProvided<RestoreRecoveryPointOutput, RestoreRecoveryPointInput>(
      'restoreRecoveryPoint',
    ),
    reprotect: notProvided<ReprotectOutput, ReprotectInput>('reprotect'),
    cleanup: notProvided<CleanupOutput, CleanupInput>('cleanup'),
  },
  guards: waveGuards,
  actions: {
    recordPrecheck: update(u.recordPrecheck),
    recordPrecheckAttempt: update(u.recordPrecheckAttempt),
    failWith: update(u.failWith),
    armApprovalDeadline: update(u.armApprovalDeadline),
    recordApproval: update(u.recordApproval),
    recordStart: update(u.recordStart),
    recordAdopted: update(u.recordAdopted),
    armJobDeadline: update(u.armJobDeadline),
    recordPoll: update(u.recordPoll),
    armVerifyDeadline: update(u.armVerifyDeadline),
    recordVerify: update(u.recordVerify),
    beginBackout: update(u.beginBackout),
    recordStop: update(u.recordStop),
    recordStopError: update(u.recordStopError),
    recordAssessment: update(u.recordAssessment),
    recordRestoreStart: update(u.recordRestoreStart),
    recordRestorePoll: update(u.recordRestorePoll),
    resetPolling: update(u.resetPolling),
    recordQuiesceConfirmed: update(u.recordQuiesceConfirmed),
    recordQuiesced: update(u.recordQuiesced),
    recordDrain: update(u.recordDrain),
    settle: update(u.settle),
    recordReprotect: update(u.recordReprotect),
    recordCleanup: update(u.recordCleanup),
    recordSkipped: update(u.recordSkipped),
    wake: assign(({ context, event }) => ({ now: wokenAt(context, event) })),
  },
  delays: {
    // Each wait is capped by the deadlines that apply in its state, so they fire on time.
    jobPoll: waitDelay<WaveContext>((c) => [c.rtoDeadlineAt, c.jobDeadlineAt]),
    verifyPoll: waitDelay<WaveContext>((c) => [c.rtoDeadlineAt, c.verifyDeadlineAt]),
    precheckRetry: waitDelay<WaveContext>((c) => [c.rtoDeadlineAt]),
    drainPoll: waitDelay<WaveContext>((c) => [c.rtoDeadlineAt, c.cutoverRecord?.deadlineAt ?? null]),
    startRetry: waitDelay<WaveContext>((c) => [c.rtoDeadlineAt]),
    quotaRetry: waitDelay<WaveContext>((c) => [c.rtoDeadlineAt]),
    /** StopFailback sent again: the backout's own deadline caps the wait, not the RTO (it is past). */
    stopRetry: waitDelay<WaveContext>((c) => [c.backout?.restoreDeadlineAt ?? null]),
    restorePoll: waitDelay<WaveContext>((c) => [
      c.backout?.restoreDeadlineAt ?? null,
      c.backout?.restoreJobDeadlineAt ?? null,
    ]),
    /** Not a poll: how long an approval may wait before the RTO deadline ends it. */
    rtoDeadline: ({ context }) => Math.max(0, context.rtoDeadlineAt - context.now),
    /** Not a poll: the approval's own deadline or the RTO deadline, whichever comes first. */
    approvalDeadline: ({ context }) =>
      Math.max(
        0,
        Math.min(context.rtoDeadlineAt, context.approvalDeadlineAt ?? context.rtoDeadlineAt) - context.now,
      ),
  },
});

type Params<F> = F extends (first: never, params: infer P) => unknown ? P : never;
type Named = typeof waveGuards & typeof waveUpdates;
/** Guards and actions that take the invoked activity's `{ output }`. */
type OutputNamed = {
  [K in keyof Named]: Params<Named[K]> extends { output: unknown } ? K : never;
}[keyof Named];

/**
 * `{ type, params }` of a guard or action that reads the invoked activity's output: the one
 * place `params: ({ event }) => ({ output: event.output })` is written.
 */
export function fromOutput<const K extends OutputNamed>(type: K) {
  return {
    type,
    params: ({ event }: { event: { output: Params<Named[K]>['output'] } }) => ({ output: event.output }),
  };
}
