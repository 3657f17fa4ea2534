// A person approves the point of no return. An unanswered approval ends before it: at the
// plan's `approvalTimeout` (an absolute deadline armed on entry) or at the RTO deadline.
import { approvalExpiredReason, approvalRtoReason, refusedReason } from '../reasons.js';
import { waveSetup } from '../setup.js';
import { abortBeforePointOfNoReturn } from './shared.js';

export const awaitingApproval = waveSetup.createStateConfig({
  meta: { label: 'Waiting for a person to approve the point of no return', approval: 'pointOfNoReturn' },
  entry: 'armApprovalDeadline',
  on: {
    APPROVE: {
      target: 'crossing',
      actions: { type: 'recordApproval', params: ({ event }) => ({ by: event.by, at: event.at }) },
    },
    REFUSE: {
      target: 'aborted',
      actions: { type: 'failWith', params: ({ event }) => ({ reason: refusedReason(event.by) }) },
    },
    ABORT: abortBeforePointOfNoReturn,
    // Restored from disk: re-enter so the waits are armed again from the new `now`.
    WAKE: [
      {
        guard: 'wokenPastRto',
        target: 'aborted',
        actions: ['wake', { type: 'failWith', params: { reason: approvalRtoReason } }],
      },
      {
        guard: 'wokenPastApprovalDeadline',
        target: 'aborted',
        actions: ['wake', { type: 'failWith', params: { reason: approvalExpiredReason } }],
      },
      { target: 'awaitingApproval', reenter: true, actions: 'wake' },
    ],
  },
  // One deadline (the engines read it as the approval's timeout): whichever comes first.
  after: {
    approvalDeadline: {
      target: 'aborted',
      actions: {
        type: 'failWith',
        params: ({ context }) => ({
          reason:
            context.approvalDeadlineAt != null && context.approvalDeadlineAt < context.rtoDeadlineAt
              ? approvalExpiredReason
              : approvalRtoReason,
        }),
      },
    },
  },
});
