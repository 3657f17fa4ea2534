import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { AwsSetupError, NotAvailableError, UsageError } from '../../src/cli/errors.js';
import { ExitCode, exitCodeForResult, exitCodeForRun, exitForError } from '../../src/cli/exit-codes.js';
import { type ParsedCommand, parseArgs } from '../../src/cli/program.js';
import { ConfigError } from '../../src/config/index.js';
import {
  RunFinishedError,
  RunLockedError,
  RunNotFoundError,
  SnapshotFormatError,
} from '../../src/store/errors.js';
import { defaultStateDir } from '../../src/store/state-dir.js';

const quiet = { writeOut: () => {}, writeErr: () => {} };
const parse = (argv: string[]) => parseArgs(argv, quiet);

// Without --state-dir: the default state directory of this environment, never the working directory.
const base = { json: false, stateDir: defaultStateDir() };

describe('parseArgs: argv to typed options', () => {
  const table: [string[], ParsedCommand][] = [
    [['validate', 'p.yaml'], { command: 'validate', options: { ...base, plan: 'p.yaml' } }],
    [
      ['validate', 'p.yaml', '--json', '--log-level', 'debug'],
      { command: 'validate', options: { ...base, json: true, logLevel: 'debug', plan: 'p.yaml' } },
    ],
    [
      ['check', 'p.yaml', '--simulate', 's.yaml', '--region', 'eu-west-1', '--profile', 'dr'],
      {
        command: 'check',
        options: { ...base, plan: 'p.yaml', simulate: 's.yaml', region: 'eu-west-1', profile: 'dr' },
      },
    ],
    [['run', 'p.yaml'], { command: 'run', options: { ...base, plan: 'p.yaml', yes: false } }],
    [
      ['run', 'p.yaml', '--simulate', 's.yaml', '--yes', '--json', '--state-dir', '/tmp/x', '--speed', '600'],
      {
        command: 'run',
        options: {
          ...base,
          json: true,
          stateDir: '/tmp/x',
          plan: 'p.yaml',
          simulate: 's.yaml',
          yes: true,
          speed: 600,
        },
      },
    ],
    [
      ['run', '--log-file', 'run.log', 'p.yaml', '--speed', '0.5'],
      { command: 'run', options: { ...base, logFile: 'run.log', plan: 'p.yaml', yes: false, speed: 0.5 } },
    ],
    [['diagram'], { command: 'diagram', options: { ...base, format: 'mermaid', machine: 'wave' } }],
    [
      ['diagram', '--format', 'mermaid', '--machine', 'plan'],
      { command: 'diagram', options: { ...base, format: 'mermaid', machine: 'plan' } },
    ],
    [
      ['iam-policy', 'p.yaml'],
      { command: 'iam-policy', options: { ...base, plan: 'p.yaml', originRegions: [] } },
    ],
    [
      ['iam-policy', 'p.yaml', '--origin-region', 'us-west-2', '--origin-region', 'eu-west-1'],
      {
        command: 'iam-policy',
        options: { ...base, plan: 'p.yaml', originRegions: ['us-west-2', 'eu-west-1'] },
      },
    ],
    [
      ['prepare', 'p.yaml'],
      { command: 'prepare', options: { ...base, plan: 'p.yaml', yes: false, watch: false } },
    ],
    [
      ['prepare', 'p.yaml', '--simulate', 's.yaml', '--yes', '--watch', '--json'],
      {
        command: 'prepare',
        options: { ...base, json: true, plan: 'p.yaml', simulate: 's.yaml', yes: true, watch: true },
      },
    ],
    [['resume', 'run-1'], { command: 'resume', options: { ...base, runId: 'run-1', yes: false } }],
    [
      ['resume', 'run-1', '--yes', '--json', '--speed', '600', '--state-dir', '/tmp/x'],
      {
        command: 'resume',
        options: { ...base, json: true, stateDir: '/tmp/x', runId: 'run-1', yes: true, speed: 600 },
      },
    ],
    [
      ['run', 'p.yaml', '--web'],
      { command: 'run', options: { ...base, plan: 'p.yaml', yes: false, web: {} } },
    ],
    [
      ['run', 'p.yaml', '--web', '--port', '8080', '--web-host', '0.0.0.0'],
      {
        command: 'run',
        options: { ...base, plan: 'p.yaml', yes: false, web: { port: 8080, host: '0.0.0.0' } },
      },
    ],
    [
      ['resume', 'run-1', '--web', '--port', '0'],
      { command: 'resume', options: { ...base, runId: 'run-1', yes: false, web: { port: 0 } } },
    ],
    [
      ['watch', 'run-1', '--web', '--state-dir', '/tmp/x'],
      { command: 'watch', options: { ...base, stateDir: '/tmp/x', runId: 'run-1', web: {} } },
    ],
    [['status'], { command: 'status', options: { ...base } }],
    [['status', 'run-1', '--json'], { command: 'status', options: { ...base, json: true, runId: 'run-1' } }],
    [['backout', 'run-1'], { command: 'backout', options: { ...base, runId: 'run-1' } }],
    [['report', 'run-1'], { command: 'report', options: { ...base, runId: 'run-1', format: 'md' } }],
    [
      ['report', 'run-1', '--format', 'json', '--output', 'r.json'],
      { command: 'report', options: { ...base, runId: 'run-1', format: 'json', output: 'r.json' } },
    ],
    [
      ['report', 'run-1', '--json'],
      { command: 'report', options: { ...base, json: true, runId: 'run-1', format: 'json' } },
    ],
  ];
  it.each(table)('%j', async (argv, expected) => {
    expect(await parse(argv)).toEqual(expected);
  });

  const bad: [string[], string][] = [
    [['run'], 'missing required argument'],
    [['run', 'p.yaml', '--speed', 'abc'], '--speed takes a positive number'],
    [['run', 'p.yaml', '--speed', '-1'], '--speed takes a positive number'],
    [['run', 'p.yaml', '--speed', '0'], '--speed takes a positive number'],
    [['run', 'p.yaml', '--frobnicate'], "unknown option '--frobnicate'"],
    [['check', 'p.yaml', '--region', 'mars'], 'not an AWS region name'],
    [['validate', 'p.yaml', '--log-level', 'loud'], '--log-level takes one of'],
    [['diagram', '--format', 'svg'], '--format takes: mermaid'],
    [['diagram', '--machine', 'job'], '--machine takes'],
    [['resume'], 'missing required argument'],
    [['backout'], 'missing required argument'],
    [['report', 'run-1', '--format', 'pdf'], '--format takes: md or json'],
    [['resume', 'run-1', '--speed', 'fast'], '--speed takes a positive number'],
    [['launch', 'p.yaml'], "unknown command 'launch'"],
    [['run', 'p.yaml', '--web', '--port', '65536'], 'expected a port number from 0 to 65535'],
    [['run', 'p.yaml', '--web', '--port', 'http'], 'expected a port number'],
    [['run', 'p.yaml', '--port', '8080'], '--port applies only with --web'],
    [
      ['resume', 'run-1', '--web-host', '0.0.0.0', '--port', '1'],
      '--port and --web-host apply only with --web',
    ],
    [['watch', 'run-1'], "required option '--web' not specified"],
    [['watch', '--web'], 'missing required argument'],
    [[], 'Usage: drs-failback'],
  ];
  it.each(bad)('rejects %j', async (argv, message) => {
    let err = '';
    const output = { writeOut: (t: string) => (err += t), writeErr: (t: string) => (err += t) };
    const error = await parseArgs(argv, output).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommanderError);
    expect((error as CommanderError).exitCode).not.toBe(0);
    expect(err).toContain(message);
  });

  it('--help and --version are not errors', async () => {
    for (const argv of [['--help'], ['run', '--help'], ['--version']]) {
      const error = await parse(argv).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CommanderError);
      expect((error as CommanderError).exitCode).toBe(0);
    }
  });

  it('every command help shows real examples', async () => {
    for (const cmd of [
      'validate',
      'check',
      'run',
      'diagram',
      'iam-policy',
      'resume',
      'status',
      'backout',
      'report',
      'watch',
    ]) {
      let out = '';
      await parseArgs([cmd, '--help'], { writeOut: (t) => (out += t), writeErr: () => {} }).catch(() => {});
      expect(out, cmd).toContain('Examples:');
      expect(out, cmd).toContain(`$ drs-failback ${cmd}`);
    }
  });
});

