// Through a real pseudo-terminal: `script` (util-linux/bsdutils) gives the CLI a TTY on stdin and
// stdout, so guided mode, the raw-mode prompts, the type-ahead guard and the exit code are the
// real ones. These tests fail, never skip, when `script` is missing: `.ci/run` installs it.
import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN, fixture, ROOT, tempStateDir } from './helpers.js';

const ESC = String.fromCharCode(27);
const ENTER = '\r';

function quote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Keys typed once `when` appears on the screen (after the previous step's match), `delayMs` later. */
interface Step {
  when: string;
  keys: string;
  delayMs?: number;
}

/**
 * Runs the CLI on a pty. `typeAhead` is typed at once, before the CLI has even started; then each
 * step in turn waits for its text on the screen and types its keys.
 */
function onTerminal(
  args: string[],
  typeAhead: string,
  steps: Step[],
): Promise<{ code: number | null; screen: string; stepsDone: number }> {
  // Without a terminal of its own, `script` opens a 0x0 pty: give it a size so prompts do not wrap.
  const command = `stty cols 250 rows 50; exec ${[process.execPath, BIN, ...args].map(quote).join(' ')}`;
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', TERM: 'xterm' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let screen = '';
  let from = 0;
  let next = 0;
  const advance = () => {
    const step = steps[next];
    if (step === undefined) return;
    const at = screen.indexOf(step.when, from);
    if (at < 0) return;
    next += 1;
    from = at + step.when.length;
    setTimeout(() => child.stdin.write(step.keys), step.delayMs ?? 50);
    advance();
  };
  child.stdout.on('data', (chunk: Buffer) => {
    screen += chunk.toString();
    advance();
  });
  if (typeAhead !== '') child.stdin.write(typeAhead);
  const watchdog = setTimeout(() => child.kill('SIGKILL'), 45_000);
  return new Promise((resolve) => {
    child.on('error', () => resolve({ code: null, screen, stepsDone: next }));
    child.on('close', (code) => {
      clearTimeout(watchdog);
      resolve({ code, screen, stepsDone: next });
    });
  });
}

const runArgs = () => [
  'run',
  fixture('plan.yaml'),
  '--simulate',
  fixture('scenario.yaml'),
  '--state-dir',
  tempStateDir(),
  // About two seconds of real time per wave: room to type ahead while a wave converts.
  '--speed',
  '600',
];

const count = (text: string, part: string) => text.split(part).length - 1;

describe('guided run on a real pseudo-terminal', () => {
  it('`script` is installed (.ci/run installs it: these tests must not skip)', () => {
    expect(spawnSync('script', ['--version'], { encoding: 'utf8' }).status).toBe(0);
  });

  it('keys typed before each prompt (even the right word) answer nothing: they are dropped and said so', async () => {
    const { code, screen, stepsDone } = await onTerminal(runArgs(), `databases${ENTER}y${ENTER}`, [
      // The first prompt opens with the type-ahead dropped; nothing was approved by it.
      { when: 'Start the failback of wave databases?', keys: `databases${ENTER}`, delayMs: 400 },
      // While the first wave converts, type the second wave's word and a `y` ahead of its prompt.
      { when: 'approved wave databases', keys: `app${ENTER}y${ENTER}` },
      { when: 'Start the failback of wave app?', keys: `no${ENTER}`, delayMs: 400 },
    ]);
    expect(stepsDone).toBe(3);
    expect(count(screen, 'approved wave databases by')).toBe(1);
    expect(screen).not.toContain('approved wave app');
    expect(count(screen, 'key(s) typed before this question were ignored')).toBe(2);
    expect(screen).toContain('refused wave app by');
    expect(screen).toContain('wave databases: completed');
    expect(screen).toContain('wave app: aborted');
    // Not 3 ("nothing was changed"): the first wave's servers run on the primary side now.
    expect(code).toBe(4);
  });

  it('a point of no return is approved only by typing the word it shows; a single y is not an answer', async () => {
    const { code, screen, stepsDone } = await onTerminal(runArgs(), '', [
      { when: 'Start the failback of wave databases?', keys: `y${ENTER}` },
      { when: 'Type databases exactly to approve', keys: `\x7fdatabases${ENTER}` },
      { when: 'Start the failback of wave app?', keys: `app${ENTER}` },
    ]);
    expect(stepsDone).toBe(3);
    expect(screen).toContain(
      'StartFailbackLaunch for 2 recovery instance(s) in us-east-1: the target machines will be converted and rebooted',
    );
    expect(screen).toContain('Type databases to approve, or no to refuse (nothing changes).');
    expect(screen).not.toMatch(/Yes, start the failback/);
    expect(screen).toContain('wave databases: completed');
    expect(screen).toContain('wave app: completed');
    expect(screen).not.toMatch(new RegExp(`${ESC}\\[3\\dm`)); // NO_COLOR: no colour escapes (cursor control is the prompt's)
    expect(code).toBe(0);
  });
});
