import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  type ApprovalQuestion,
  approvalMessage,
  askAfterInterrupt,
  askApproval,
  readApprovalAnswer,
} from '../../src/cli/prompts.js';

/** Headless @clack/prompts: keys are written once the prompt has rendered (it reads in raw mode). */
function terminal() {
  const input = new PassThrough();
  const output = new PassThrough();
  let screen = '';
  output.on('data', (chunk: Buffer) => {
    screen += chunk.toString();
  });
  const press = (...keys: string[]) => {
    const next = () => {
      const key = keys.shift();
      if (key === undefined) return;
      input.write(key);
      setImmediate(next);
    };
    setImmediate(next);
  };
  return { streams: { input, output }, press, screen: () => screen };
}

const question: ApprovalQuestion = {
  wave: 'databases',
  title: 'Start the failback of wave databases',
  pointOfNoReturn:
    'StartFailbackLaunch for 12 recovery instance(s); the target machines will be converted and rebooted',
  calls: [
    {
      call: 'StartFailbackLaunch',
      target: '12 recovery instance(s)',
      region: null,
      consequence: 'the target machines will be converted and rebooted',
      irreversible: true,
    },
  ],
  confirmWord: 'databases',
  region: 'us-east-1',
};

const ENTER = '\r';
const type = (word: string) => [...word];

describe('approval prompt', () => {
  it('names the step, the call, the servers and the region, and the word that approves', () => {
    expect(approvalMessage(question)).toBe(
      [
        'Start the failback of wave databases?',
        '  StartFailbackLaunch for 12 recovery instance(s) in us-east-1: the target machines will be converted and rebooted (cannot be undone)',
        'Type databases to approve, or no to refuse (nothing changes).',
      ].join('\n'),
    );
  });

  it('a call in another region names that region once (EC2 origin), a clean-up is not a failback', () => {
    const message = approvalMessage({
      ...question,
      title: 'Terminate the old recovery instances of wave databases',
      confirmWord: 'terminate',
      calls: [
        {
          call: 'StartRecovery',
          target: '2 server(s)',
          region: 'us-west-2',
          consequence: 'launched there',
          irreversible: true,
        },
      ],
    });
    expect(message).toContain('StartRecovery for 2 server(s) in us-west-2: launched there');
    expect(message).not.toContain('us-east-1');
    expect(message).not.toMatch(/start the failback/i);
    expect(message).toContain('Type terminate to approve');
  });

  it('says when it expires unanswered', () => {
    expect(approvalMessage({ ...question, expires: 'in 59m 30s' })).toContain(
      'Expires unanswered in 59m 30s: the wave then ends, nothing changed.',
    );
  });

  it.each([
    [[...type('databases'), ENTER], 'approve'],
    [[...type('no'), ENTER], 'refuse'],
    [[...type('NO'), ENTER], 'refuse'],
    // One key never approves: `y`, Enter alone and a wrong word are asked again, then refused.
    [['y', ENTER, '\x7f', ...type('no'), ENTER], 'refuse'],
    [[ENTER, ...type('no'), ENTER], 'refuse'],
    [[...type('database'), ENTER, ...type('s'), ENTER], 'approve'],
    [['\x03'], 'cancel'], // Ctrl-C
  ] as const)('keys %j -> %s', async (keys, expected) => {
    const t = terminal();
    const answer = askApproval(question, t.streams);
    t.press(...keys);
    expect(await answer).toBe(expected);
    expect(t.screen()).toContain('StartFailbackLaunch for 12 recovery instance(s) in us-east-1');
  });

  it('a single y is not an answer: the prompt stays open and says what to type', async () => {
    const t = terminal();
    const controller = new AbortController();
    const answer = askApproval(question, { ...t.streams, signal: controller.signal });
    t.press('y', ENTER);
    for (let i = 0; i < 50 && !t.screen().includes('exactly'); i++) await new Promise(setImmediate);
    expect(t.screen()).toContain('Type databases exactly to approve, or no to refuse');
    controller.abort();
    expect(await answer).toBe('cancel');
  });
});

describe('typed answers', () => {
  it.each([
    ['databases', 'approve'],
    [' databases ', 'approve'],
    ['Databases', null],
    ['y', null],
    ['yes', null],
    ['', null],
    ['no', 'refuse'],
  ] as const)('%j -> %s', (typed, expected) => {
    expect(readApprovalAnswer({ confirmWord: 'databases' }, typed)).toBe(expected);
  });

  it('a wave named no is approved by typing no; refuse refuses it', () => {
    expect(readApprovalAnswer({ confirmWord: 'no' }, 'no')).toBe('approve');
    expect(readApprovalAnswer({ confirmWord: 'no' }, 'refuse')).toBe('refuse');
  });
});

describe('Ctrl-C after the point of no return', () => {
  it.each([
    [['\r'], 'pause'], // default: leave the run paused, the choice that changes nothing more
    [['\x1b[B', '\r'], 'backout'],
    [['\x03'], 'pause'],
  ] as const)('keys %j -> %s', async (keys, expected) => {
    const t = terminal();
    const answer = askAfterInterrupt({ waves: ['databases'] }, t.streams);
    t.press(...keys);
    expect(await answer).toBe(expected);
    expect(t.screen()).toContain('past the point of no return. Back out now');
  });
});
