// Backout, after StopFailback: check the recovery instances; relaunch lost ones at the newest
// recovery point before the run, wait for the recovery job, and check them again.
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

const failRestore = (message: string) => ({
  type: 'failWith' as const,
  params: { reason: restoreReason(message) },
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
          {
            guard: fromOutput('pollFatal'),
            target: '#wave.backoutFailed',
            actions: [
              fromOutput('recordAssessment'),
              {
                type: 'failWith',
                params: ({ event }) => ({ reason: restoreReason(event.output.failure?.message) }),
              },
            ],
          },
          {
            guard: fromOutput('drSideNeedsRestore'),
            target: 'startingRecovery',
            actions: fromOutput('recordAssessment'),
          },
          {
            guard: fromOutput('drSideHealthy'),
            target: '#wave.backedOut',
            actions: fromOutput('recordAssessment'),
          },
          {
            guard: fromOutput('restoreTimedOut'),
            target: '#wave.backoutFailed',
            actions: [
              fromOutput('recordAssessment'),
              failRestore('the recovery instances did not become healthy in time'),
            ],
          },
          { target: 'waitingToAssess', actions: fromOutput('recordAssessment') },
        ],
        onError: backoutFailedOnError,
      },
    },
    waitingToAssess: waitingState({ delay: 'restorePoll', next: 'assessing' }),
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
          {
            guard: fromOutput('restoreNotStarted'),
            target: '#wave.backoutFailed',
            actions: [
              fromOutput('recordRestoreStart'),
              {
                type: 'failWith',
                params: ({ event }) => ({
                  reason: restoreReason(event.output.failure?.message ?? 'no recovery job was started'),
                }),
              },
            ],
          },
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
              {
                guard: fromOutput('restoreJobsFailed'),
                target: '#wave.backoutFailed',
                actions: [
                  fromOutput('recordRestorePoll'),
                  {
                    type: 'failWith',
                    params: ({ event }) => ({
                      reason: restoreReason(event.output.failure?.message ?? event.output.detail),
                    }),
                  },
                ],
              },
              {
                guard: fromOutput('restoreJobTimedOut'),
                target: '#wave.backoutFailed',
                actions: [fromOutput('recordRestorePoll'), failRestore('the recovery job timed out')],
              },
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
                target: '#wave.backedOut',
                actions: fromOutput('recordAssessment'),
              },
              {
                guard: fromOutput('pollFatal'),
                target: '#wave.backoutFailed',
                actions: [
                  fromOutput('recordAssessment'),
                  {
                    type: 'failWith',
                    params: ({ event }) => ({ reason: restoreReason(event.output.failure?.message) }),
                  },
                ],
              },
              {
                guard: fromOutput('restoreTimedOut'),
                target: '#wave.backoutFailed',
                actions: [
                  fromOutput('recordAssessment'),
                  failRestore('the relaunched recovery instances did not pass their checks in time'),
                ],
              },
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
