import { describe, expect, it } from 'vitest';
import { lifecycleStates, outcomeOfState, planLifecycle, waveLifecycle } from '../../machines/lifecycle.js';
import { planMachine } from '../../machines/plan.machine.js';
import { describeWavePointOfNoReturn, waveMachine } from '../../machines/wave.machine.js';

const resolved = [{ sourceServerID: 's-1', recoveryInstanceID: 'i-1' }];

describe('lifecycle facts, derived from the state meta', () => {
  it('the point of no return: crossed by startingFailback, inherited by the states inside', () => {
    expect(waveLifecycle.states.filter((s) => s.pointOfNoReturn).map((s) => s.path)).toEqual([
      'startingFailback',
    ]);
    expect(waveLifecycle.isPastPointOfNoReturn('precheck')).toBe(false);
    expect(waveLifecycle.isPastPointOfNoReturn('awaitingApproval')).toBe(false);
    expect(waveLifecycle.isPastPointOfNoReturn('aborted')).toBe(false);
    expect(waveLifecycle.isPastPointOfNoReturn('monitoringJob')).toBe(true);
    // An internal step folds into the lifecycle state it lies in.
    expect(waveLifecycle.isPastPointOfNoReturn('monitoringJob.waiting')).toBe(true);
    expect(waveLifecycle.isPastPointOfNoReturn('backout.restoringRecoveryPoint')).toBe(true);
  });

  it('every final state names its outcome, and only final states do', () => {
    for (const machine of [waveMachine, planMachine]) {
      const states = lifecycleStates(machine);
      expect(states.filter((s) => s.final).every((s) => s.outcome !== undefined)).toBe(true);
      expect(states.filter((s) => !s.final).every((s) => s.outcome === undefined)).toBe(true);
    }
    expect(outcomeOfState('backoutFailed', 'wave')).toBe('backout-failed');
    expect(outcomeOfState('precheckFailed', 'plan')).toBe('precheck-failed');
    expect(outcomeOfState('backout.stoppingFailback')).toBeUndefined();
    expect(planLifecycle.isFinal('running')).toBe(false);
  });

  it('the backout and the states inside it are backout states; nothing else is', () => {
    expect(waveLifecycle.states.filter((s) => s.backout).map((s) => s.path)).toEqual([
      'backout',
      'backout.stoppingFailback',
      'backout.restoringRecoveryPoint',
      'backout.restoringRecoveryPoint.awaitingRelaunch',
    ]);
  });

  it('the states that wait for a person, and what approving there does', () => {
    expect(waveLifecycle.states.filter((s) => s.approval).map((s) => [s.path, s.approval])).toEqual([
      ['awaitingApproval', 'pointOfNoReturn'],
      ['cutover.awaitingQuiesce', 'quiesce'],
      ['reprotecting.awaitingApproval', 'reprotect'],
      ['cleaningUp.awaitingApproval', 'cleanup'],
      ['backout.restoringRecoveryPoint.awaitingRelaunch', 'relaunch'],
    ]);
    expect(waveLifecycle.approvalPrompt('awaitingApproval', { resolved })).toBe(
      describeWavePointOfNoReturn(resolved),
    );
    expect(waveLifecycle.approvalPrompt('cleaningUp.awaitingApproval', { resolved })).toMatch(
      /^TerminateRecoveryInstances/,
    );
    expect(waveLifecycle.approvalPrompt('monitoringJob', { resolved })).toBeNull();
    expect(waveLifecycle.approvalPrompt(undefined, { resolved })).toBeNull();
  });

  it('labels every lifecycle state; internal steps have none', () => {
    expect(waveLifecycle.label('verifying')).toBe('Failback state, EC2 status checks, network and probes');
    expect(waveLifecycle.label('verifying.waiting')).toBeUndefined();
    expect(waveLifecycle.paths.has('afterVerified')).toBe(false);
  });
});