describe('exit codes (contract table)', () => {
  it.each([
    ['completed', 0],
    ['backed-out', 1],
    ['aborted', 3],
    ['precheck-failed', 3],
    ['backout-failed', 4],
    ['interrupted', 130],
  ] as const)('run ending %s exits %i', (end, code) => {
    expect(exitCodeForRun(end)).toBe(code);
    expect(exitCodeForResult({ command: 'run', end })).toBe(code);
    expect(exitCodeForResult({ command: 'resume', end })).toBe(code);
    expect(exitCodeForResult({ command: 'backout', end })).toBe(code);
  });

  it('a partial failback (an earlier wave completed) is never 3 "nothing was changed": 4', () => {
    expect(exitCodeForRun('aborted', true)).toBe(4);
    expect(exitCodeForRun('precheck-failed', true)).toBe(4);
    expect(exitCodeForResult({ command: 'resume', end: 'aborted', partial: true })).toBe(4);
    expect(exitCodeForRun('backed-out', true)).toBe(1);
  });

  it('ResumeRefusedError is 4 without a stack; StateFileError and RunIncompleteError are 2', () => {
    const refused = Object.assign(new Error('x'), { name: 'ResumeRefusedError' });
    expect(exitForError(refused)).toEqual({ code: 4, message: 'x', unexpected: false });
    for (const name of ['StateFileError', 'RunIncompleteError']) {
      expect(exitForError(Object.assign(new Error('y'), { name }))).toMatchObject({
        code: 2,
        unexpected: false,
      });
    }
  });

  it('check: ready 0, not ready 3; others 0', () => {
    expect(exitCodeForResult({ command: 'check', ready: true })).toBe(0);
    expect(exitCodeForResult({ command: 'check', ready: false })).toBe(3);
    expect(exitCodeForResult({ command: 'validate' })).toBe(0);
  });

  it('bad input is 2 without a stack trace; the unexpected is 4 with one', () => {
    const config = new ConfigError([{ file: 'p.yaml', line: 3, path: 'name', message: 'required' }]);
    expect(exitForError(config)).toMatchObject({ code: ExitCode.usage, unexpected: false });
    expect(exitForError(config).message).toContain('p.yaml:3 name: required');
    expect(exitForError(config).message).toContain('1 problem; nothing was sent to AWS');
    for (const e of [new UsageError('x'), new NotAvailableError('resume'), new AwsSetupError('no creds')]) {
      expect(exitForError(e)).toMatchObject({ code: 2, unexpected: false });
    }
    const creds = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
    expect(exitForError(creds).code).toBe(2);
    // The state directory refuses before anything is sent: an unknown, finished or locked run.
    const owner = { runId: 'run-1', host: 'ops-1', pid: 4242, startedAt: '2026-01-01T00:00:00.000Z' };
    for (const e of [
      new RunNotFoundError('no run run-1'),
      new RunFinishedError('run-1', 'completed'),
      new RunLockedError('plan payments', owner),
      new SnapshotFormatError('snapshot.json format 2 is newer'),
    ]) {
      expect(exitForError(e)).toMatchObject({ code: 2, unexpected: false, message: e.message });
    }
    expect(exitForError(new TypeError('boom'))).toMatchObject({ code: 4, unexpected: true });
  });
});
