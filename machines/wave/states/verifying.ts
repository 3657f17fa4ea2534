// Past the point of no return: failback state, EC2 status checks, network and probes, until
// healthy, unhealthy, or the verify timeout.

import { markerValue } from '../../cutover.js';
import { awsReason, rtoReason, verifyReason } from '../reasons.js';
import { fromOutput, waveSetup } from '../setup.js';
import { waitingState } from '../wait.js';
import { abortToBackout, backOutOnError } from './shared.js';

export const verifying = waveSetup.createStateConfig({
  meta: { label: 'Failback state, EC2 status checks, network and probes', pastPointOfNoReturn: true },
  entry: 'armVerifyDeadline',
  initial: 'checking',
  states: {
    checking: {
      invoke: {
        id: 'verifyFailback',
        src: 'verifyFailback',
        input: ({ context }) => ({
          runId: context.runId,
          wave: context.wave.name,
          servers: context.wave.servers,
          resolved: context.resolved,
          launched: context.launch,
          ...(context.cutover?.marker
            ? {
                marker: {
                  url: context.cutover.marker.read,
                  value: markerValue(context.runId, context.wave.name),
                },
              }
            : {}),
        }),
        onDone: [
          {
            guard: fromOutput('verifyHealthy'),
            target: '#wave.afterVerified',
            actions: fromOutput('recordVerify'),
          },
          {
            guard: fromOutput('verifyUnhealthy'),
            target: '#wave.backout',
            actions: [
              fromOutput('recordVerify'),
              {
                type: 'beginBackout',
                params: ({ event }) => ({
                  reason: verifyReason('verify-failed', event.output.servers, event.output.marker),
                }),
              },
            ],
          },
          {
            guard: fromOutput('pollFatal'),
            target: '#wave.backout',
            actions: [
              fromOutput('recordVerify'),
              { type: 'beginBackout', params: ({ event }) => ({ reason: awsReason(event.output.failure) }) },
            ],
          },
          {
            guard: fromOutput('rtoPassed'),
            target: '#wave.backout',
            actions: [
              fromOutput('recordVerify'),
              { type: 'beginBackout', params: { reason: rtoReason('verification') } },
            ],
          },
          {
            guard: fromOutput('verifyTimedOut'),
            target: '#wave.backout',
            actions: [
              fromOutput('recordVerify'),
              {
                type: 'beginBackout',
                params: ({ event }) => ({
                  reason: verifyReason('verify-timeout', event.output.servers, event.output.marker),
                }),
              },
            ],
          },
          { target: 'waiting', actions: fromOutput('recordVerify') },
        ],
        onError: backOutOnError,
      },
    },
    waiting: waitingState({ delay: 'verifyPoll', next: 'checking' }),
  },
  on: { ABORT: abortToBackout },
});
