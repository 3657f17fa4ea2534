// A restored run sends WAKE because a restored snapshot does not re-arm its timers: a state
// that waits on a delay but ignores WAKE would hang after a resume. Every timed wait must end
// on WAKE (waitingState in machines/wave/wait.ts builds them that way).
import { describe, expect, it } from 'vitest';
import { type AnyStateMachine, createMachine } from 'xstate';
import { metaOf, stateNodes } from '../../machines/lifecycle.js';
import { planMachine } from '../../machines/plan.machine.js';
import { waitingState } from '../../machines/wave/wait.js';
import { waveMachine } from '../../machines/wave.machine.js';

interface NodeLike {
  id: string;
  after: ReadonlyArray<unknown>;
  transitions: Map<string, ReadonlyArray<{ target?: ReadonlyArray<unknown> | undefined }>>;
  meta?: unknown;
}

const nodesOf = (machine: AnyStateMachine) => stateNodes(machine) as unknown as NodeLike[];

/** The states that wait on a delay, and those of them that do not leave (or re-enter) on WAKE. */
function waits(machine: AnyStateMachine) {
  const timed = nodesOf(machine).filter((n) => n.after.length > 0);
  const deaf = timed.filter(
    (n) => !(n.transitions.get('WAKE') ?? []).some((t) => (t.target?.length ?? 0) > 0),
  );
  return { timed: timed.map((n) => n.id), deaf: deaf.map((n) => n.id) };
}

describe('every timed wait ends on WAKE', () => {
  it('wave machine: each state with an `after` transition handles WAKE itself', () => {
    const { timed, deaf } = waits(waveMachine);
    // Non-vacuous: the polls, the retries, the restore waits and the approval's RTO wait.
    expect(timed).toEqual([
      'wave.precheck.waiting',
      'wave.awaitingApproval',
      'wave.cutover.awaitingQuiesce',
      'wave.cutover.draining.waiting',
      'wave.startingFailback.throttled',
      'wave.startingFailback.waitingForQuota.waiting',
      'wave.monitoringJob.waiting',
      'wave.verifying.waiting',
      'wave.backout.stoppingFailback.waiting',
      'wave.backout.restoringRecoveryPoint.waitingToAssess',
      'wave.backout.restoringRecoveryPoint.monitoringRecovery.waiting',
      'wave.backout.restoringRecoveryPoint.verifyingRestore.waiting',
    ]);
    expect(deaf).toEqual([]);
  });

  it('plan machine: each state with an `after` transition handles WAKE itself', () => {
    expect(waits(planMachine).deaf).toEqual([]);
  });

  it('the poll waits are the ones built by waitingState (meta `waiting`)', () => {
    const built = nodesOf(waveMachine)
      .filter((n) => metaOf(n).waiting === true)
      .map((n) => n.id);
    // The approvals' RTO waits are not polls: they re-enter on WAKE to re-arm from the new `now`.
    const approvals = ['wave.awaitingApproval', 'wave.cutover.awaitingQuiesce'];
    expect(built).toEqual(waits(waveMachine).timed.filter((id) => !approvals.includes(id)));
  });

  it('catches a hand-written wait that ignores WAKE', () => {
    const machine = createMachine({
      id: 'm',
      initial: 'polling',
      states: {
        polling: { on: { DONE: 'handWritten' } },
        handWritten: { after: { 1000: 'polling' } },
        built: waitingState({ delay: 'poll', next: 'polling' }),
      },
    });
    expect(waits(machine)).toEqual({ timed: ['m.handWritten', 'm.built'], deaf: ['m.handWritten'] });
  });
});
