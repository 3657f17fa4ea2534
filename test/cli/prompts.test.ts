import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { approvalMessage, askAfterInterrupt, askApproval } from '../../src/cli/prompts.js';

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

const question = {
  wave: 'databases',
  pointOfNoReturn:
    'StartFailbackLaunch for 12 recovery instance(s); the target machines will be converted and rebooted',
  region: 'us-east-1',
};

describe('approval prompt', () => {
  it('names exactly what will happen, with the region', () => {
    expect(approvalMessage(question)).toBe(
      'Wave databases: StartFailbackLaunch for 12 recovery instance(s) in us-east-1; the target machines will be converted and rebooted. Approve?',
    );
  });

  it.each([
    [['y'], 'approve'],
    [['n'], 'refuse'],
    [['\r'], 'refuse'], // the default is No: Enter alone never launches
    [['\x1b[D', '\r'], 'approve'], // left arrow to Yes, then Enter
    [['\x03'], 'cancel'], // Ctrl-C
  ] as const)('keys %j -> %s', async (keys, expected) => {
    const t = terminal();
    const answer = askApproval(question, t.streams);
    t.press(...keys);
    expect(await answer).toBe(expected);
    expect(t.screen()).toContain('StartFailbackLaunch for 12 recovery instance(s) in us-east-1');
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
