// The cutover, between approval and the point of no return: a person confirms the writes on the
// DR side stopped (`cutover.quiesce: confirm`), the writes are stopped, then the replication home
// drains until every server's lag is at most `cutover.maxLag` with no backlog. Past
// `cutover.timeout` the wave ends before the point of no return: nothing changed in AWS.

import { markerValue } from '../../cutover.js';
import {
  approvalRtoReason,
  drainTimeoutReason,
  errorMessage,
  quiesceReason,
  refusedReason,
  rtoReason,
} from '../reasons.js';
import { fromOutput, waveSetup } from '../setup.js';
import { waitingState } from '../wait.js';
import { abortBeforePointOfNoReturn } from './shared.js';

export const cutover = waveSetup.createStateConfig({
  meta: { label: 'Cutover: the writes on the DR side stop and the replication home drains' },
  initial: 'deciding',
  states: {
    deciding: {
      always: [{ guard: 'quiesceConfirm', target: 'awaitingQuiesce' }, { target: 'quiescing' }],
    },
    awaitingQuiesce: {
      meta: {
        label: 'Waiting for a person to confirm the writes on the DR side stopped',
        approval: 'quiesce',
      },
      on: {
        APPROVE: {
          target: 'quiescing',
          actions: {
            type: 'recordQuiesceConfirmed',
            params: ({ event }) => ({ by: event.by, at: event.at }),
          },
        },
        REFUSE: {
          target: '#wave.aborted',
          actions: { type: 'failWith', params: ({ event }) => ({ reason: refusedReason(event.by) }) },
        },
        WAKE: [
          {
            guard: 'wokenPastRto',
            target: '#wave.aborted',
            actions: ['wake', { type: 'failWith', params: { reason: approvalRtoReason } }],
          },
          { target: 'awaitingQuiesce', reenter: true, actions: 'wake' },
        ],
      },
      after: {
        rtoDeadline: {
          target: '#wave.aborted',
          actions: { type: 'failWith', params: { reason: approvalRtoReason } },
        },
      },
    },
    quiescing: {
      invoke: {
        id: 'quiesceWrites',
        src: 'quiesceWrites',
        input: ({ context }) => ({
          runId: context.runId,
          wave: context.wave.name,
          recoveryInstanceIDs: context.resolved.map((s) => s.recoveryInstanceID),
          ...(context.cutover?.marker
            ? {
                marker: {
                  url: context.cutover.marker.write,
                  value: markerValue(context.runId, context.wave.name),
                },
              }
            : {}),
        }),
        onDone: [
          {
            guard: fromOutput('quiesceFailed'),
            target: '#wave.aborted',
            actions: [
              fromOutput('recordQuiesced'),
              {
                type: 'failWith',
                params: ({ event }) => ({ reason: quiesceReason(event.output.failure?.message ?? 'failed') }),
              },
            ],
          },
          { target: 'draining', actions: fromOutput('recordQuiesced') },
        ],
        onError: {
          target: '#wave.aborted',
          actions: {
            type: 'failWith',
            params: ({ event }) => ({ reason: quiesceReason(errorMessage(event.error)) }),
          },
        },
      },
    },
    draining: {
      initial: 'measuring',
      states: {
        measuring: {
          invoke: {
            id: 'measureDrain',
            src: 'measureDrain',
            input: ({ context }) => ({
              runId: context.runId,
              wave: context.wave.name,
              resolved: context.resolved,
              maxLagMs: context.cutover?.maxLagMs ?? 0,
              ...(context.cutoverRecord?.markerWrittenAt !== undefined
                ? { markerWrittenAt: context.cutoverRecord.markerWrittenAt }
                : {}),
            }),
            onDone: [
              {
                guard: fromOutput('drained'),
                target: '#wave.startingFailback',
                actions: fromOutput('recordDrain'),
              },
              {
                guard: fromOutput('rtoPassed'),
                target: '#wave.aborted',
                actions: [
                  fromOutput('recordDrain'),
                  { type: 'failWith', params: { reason: rtoReason('the cutover drain') } },
                ],
              },
              {
                guard: fromOutput('drainTimedOut'),
                target: '#wave.aborted',
                actions: [
                  fromOutput('recordDrain'),
                  {
                    type: 'failWith',
                    params: ({ context, event }) => ({
                      reason: drainTimeoutReason(event.output.servers, context.cutover?.maxLagMs ?? 0),
                    }),
                  },
                ],
              },
              { target: 'waiting', actions: fromOutput('recordDrain') },
            ],
            onError: {
              target: '#wave.aborted',
              actions: {
                type: 'failWith',
                params: ({ event }) => ({ reason: quiesceReason(errorMessage(event.error)) }),
              },
            },
          },
        },
        waiting: waitingState({ delay: 'drainPoll', next: 'measuring' }),
      },
    },
  },
  // Before the point of no return: ABORT ends the wave, nothing changed in AWS.
  on: { ABORT: abortBeforePointOfNoReturn },
});

/** Transient: once the wave may cross, the cutover when it has one, else the start itself. */
export const crossing = waveSetup.createStateConfig({
  always: [{ guard: 'hasCutover', target: 'cutover' }, { target: 'startingFailback' }],
});
