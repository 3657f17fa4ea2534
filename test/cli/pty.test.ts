// Once through a real pseudo-terminal: `script` (util-linux) gives the CLI a TTY on stdin and
// stdout, so guided mode, the clack prompt in raw mode and the exit code are the real ones.
import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN, fixture, ROOT, tempStateDir } from './helpers.js';

const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
const reason = 'util-linux `script` is not installed: the pseudo-terminal test is skipped';

function quote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Runs the CLI on a pty; `answers` are typed when `prompt` text appears, one per appearance. */
function onTerminal(args: string[], answers: string[]): Promise<{ code: number | null; screen: string }> {
  // Without a terminal of its own, `script` opens a 0x0 pty: give it a size so prompts do not wrap.
  const command = `stty cols 200 rows 50; exec ${[process.execPath, BIN, ...args].map(quote).join(' ')}`;
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', TERM: 'xterm' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let screen = '';
  let asked = 0;
  child.stdout.on('data', (chunk: Buffer) => {
    screen += chunk.toString();
    const prompts = screen.split('Approve?').length - 1;
    while (asked < prompts && asked < answers.length) {
      const key = answers[asked] ?? '';
      asked += 1;
      setTimeout(() => child.stdin.write(key), 50);
    }
  });
  const watchdog = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return new Promise((resolve) => {
    child.on('close', () => clearTimeout(watchdog));
    child.on('close', (code) => resolve({ code, screen }));
  });
}

describe.skipIf(!hasScript)('guided run on a real pseudo-terminal', () => {
  it('asks at each point of no return; "y" then "n" -> first wave completed, second aborted, exit 4 (a partial failback: a person decides)', async () => {
    const { code, screen } = await onTerminal(
      ['run', fixture('plan.yaml'), '--simulate', fixture('scenario.yaml'), '--state-dir', tempStateDir()],
      ['y', 'n'],
    );
    expect(screen).toContain(
      'Wave databases: StartFailbackLaunch for 2 recovery instance(s) in us-east-1; the target machines will be converted and rebooted. Approve?',
    );
    expect(screen).toContain('wave databases: completed');
    expect(screen).toContain('wave app: aborted');
    expect(screen).not.toMatch(new RegExp(`${String.fromCharCode(27)}\\[3\\dm`)); // NO_COLOR: no colour escapes (cursor control is the prompt's)
    // Not 3 ("nothing was changed"): the first wave's servers run on the primary side now.
    expect(code).toBe(4);
  });
});

if (!hasScript) {
  describe('guided run on a real pseudo-terminal', () => {
    it.skip(reason, () => {});
  });
}
