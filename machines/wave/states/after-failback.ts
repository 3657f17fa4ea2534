// Opt-in steps after a verified failback, each behind its own approval: re-protect (EC2 origin)
// and the clean-up of the old recovery instances (any origin). The failback is verified by then:
// refusing, failing or aborting a step only skips it.
import { cleanupModeOf, isEc2Origin } from '../../types.js';
import { errorMessage } from '../reasons.js';
import { fromOutput, waveSetup } from '../setup.js';

/** Transient: which opt-in step (if any) comes after a verified failback. */
export const afterVerified = waveSetup.createStateConfig({
  always: [
    { guard: 'reprotectWanted', target: 'reprotecting' },
    { guard: 'cleanupWanted', target: 'cleaningUp' },
    { target: 'completed' },
  ],
});

export const reprotecting = waveSetup.createStateConfig({
  meta: {
    label: 'Opt-in: ReverseReplication of the new primary, after its own approval',
    pastPointOfNoReturn: true,
  },
  initial: 'awaitingApproval',
  states: {
    awaitingApproval: {
      meta: { label: 'Waiting for a person to approve re-protection', approval: 'reprotect' },
      on: {
        APPROVE: 'sending',
        REFUSE: {
          target: '#wave.afterReprotect',
          actions: {
            type: 'recordSkipped',
            params: ({ event }) => ({ step: `reprotect refused by ${event.by}` }),
          },
        },
      },
    },
    sending: {
      invoke: {
        id: 'reprotect',
        src: 'reprotect',
        input: ({ context }) => ({
          runId: context.runId,
          wave: context.wave.name,
          servers: context.resolved.filter(isEc2Origin).flatMap((s) => {
            // The origin-region job lists the reversed source server, not the DR one.
            const launched = context.launch.find(
              (l) => l.sourceServerID === s.reversedSourceServerID || l.sourceServerID === s.sourceServerID,
            );
            return launched?.recoveryInstanceID && s.originRegion
              ? [
                  {
                    sourceServerID: s.sourceServerID,
                    originRegion: s.originRegion,
                    recoveryInstanceID: launched.recoveryInstanceID,
                  },
                ]
              : [];
          }),
        }),
        onDone: { target: '#wave.afterReprotect', actions: fromOutput('recordReprotect') },
        onError: {
          target: '#wave.afterReprotect',
          actions: {
            type: 'recordSkipped',
            params: ({ event }) => ({ step: `reprotect failed: ${errorMessage(event.error)}` }),
          },
        },
      },
    },
  },
  on: {
    ABORT: {
      target: 'afterReprotect',
      actions: { type: 'recordSkipped', params: { step: 'reprotect skipped by ABORT' } },
    },
  },
});

export const afterReprotect = waveSetup.createStateConfig({
  always: [{ guard: 'cleanupWanted', target: 'cleaningUp' }, { target: 'completed' }],
});

export const cleaningUp = waveSetup.createStateConfig({
  meta: {
    label:
      'Opt-in: TerminateRecoveryInstances or DisconnectRecoveryInstance of the old DR instances, after its own approval',
    pastPointOfNoReturn: true,
  },
  initial: 'awaitingApproval',
  states: {
    awaitingApproval: {
      meta: { label: 'Waiting for a person to approve the irreversible clean-up', approval: 'cleanup' },
      on: {
        APPROVE: 'sending',
        REFUSE: {
          target: '#wave.completed',
          actions: {
            type: 'recordSkipped',
            params: ({ event }) => ({ step: `cleanup refused by ${event.by}` }),
          },
        },
      },
    },
    sending: {
      invoke: {
        id: 'cleanup',
        src: 'cleanup',
        input: ({ context }) => ({
          runId: context.runId,
          wave: context.wave.name,
          recoveryInstanceIDs: context.resolved.map((s) => s.recoveryInstanceID),
          mode: cleanupModeOf(context.afterFailback) ?? 'terminate',
        }),
        onDone: { target: '#wave.completed', actions: fromOutput('recordCleanup') },
        onError: {
          target: '#wave.completed',
          actions: {
            type: 'recordSkipped',
            params: ({ event }) => ({ step: `cleanup failed: ${errorMessage(event.error)}` }),
          },
        },
      },
    },
  },
  on: {
    ABORT: {
      target: 'completed',
      actions: { type: 'recordSkipped', params: { step: 'cleanup skipped by ABORT' } },
    },
  },
});
