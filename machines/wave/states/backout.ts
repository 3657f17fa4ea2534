// Backout keeps the DR side serving: StopFailback (sent again on throttling and 5xx), then (unless `restore: never`) check the
// recovery instances and relaunch lost ones (restore.ts).
import { isEc2Origin } from '../../types.js';
import { convertedServers, type WaveContext } from '../contract.js';
import { stopActivityFailure } from '../reasons.js';
import { fromOutput, waveSetup } from '../setup.js';
import { waitingState } from '../wait.js';
import { restoringRecoveryPoint } from './restore.js';

/** Who gets StopFailback this round: first every on-premises instance whose primary was not
 * converted; then only those whose StopFailback was throttled or hit a 5xx. */
function stopTargets(context: WaveContext): string[] {
  const b = context.backout;
  if (b && (b.stopAttempts ?? 0) > 0) {
    return [
      ...new Set(b.stopFailures.filter((f) => f.retryable).flatMap((f) => (f.server ? [f.server] : []))),
    ];
  }
  const converted = new Set(convertedServers(context));
  return context.resolved
    .filter((s) => !isEc2Origin(s) && !converted.has(s.sourceServerID))
    .map((s) => s.recoveryInstanceID);
}

const recordStopError = {
  type: 'recordStopError' as const,
  params: ({ event }: { event: { error: unknown } }) => ({ failure: stopActivityFailure(event.error) }),
};

export const backout = waveSetup.createStateConfig({
  meta: { label: 'Keep the DR side serving', pastPointOfNoReturn: true, backout: true },
  initial: 'stoppingFailback',
  states: {
    stoppingFailback: {
      meta: { label: 'StopFailback for each recovery instance of the wave whose primary was not converted' },
      initial: 'sending',
      states: {
        sending: {
          invoke: {
            id: 'stopFailback',
            src: 'stopFailback',
            input: ({ context }) => ({
              runId: context.runId,
              wave: context.wave.name,
              // EC2-origin servers have no failback state: their DR instances simply keep serving.
              // A converted primary is not reset: the report names it and a person decides.
              recoveryInstanceIDs: stopTargets(context),
            }),
            onDone: [
              { guard: fromOutput('stopRetryable'), target: 'waiting', actions: fromOutput('recordStop') },
              { guard: 'restoreNever', target: '#wave.backoutSettled', actions: fromOutput('recordStop') },
              { target: '#wave.backout.restoringRecoveryPoint', actions: fromOutput('recordStop') },
            ],
            // The backout goes on (the DR side may well be serving); the failure ends it as backout-failed.
            onError: [
              { guard: 'restoreNever', target: '#wave.backoutSettled', actions: recordStopError },
              { target: '#wave.backout.restoringRecoveryPoint', actions: recordStopError },
            ],
          },
        },
        waiting: waitingState({ delay: 'stopRetry', next: 'sending' }),
      },
    },
    restoringRecoveryPoint,
  },
});

/** Transient: how the backout ended, from what it did. */
export const backoutSettled = waveSetup.createStateConfig({
  always: [
    { guard: 'stopFailedForGood', target: 'backoutFailed' },
    { guard: 'primaryAlreadyConverted', target: 'needsAttention' },
    { target: 'backedOut' },
  ],
});
