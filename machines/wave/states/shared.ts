// Transitions several states share.
import { isEc2Origin, type ResolvedServer } from '../../types.js';
import { abortReason, activityErrorReason } from '../reasons.js';

type AbortEvent = { event: { by?: string; reason?: string } };

/** Before the point of no return, ABORT ends the wave: nothing changed. */
export const abortBeforePointOfNoReturn = {
  target: '#wave.aborted',
  actions: { type: 'failWith' as const, params: ({ event }: AbortEvent) => ({ reason: abortReason(event) }) },
};

/** Past the point of no return, ABORT backs out: the DR side keeps serving. */
export const abortToBackout = {
  target: '#wave.backout',
  actions: {
    type: 'beginBackout' as const,
    params: ({ event }: AbortEvent) => ({ reason: abortReason(event) }),
  },
};

/** An activity that threw past the point of no return: its outcome is unknown, so back out. */
export const backOutOnError = {
  target: '#wave.backout',
  actions: {
    type: 'beginBackout' as const,
    params: ({ event }: { event: { error: unknown } }) => ({ reason: activityErrorReason(event.error) }),
  },
};

/** The recovery instances of the on-premises-origin servers: StartFailbackLaunch and StopFailback act on them. */
export const onPremisesRecoveryInstanceIDs = (context: { resolved: readonly ResolvedServer[] }): string[] =>
  context.resolved.filter((s) => !isEc2Origin(s)).map((s) => s.recoveryInstanceID);
