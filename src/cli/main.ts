// The entry point: parses argv, lazily imports the chosen command, and is the only place that
// turns results and errors into exit codes (and, when run directly, calls process.exit).
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CommanderError } from 'commander';
import type { RunSummary } from './drive.js';
import { type CommandResult, ExitCode, exitCodeForResult, exitForError } from './exit-codes.js';
import { type CliIO, processIO, writeLine } from './io.js';
import { type ParsedCommand, parseArgs } from './program.js';

/** Runs one command; each command file is imported only when chosen. */
export async function dispatch(parsed: ParsedCommand, io: CliIO): Promise<CommandResult> {
  switch (parsed.command) {
    case 'validate': {
      const { validate } = await import('./commands/validate.js');
      await validate(parsed.options, io);
      return { command: 'validate' };
    }
    case 'check': {
      const { check } = await import('./commands/check.js');
      const report = await check(parsed.options, io);
      return { command: 'check', ready: report.ready };
    }
    case 'run': {
      const { run } = await import('./commands/run.js');
      const summary = await run(parsed.options, io);
      return { command: 'run', end: summary.end, partial: partialFailback(summary) };
    }
    case 'resume': {
      const { resume } = await import('./commands/resume.js');
      const summary = await resume(parsed.options, io);
      return { command: 'resume', end: summary.end, partial: partialFailback(summary) };
    }
    case 'backout': {
      const { backout } = await import('./commands/backout.js');
      const summary = await backout(parsed.options, io);
      return { command: 'backout', end: summary.end, partial: partialFailback(summary) };
    }
    case 'status': {
      if (parsed.options.engine === 'sfn') {
        const { statusSfn } = await import('./commands/status-sfn.js');
        await statusSfn(parsed.options, io);
        return { command: 'status' };
      }
      const { status } = await import('./commands/status.js');
      await status(parsed.options, io);
      return { command: 'status' };
    }
    case 'report': {
      const { report } = await import('./commands/report.js');
      await report(parsed.options, io);
      return { command: 'report' };
    }
    case 'watch': {
      const { watch } = await import('./commands/watch.js');
      await watch(parsed.options, io);
      return { command: 'watch' };
    }
    case 'diagram': {
      const { diagram } = await import('./commands/diagram.js');
      diagram(parsed.options, io);
      return { command: 'diagram' };
    }
    case 'approve':
    case 'refuse': {
      const { answerSfnApproval } = await import('./commands/answer-sfn.js');
      await answerSfnApproval(parsed.command, parsed.options, io);
      return { command: parsed.command };
    }
    case 'export': {
      const { exportSfn } = await import('./commands/export-sfn.js');
      await exportSfn(parsed.options, io);
      return { command: 'export' };
    }
    case 'iam-policy': {
      const { iamPolicy } = await import('./commands/iam-policy.js');
      await iamPolicy(parsed.options, io);
      return { command: 'iam-policy' };
    }
    case 'prepare': {
      const { prepare } = await import('./commands/prepare.js');
      const summary = await prepare(parsed.options, io);
      return {
        command: 'prepare',
        ready: summary.ready,
        reversed: summary.reversed,
        failed: summary.servers.filter((s) => s.action === 'failed' || s.action === 'unresolved').length,
        interrupted: summary.interrupted,
      };
    }
  }
}

/** The whole command line as a function: argv in, exit code out. */
export async function main(argv: readonly string[], io: CliIO = processIO()): Promise<number> {
  let parsed: ParsedCommand;
  try {
    parsed = await parseArgs(argv, {
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has already printed its one line (or the help).
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    writeLine(io.stderr, `drs-failback: ${error instanceof Error ? error.message : String(error)}`);
    return ExitCode.usage;
  }
  try {
    return exitCodeForResult(await dispatch(parsed, io));
  } catch (error) {
    const exit = exitForError(error);
    writeLine(io.stderr, prefixLines(exit.message));
    if (exit.unexpected && error instanceof Error && error.stack) {
      writeLine(io.stderr, error.stack);
    }
    return exit.code;
  }
}

function prefixLines(message: string): string {
  const lines = message.split('\n');
  return lines.length === 1 ? `drs-failback: ${message}` : message;
}

/** Waits until everything written to stdout and stderr has been handed to the OS. */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.writableLength === 0) resolve();
    else stream.write('', () => resolve());
  });
}

/** `bin/drs-failback.js` calls this; so does `tsx src/cli/main.ts ...` (see below). */
export async function runAsProcess(): Promise<never> {
  const code = await main(process.argv.slice(2));
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}

function isEntryModule(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isEntryModule()) await runAsProcess();

/**
 * Some wave failed back (in this run, or in an earlier one this run continued after) while the run
 * as a whole did not complete: servers are on the primary side, a person decides what is next.
 */
function partialFailback(summary: RunSummary): boolean {
  const failedBack = (o: string) => o === 'completed' || o === 'already-failed-back';
  return summary.result?.waves.some((w) => failedBack(w.outcome)) === true && summary.end !== 'completed';
}
