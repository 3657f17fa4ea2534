// Backout keeps the DR side serving: StopFailback, then (unless `restore: never`) check the
// recovery instances and relaunch lost ones (restore.ts).
import { stopActivityFailure } from '../reasons.js';
import { fromOutput, waveSetup } from '../setup.js';
import { restoringRecoveryPoint } from './restore.js';
import { onPremisesRecoveryInstanceIDs } from './shared.js';

export const backout = waveSetup.createStateConfig({
  meta: { label: 'Keep the DR side serving', pastPointOfNoReturn: true, backout: true },
  initial: 'stoppingFailback',
  states: {
    stoppingFailback: {
      meta: { label: 'StopFailback for each recovery instance of the wave' },
      invoke: {
        id: 'stopFailback',
        src: 'stopFailback',
        input: ({ context }) => ({
          runId: context.runId,
          wave: context.wave.name,
          // EC2-origin servers have no failback state: their DR instances simply keep serving.
          recoveryInstanceIDs: onPremisesRecoveryInstanceIDs(context),
        }),
        onDone: [
          { guard: 'restoreNever', target: '#wave.backedOut', actions: fromOutput('recordStop') },
          { target: 'restoringRecoveryPoint', actions: fromOutput('recordStop') },
        ],
        // The backout goes on (the DR side may well be serving); the failure is reported with it.
        onError: [
          {
            guard: 'restoreNever',
            target: '#wave.backedOut',
            actions: {
              type: 'recordStopError',
              params: ({ event }) => ({ failure: stopActivityFailure(event.error) }),
            },
          },
          {
            target: 'restoringRecoveryPoint',
            actions: {
              type: 'recordStopError',
              params: ({ event }) => ({ failure: stopActivityFailure(event.error) }),
            },
          },
        ],
      },
    },
    restoringRecoveryPoint,
  },
});
