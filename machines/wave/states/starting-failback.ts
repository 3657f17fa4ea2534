// The point of no return: StartFailbackLaunch (on-premises origin) or StartRecovery in the
// origin region (EC2 origin). A throttled request did nothing, and a failed read before any start
// sent nothing: both are sent again after a wait. A start DRS rejected, or one after which a
// re-read shows nothing started, ends the wave before the point of no return (no StopFailback).
import { isEc2Origin } from '../../types.js';
import { awsReason, startNotStartedReason } from '../reasons.js';
import { fromOutput, waveSetup } from '../setup.js';
import { waitingState } from '../wait.js';
import { abortToBackout, backOutOnError, onPremisesRecoveryInstanceIDs } from './shared.js';

export const startingFailback = waveSetup.createStateConfig({
  meta: {
    label: 'StartFailbackLaunch: the target machines are converted and rebooted',
    pointOfNoReturn: true,
    pastPointOfNoReturn: true,
  },
  initial: 'sending',
  states: {
    sending: {
      invoke: {
        id: 'startFailback',
        src: 'startFailback',
        input: ({ context }) => ({
          runId: context.runId,
          wave: context.wave.name,
          recoveryInstanceIDs: onPremisesRecoveryInstanceIDs(context),
          // EC2-origin servers: StartRecovery of the reversed source server in the origin region.
          ec2Origin: context.resolved.filter(isEc2Origin),
          // Lets the activity adopt a job this run already started (a resumed run re-invokes it).
          runStartedAt: context.runStartedAt,
        }),
        onDone: [
          { guard: fromOutput('startRetryable'), target: 'throttled', actions: fromOutput('recordStart') },
          {
            // Nothing started: the wave ends before the point of no return, failback readiness kept.
            guard: fromOutput('nothingStarted'),
            target: '#wave.aborted',
            actions: [
              fromOutput('recordStart'),
              {
                type: 'failWith',
                params: ({ event }) => ({ reason: startNotStartedReason(event.output.failure) }),
              },
            ],
          },
          {
            guard: fromOutput('startFailed'),
            target: '#wave.backout',
            actions: [
              fromOutput('recordStart'),
              { type: 'beginBackout', params: ({ event }) => ({ reason: awsReason(event.output.failure) }) },
            ],
          },
          { target: '#wave.monitoringJob', actions: fromOutput('recordStart') },
        ],
        // The outcome of the call is unknown: assume it may have started, and back out.
        onError: backOutOnError,
      },
    },
    throttled: waitingState({ delay: 'startRetry', next: 'sending' }),
  },
  on: { ABORT: abortToBackout },
});
