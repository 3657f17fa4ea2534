import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatSubject, MAX_SUBJECT_LENGTH, toSubjectText } from '../../src/notify/subject.js';

const hasControlCharacter = (text: string): boolean =>
  Array.from(text).some((char) => {
    const code = char.codePointAt(0) ?? 0;
    return code < 0x20 || (code >= 0x7f && code <= 0x9f);
  });
const NON_ASCII = /[^ -~]/;

describe('formatSubject', () => {
  it.each([
    [
      { plan: 'payments', wave: 'databases', state: 'monitoringJob' },
      '[drs-failback] payments / databases: monitoringJob',
    ],
    [
      { plan: 'payments', state: 'completed', outcome: 'completed' },
      '[drs-failback] payments: completed (completed)',
    ],
    [
      { plan: 'payments', wave: 'app', state: 'backout.restoring' },
      '[drs-failback] payments / app: backout.restoring',
    ],
    [
      { plan: 'pay\nments\r\t', wave: 'data\u0000bases', state: 'x' },
      '[drs-failback] pay ments / data bases: x',
    ],
    [{ plan: 'café', wave: 'über-wave', state: 'x' }, '[drs-failback] cafe / uber-wave: x'],
    [{ plan: '支付', wave: '🚀', state: 'x' }, '[drs-failback] ?? / ?: x'],
    [{ plan: '', wave: '', state: 'x' }, '[drs-failback] (unnamed): x'],
    [{ plan: 'p', wave: '\u2028\u2029', state: 'x' }, '[drs-failback] p: x'],
  ])('%j -> %s', (input, expected) => {
    expect(formatSubject(input)).toBe(expected);
  });

  it('truncates long plan and wave names with an ellipsis, never the state', () => {
    const subject = formatSubject({
      plan: 'p'.repeat(200),
      wave: 'w'.repeat(200),
      state: 'backout.stoppingFailback',
      outcome: 'backed-out',
    });
    expect(subject.length).toBeLessThan(100);
    expect(subject.endsWith(': backout.stoppingFailback (backed-out)')).toBe(true);
    expect(subject).toMatch(/^\[drs-failback\] p+\.\.\. \/ w+\.\.\.: /);
  });

  it('keeps a short name whole and gives the room to the long one', () => {
    const subject = formatSubject({ plan: 'payments', wave: 'w'.repeat(200), state: 'launching' });
    expect(subject.length).toBe(MAX_SUBJECT_LENGTH);
    expect(subject.startsWith('[drs-failback] payments / www')).toBe(true);
    expect(subject.endsWith('...: launching')).toBe(true);
  });

  it('keeps a long plan name without wave within bounds', () => {
    const subject = formatSubject({ plan: 'p'.repeat(500), state: 'completed', outcome: 'completed' });
    expect(subject.length).toBe(MAX_SUBJECT_LENGTH);
    expect(subject.endsWith('...: completed (completed)')).toBe(true);
  });

  it('is always shorter than 100 characters, one line, printable ASCII (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 400 }),
        fc.option(fc.string({ unit: 'binary', maxLength: 400 }), { nil: undefined }),
        fc.constantFrom('monitoringJob', 'backout.restoring.waitingJob', 'completed', 'precheckFailed'),
        fc.option(fc.constantFrom('completed', 'backed-out', 'backout-failed'), { nil: undefined }),
        (plan, wave, state, outcome) => {
          const subject = formatSubject({ plan, wave, state, outcome });
          expect(subject.length).toBeLessThan(100);
          expect(hasControlCharacter(subject)).toBe(false);
          expect(subject).not.toMatch(NON_ASCII);
          // The state is never cut.
          expect(subject.includes(`: ${state}`)).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('stays within bounds even when every field is arbitrary (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary' }),
        fc.option(fc.string({ unit: 'binary' }), { nil: undefined }),
        fc.string({ unit: 'binary', maxLength: 300 }),
        fc.option(fc.string({ unit: 'binary', maxLength: 300 }), { nil: undefined }),
        (plan, wave, state, outcome) => {
          const subject = formatSubject({ plan, wave, state, outcome });
          expect(subject.length).toBeLessThan(100);
          expect(hasControlCharacter(subject)).toBe(false);
          expect(subject).not.toMatch(NON_ASCII);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('toSubjectText', () => {
  it('folds whitespace runs and trims', () => {
    expect(toSubjectText('  a \n\n b\t')).toBe('a b');
  });
});
