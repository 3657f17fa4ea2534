import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = fileURLToPath(new URL('../../bin/drs-failback.js', import.meta.url));
export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
export const fixture = (name: string) => `${FIXTURES}${name}`;

const stateDirs: string[] = [];
afterEach(() => {
  for (const dir of stateDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/**
 * A fresh `--state-dir`, removed after the test. Every test that runs a failback passes one: runs
 * of the same plan in one state directory would (rightly) refuse each other while tests run in
 * parallel.
 */
export function tempStateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'drs-failback-cli-state-'));
  stateDirs.push(dir);
  return dir;
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the installed entry point as a child process, without a terminal. */
export function cli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      {
        cwd: ROOT,
        env: { ...process.env, NO_COLOR: '1', ...env },
        timeout: 60_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end();
  });
}

export interface Event {
  type: string;
  [key: string]: unknown;
}

/** Parses NDJSON; throws on any line that is not a JSON object, so stray output fails the test. */
export function ndjson(text: string): Event[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => {
      const value = JSON.parse(line) as unknown;
      if (typeof value !== 'object' || value === null || !('type' in value))
        throw new Error(`not an event: ${line}`);
      return value as Event;
    });
}
