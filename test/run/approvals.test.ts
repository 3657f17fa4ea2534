// The approval rules every client answers under (terminal today, a web page and an API later):
// who may answer, the first answer wins, stale answers are refused with a sentence.
import { describe, expect, it } from 'vitest';
import type { WaveContext } from '../../machines/wave.machine.js';
import type { RunEventBody } from '../../src/events.js';
import { createApprovals, isAllowedApprover } from '../../src/run/approvals.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');

function waveContext(name: string, over: Partial<WaveContext> = {}): WaveContext {
  return {
    wave: { name, servers: [] },
    resolved: [],
    approvalDeadlineAt: null,
    ...over,
  } as unknown as WaveContext;
}

function setup(approvers?: string[]) {
  const events: RunEventBody[] = [];
  const sent: { type: string; by: string }[] = [];
  const approvals = createApprovals(
    (e) => events.push(e),
    { now: () => T0 },
    (answer) => sent.push(answer),
    approvers ? { approvers } : {},
  );
  return { approvals, events, sent };
}

describe('approvals', () => {
  it('the pending approval names its step, calls, region placeholder, word and deadline', () => {
    const { approvals, events } = setup();
    approvals.onWaveStep('awaitingApproval', waveContext('db', { approvalDeadlineAt: T0 + 60_000 }), true);
    expect(approvals.pending()).toMatchObject({
      wave: 'db',
      kind: 'pointOfNoReturn',
      title: 'Start the failback of wave db',
      confirmWord: 'db',
      expiresAt: T0 + 60_000,
      calls: [{ call: 'StartFailbackLaunch', region: null }],
    });
    expect(events.map((e) => e.type)).toEqual(['approval.requested']);
    approvals.onWaveStep('cleaningUp.awaitingApproval', waveContext('db'), true);
    expect(approvals.pending()).toMatchObject({ kind: 'cleanup', confirmWord: 'terminate', expiresAt: null });
    expect(approvals.pending()?.title).toBe('Terminate the old recovery instances of wave db');
  });

  it('first answer wins: the second is refused with a sentence, and nothing more is sent', () => {
    const { approvals, events, sent } = setup();
    approvals.onWaveStep('awaitingApproval', waveContext('db'), true);
    expect(approvals.answer('approve', { approver: 'alice', via: 'terminal' }, { wave: 'db' })).toEqual({
      ok: true,
    });
    expect(approvals.answer('refuse', { approver: 'bob', via: 'web' }, { wave: 'db' })).toEqual({
      ok: false,
      code: 'not-waiting',
      message: 'the approval of wave db no longer waits for an answer',
    });
    expect(sent).toEqual([{ type: 'APPROVE', by: 'alice', at: T0, wave: 'db' }]);
    expect(events.filter((e) => e.type === 'approval.given')).toEqual([
      { type: 'approval.given', wave: 'db', approver: 'alice', via: 'terminal', by: 'alice' },
    ]);
  });

  it('an answer to an older approval (another wave, another step) is stale: refused, says what waits now', () => {
    const { approvals, sent } = setup();
    approvals.onWaveStep('awaitingApproval', waveContext('app'), true);
    const stale = approvals.answer('approve', { approver: 'alice', via: 'web' }, { wave: 'db' });
    expect(stale).toEqual({
      ok: false,
      code: 'stale',
      message:
        'the approval of wave db was already answered or has expired; wave app now waits for: Start the failback of wave app',
    });
    expect(
      approvals.answer('approve', { approver: 'alice', via: 'web' }, { wave: 'app', kind: 'cleanup' }).ok,
    ).toBe(false);
    expect(sent).toEqual([]);
    expect(approvals.pending()?.wave).toBe('app');
  });

  it('only the plan approvers may answer; the refusal names them; --yes is recorded in `by`', () => {
    const { approvals, sent, events } = setup(['alice', 'arn:aws:iam::111122223333:role/oncall']);
    approvals.onWaveStep('awaitingApproval', waveContext('db'), true);
    expect(approvals.answer('approve', { approver: 'root', via: 'terminal' })).toEqual({
      ok: false,
      code: 'not-allowed',
      message:
        "root is not one of the plan's approvers (alice, arn:aws:iam::111122223333:role/oncall); the answer is ignored",
    });
    expect(sent).toEqual([]);
    expect(approvals.pending()).not.toBeNull();
    expect(approvals.answer('refuse', { approver: 'alice', via: 'terminal', note: '--yes' }).ok).toBe(true);
    expect(events.at(-1)).toEqual({
      type: 'approval.refused',
      wave: 'db',
      approver: 'alice',
      via: 'terminal',
      by: 'alice (--yes)',
    });
  });

  it('a session of a named role is that role; other roles, accounts and users are not', () => {
    const allowed = ['alice', 'arn:aws:iam::111122223333:role/oncall'];
    expect(isAllowedApprover(allowed, 'arn:aws:sts::111122223333:assumed-role/oncall/bob')).toBe(true);
    expect(isAllowedApprover(allowed, 'arn:aws:sts::444455556666:assumed-role/oncall/bob')).toBe(false);
    expect(isAllowedApprover(allowed, 'arn:aws:sts::111122223333:assumed-role/oncall-admin/bob')).toBe(false);
    expect(isAllowedApprover(allowed, 'Alice')).toBe(false);
    expect(isAllowedApprover(undefined, 'anyone')).toBe(true);
  });
});
