// Backout, after StopFailback: check the recovery instances; relaunch lost ones at the newest
// recovery point before the run, wait for the recovery job, and check them again.
import type { AwsFailure } from '../../types.js';
import { errorMessage, restoreReason } from '../reasons.js';
import { fromOutput, waveSetup } from '../setup.js';
import { waitingState } from '../wait.js';

/** Any activity of the restore that threw: the backout cannot be confirmed. */
const backoutFailedOnError = {
  target: '#wave.backoutFailed',
  actions: {
    type: 'failWith' as const,
    params: ({ event }: { event: { error: unknown } }) => ({
      reason: restoreReason(errorMessage(event.error)),
    }),
  },
};

type RestoreOutput = { output: { failure?: AwsFailure; detail?: string } };

/** The restore failed: AWS's message, else the activity's detail, else `fallback`. */
const failRestore = (fallback: string) => ({
  type: 'failWith' as const,
  params: ({ event }: { event: RestoreOutput }) => ({
    reason: restoreReason(event.output.failure?.message ?? event.output.detail ?? fallback),
  }),
});

/** The restore failed for a reason of the machine's own (a deadline), whatever AWS said. */
const failRestoreWith = (message: string) => ({
  type: 'failWith' as const,
  params: { reason: restoreReason(message) },
});

/** When `guard` holds, record the output and end in backoutFailed: the backout cannot be confirmed. */
const backoutFailsWhen = <const G, const R, const F>(guard: G, record: R, fail: F) => ({
  guard,
  target: '#wave.backoutFailed',
  actions: [record, fail] as const,
});

export const restoringRecoveryPoint = waveSetup.createStateConfig({
  meta: {
    label: 'Check the recovery instances; relaunch lost ones at the newest recovery point before the run',
  },
  initial: 'assessing',
  entry: 'resetPolling',
  states: {
    assessing: {
      invoke: {
        id: 'assessDrSide',
        src: 'assessDrSide',
        input: ({ context }) => ({
          runId: context.runId,
          wave: context.wave.name,
          sourceServerIDs: context.wave.servers.map((s) => s.sourceServerID),
          restore: context.restore,
        }),
        onDone: [
          backoutFailsWhen(
            fromOutput('pollFatal'),
            fromOutput('recordAssessment'),
            failRestore('restore failed'),
          ),
          {
            guard: fromOutput('drSideNeedsRestore'),
            target: 'awaitingRelaunch',
            actions: fromOutput('recordAssessment'),
          },
          {
            guard: fromOutput('drSideHealthy'),
            target: '#wave.backoutSettled',
            actions: fromOutput('recordAssessment'),
          },
          backoutFailsWhen(
            fromOutput('restoreTimedOut'),
            fromOutput('recordAssessment'),
            failRestoreWith('the recovery instances did not become healthy in time'),
          ),
          { target: 'waitingToAssess', actions: fromOutput('recordAssessment') },
        ],
        onError: backoutFailedOnError,
      },
    },
    waitingToAssess: waitingState({ delay: 'restorePoll', next: 'assessing' }),
    // A relaunch loses the writes made on the recovery instance since its snapshot: always its own
    // approval, whatever the plan's `approval` (script mode answers it only with allowDataLoss).
    awaitingRelaunch: {
      meta: {
        label: 'Waiting for a person to approve relaunching lost recovery instances, with data loss',
        approval: 'relaunch',
      },
      on: {
        APPROVE: 'startingRecovery',
        REFUSE: {
          target: '#wave.backoutFailed',
          actions: {
            type: 'failWith',
            params: ({ event }) => ({
              reason: restoreReason(
                `relaunch refused by ${event.by}: the lost recovery instances stay lost; a person must act`,
              ),
            }),
          },
        },
        // A `backout` (or Ctrl-C's back out) while the relaunch waits: no one approved it in this
        // command, so nothing is relaunched; the lost instances stay lost and a person must act.
        ABORT: {
          target: '#wave.backoutFailed',
          actions: {
            type: 'failWith',
            params: ({ event }) => ({
              reason: restoreReason(
                `relaunch not approved (backout by ${event.by ?? 'the operator'}): the lost recovery instances stay lost; a person must act`,
              ),
            }),
          },
        },
      },
    },
    startingRecovery: {
      invoke: {
        id: 'restoreRecoveryPoint',
        src: 'restoreRecoveryPoint',
        input: ({ context }) => ({
          runId: context.runId,
          wave: context.wave.name,
          sourceServerIDs: context.backout?.needsRestore ?? [],
          before: context.runStartedAt,
          jobsCreatedAfter: context.backout?.startedAt ?? context.runStartedAt,
        }),
        onDone: [
          backoutFailsWhen(
            fromOutput('restoreNotStarted'),
            fromOutput('recordRestoreStart'),
            failRestore('no recovery job was started'),
          ),
          { target: 'monitoringRecovery', actions: fromOutput('recordRestoreStart') },
        ],
        onError: backoutFailedOnError,
      },
    },
    monitoringRecovery: {
      initial: 'polling',
      states: {
        polling: {
          invoke: {
            id: 'pollRecoveryJobs',
            src: 'pollJobs',
            input: ({ context }) => ({
              runId: context.runId,
              wave: context.wave.name,
              jobIds: context.backout?.restoreJobIds ?? [],
              logCursor: context.logCursor,
            }),
            onDone: [
              {
                guard: fromOutput('jobsLaunched'),
                target: '#wave.backout.restoringRecoveryPoint.verifyingRestore',
                actions: fromOutput('recordRestorePoll'),
              },
              backoutFailsWhen(
                fromOutput('restoreJobsFailed'),
                fromOutput('recordRestorePoll'),
                failRestore('restore failed'),
              ),
              backoutFailsWhen(
                fromOutput('restoreJobTimedOut'),
                fromOutput('recordRestorePoll'),
                failRestoreWith('the recovery job timed out'),
              ),
              { target: 'waiting', actions: fromOutput('recordRestorePoll') },
            ],
            onError: backoutFailedOnError,
          },
        },
        waiting: waitingState({ delay: 'restorePoll', next: 'polling' }),
      },
    },
    verifyingRestore: {
      entry: 'resetPolling',
      initial: 'checking',
      states: {
        checking: {
          invoke: {
            id: 'verifyRestore',
            src: 'assessDrSide',
            input: ({ context }) => ({
              runId: context.runId,
              wave: context.wave.name,
              sourceServerIDs: context.wave.servers.map((s) => s.sourceServerID),
              // After a relaunch only health matters: never relaunch twice in one backout.
              restore: 'if-unhealthy' as const,
            }),
            onDone: [
              {
                guard: fromOutput('restoredHealthy'),
                target: '#wave.backoutSettled',
                actions: fromOutput('recordAssessment'),
              },
              backoutFailsWhen(
                fromOutput('pollFatal'),
                fromOutput('recordAssessment'),
                failRestore('restore failed'),
              ),
              backoutFailsWhen(
                fromOutput('restoreTimedOut'),
                fromOutput('recordAssessment'),
                failRestoreWith('the relaunched recovery instances did not pass their checks in time'),
              ),
              { target: 'waiting', actions: fromOutput('recordAssessment') },
            ],
            onError: backoutFailedOnError,
          },
        },
        waiting: waitingState({ delay: 'restorePoll', next: 'checking' }),
      },
    },
  },
});
