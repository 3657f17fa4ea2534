// Colour follows the conventions: FORCE_COLOR forces it, NO_COLOR and TERM=dumb turn it off, else a terminal decides.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { type CliIO, palette, useColor } from '../../src/cli/io.js';
import { cli, fixture } from './helpers.js';

const ESC = String.fromCharCode(27);
const COLOUR = new RegExp(`${ESC}\\[3\\dm`);

function io(tty: boolean, env: Record<string, string>): CliIO {
  const stream = () => Object.assign(new PassThrough(), { isTTY: tty });
  return { stdin: stream(), stdout: stream(), stderr: stream(), env };
}

describe('colour', () => {
  it.each([
    [true, {}, true],
    [false, {}, false],
    [true, { NO_COLOR: '1' }, false],
    [true, { NO_COLOR: '' }, true],
    [true, { TERM: 'dumb' }, false],
    [false, { FORCE_COLOR: '1' }, true],
    [true, { FORCE_COLOR: '0' }, false],
    [true, { FORCE_COLOR: 'false' }, false],
    [false, { FORCE_COLOR: '1', NO_COLOR: '1', TERM: 'dumb' }, true],
  ] as const)('terminal %s, env %j -> %s', (tty, env, expected) => {
    expect(useColor(io(tty, env))).toBe(expected);
  });

  it('paints through styleText when on, leaves text alone when off', () => {
    expect(palette(true).red('x')).toBe(`${ESC}[31mx${ESC}[39m`);
    expect(palette(false).red('x')).toBe('x');
  });

  it('a child process: plain into a pipe, coloured with FORCE_COLOR, plain with FORCE_COLOR=0', async () => {
    const args = ['check', fixture('plan.yaml'), '--simulate', fixture('scenario.yaml')];
    const plain = await cli(args, { NO_COLOR: '' });
    const forced = await cli(args, { NO_COLOR: '1', FORCE_COLOR: '1' });
    const off = await cli(args, { NO_COLOR: '', FORCE_COLOR: '0' });
    expect(plain.stdout).not.toMatch(COLOUR);
    expect(forced.stdout).toMatch(COLOUR);
    expect(off.stdout).not.toMatch(COLOUR);
    expect(forced.code).toBe(plain.code);
  });
});
