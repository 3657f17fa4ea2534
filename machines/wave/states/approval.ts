// A person approves the point of no return; the RTO deadline ends an unanswered approval.
import { approvalRtoReason, refusedReason } from '../reasons.js';
import { waveSetup } from '../setup.js';
import { abortBeforePointOfNoReturn } from './shared.js';

export const awaitingApproval = waveSetup.createStateConfig({
  meta: { label: 'Waiting for a person to approve the point of no return', approval: 'pointOfNoReturn' },
  on: {
    APPROVE: {
      target: 'startingFailback',
      actions: { type: 'recordApproval', params: ({ event }) => ({ by: event.by, at: event.at }) },
    },
    REFUSE: {
      target: 'aborted',
      actions: { type: 'failWith', params: ({ event }) => ({ reason: refusedReason(event.by) }) },
    },
    ABORT: abortBeforePointOfNoReturn,
    // Restored from disk: re-enter so the RTO wait is armed again from the new `now`.
    WAKE: [
      {
        guard: 'wokenPastRto',
        target: 'aborted',
        actions: ['wake', { type: 'failWith', params: { reason: approvalRtoReason } }],
      },
      { target: 'awaitingApproval', reenter: true, actions: 'wake' },
    ],
  },
  after: {
    rtoDeadline: { target: 'aborted', actions: { type: 'failWith', params: { reason: approvalRtoReason } } },
  },
});
