// A signal that arrives before the start call is sent stops the run before it (exit 3, nothing
// sent), however fast the precheck: the drive acts on it at once, and the stop gate in the
// instrumented clients refuses a start that was approved but not yet sent.
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createStopGate, StopRequestedError } from '../../src/aws/stop-gate.js';
import { run } from '../../src/cli/commands/run.js';
import { exitCodeForRun } from '../../src/cli/exit-codes.js';
import type { CliIO } from '../../src/cli/io.js';
import { worldFromText } from '../../src/sim/index.js';
import { fixture, tempStateDir } from './helpers.js';

/** A script's stdout (--json) that raises SIGINT the instant a line matching `when` is written. */
function signalWhen(when: RegExp, signals: EventEmitter): { io: CliIO; lines: string[] } {
  const lines: string[] = [];
  let sent = false;
  const stdout = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        lines.push(line);
        if (!sent && when.test(line)) {
          sent = true;
          signals.emit('SIGINT');
        }
      }
      done();
    },
  });
  return {
    io: { stdin: new PassThrough(), stdout, stderr: new PassThrough(), env: { NO_COLOR: '1' } },
    lines,
  };
}

function startsSent(stateDir: string, runId: string): number {
  const world = worldFromText(readFileSync(join(stateDir, 'runs', runId, 'sim-world.ndjson'), 'utf8'));
  return world.calls.filter((c) => c.operation === 'StartFailbackLaunch').length;
}

async function runUntilSignal(when: RegExp) {
  const signals = new EventEmitter();
  const stateDir = tempStateDir();
  const { io, lines } = signalWhen(when, signals);
  const summary = await run(
    {
      plan: fixture('plan.yaml'),
      simulate: fixture('scenario.yaml'),
      yes: true,
      json: true,
      stateDir,
      logLevel: 'silent',
    },
    io,
    { user: 'alice', signals },
  );
  return { summary, stateDir, lines };
}

describe('a stop asked for before the point of no return', () => {
  it('SIGINT during precheck (its first read): aborted, exit 3, StartFailbackLaunch never sent', async () => {
    const { summary, stateDir, lines } = await runUntilSignal(/"operation":"DescribeSourceServers"/);
    expect(summary.end).toBe('aborted');
    expect(exitCodeForRun(summary.end)).toBe(3);
    expect(lines.some((l) => l.includes('"operation":"StartFailbackLaunch"'))).toBe(false);
    expect(startsSent(stateDir, summary.runId)).toBe(0);
  });

  it('SIGINT once approved but before the start is sent: the gate refuses it, aborted, exit 3', async () => {
    const { summary, stateDir, lines } = await runUntilSignal(/"to":"startingFailback"/);
    expect(summary.end).toBe('aborted');
    expect(lines.some((l) => l.includes('"operation":"StartFailbackLaunch"'))).toBe(false);
    expect(lines.some((l) => l.includes('"to":"startingFailback"'))).toBe(true);
    expect(startsSent(stateDir, summary.runId)).toBe(0);
    expect(summary.result?.waves[0]?.outcome).toBe('aborted');
  });

  it('the gate: refuses only calls past the point of no return, and only until one was sent', async () => {
    const gate = createStopGate();
    await gate.beforeSend('StartFailbackLaunch');
    gate.requestStop();
    // One was sent: stopping is now the operator's choice (pause or backout), not the gate's.
    expect(() => gate.beforeSend('StartFailbackLaunch')).not.toThrow();
    const fresh = createStopGate();
    fresh.requestStop();
    expect(() => fresh.beforeSend('StopFailback')).not.toThrow();
    expect(() => fresh.beforeSend('DescribeJobs')).not.toThrow();
    expect(() => fresh.beforeSend('StartRecovery')).toThrow(StopRequestedError);
    expect(() => fresh.beforeSend('StartFailbackLaunch')).toThrow(StopRequestedError);
    // A stop that arrives while the gate yields to the event loop still wins.
    const racing = createStopGate();
    const looked = racing.beforeSend('StartFailbackLaunch');
    racing.requestStop();
    await expect(looked).rejects.toBeInstanceOf(StopRequestedError);
  });
});
