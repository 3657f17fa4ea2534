// `watch <run-id> --web`: a read-only live view of a run in the state directory, driven by another
// process (a real child `run --web`) or finished; served on loopback unless told otherwise, with
// a warning then.
import { EventEmitter } from 'node:events';
import { createServer } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { watch } from '../../src/cli/commands/watch.js';
import type { CliIO } from '../../src/cli/io.js';
import { startWebRun, type WebRun } from '../support/web-driver.js';
import { cli, fixture, tempStateDir } from './helpers.js';

function io(): { io: CliIO; stderr: () => string } {
  let err = '';
  const stream = () => Object.assign(new PassThrough(), { isTTY: false });
  const stderr = stream();
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  return { io: { stdin: stream(), stdout: stream(), stderr, env: { NO_COLOR: '1' } }, stderr: () => err };
}

/** Resolves with the URL once `stderr` shows it. */
function printedUrl(stderr: () => string): Promise<URL> {
  return new Promise((resolve) => {
    const look = () => {
      const url = /live view: (\S+)/.exec(stderr())?.[1];
      if (url) resolve(new URL(url));
      else setImmediate(look);
    };
    look();
  });
}

/** SSE `run` events from a stream, read until `until` holds. */
async function readEvents(
  res: Response,
  until: (events: { type: string; wave?: string; via?: string; seq: number }[]) => boolean,
) {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const events: { type: string; wave?: string; via?: string; seq: number }[] = [];
  let text = '';
  while (!until(events)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    const parts = text.split('\n\n');
    text = parts.pop() ?? '';
    for (const part of parts) {
      const data = /^data: (.*)$/m.exec(part)?.[1];
      if (/^event: run$/m.test(part) && data) events.push(JSON.parse(data));
    }
  }
  await reader.cancel();
  return events;
}

const driven: WebRun[] = [];
afterAll(async () => {
  await Promise.all(driven.map((r) => r.stop()));
}, 30_000);

describe('watch --web', () => {
  it('shows a run another process drives, live and read-only; the answer given there appears', async () => {
    const run = await startWebRun(600);
    driven.push(run);
    const runId = await new Promise<string>((resolve) => {
      const look = () => {
        const id = /run (run-\S+) started/.exec(run.output())?.[1];
        if (id) resolve(id);
        else setImmediate(look);
      };
      look();
    });
    const t = io();
    const signals = new EventEmitter();
    const watching = watch({ runId, stateDir: run.stateDir, json: false, web: {} }, t.io, signals);
    const url = await printedUrl(t.stderr);
    expect(url.host).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(t.stderr()).not.toContain('warning');
    const token = url.searchParams.get('token') ?? '';
    expect(token).not.toBe(run.token);
    const view = await (await fetch(`${url.origin}/api/run?token=${token}`)).json();
    expect(view).toMatchObject({ runId, canApprove: false, pending: null, plan: { name: 'payments' } });

    // The driven run waits for an answer on its own page; the watcher's log-reading view sees it.
    const stream = await fetch(`${url.origin}/api/events?token=${token}`);
    const requested = readEvents(stream, (events) =>
      events.some((e) => e.type === 'approval.requested' && e.wave === 'databases'),
    );
    await requested;
    const readOnly = await fetch(`${url.origin}/api/approval`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-drs-failback-token': token },
      body: JSON.stringify({ wave: 'databases', answer: 'approve', approver: 'eve', confirm: 'databases' }),
    });
    expect(readOnly.status).toBe(409);
    expect(((await readOnly.json()) as { message: string }).message).toContain('read-only');

    const resumed = fetch(`${url.origin}/api/events?token=${token}`);
    const given = await fetch(`${run.base}/api/approval`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-drs-failback-token': run.token },
      body: JSON.stringify({ wave: 'databases', answer: 'approve', approver: 'frank', confirm: 'databases' }),
    });
    expect(given.status).toBe(200);
    const seen = await readEvents(await resumed, (events) =>
      events.some((e) => e.type === 'approval.given' && e.wave === 'databases'),
    );
    expect(seen.find((e) => e.type === 'approval.given')).toMatchObject({ approver: 'frank', via: 'web' });
    expect(seen.map((e) => e.seq)).toEqual(seen.map((_, i) => i + 1));
    expect(
      seen.some((e) => e.type === 'approval.given' && (e as { approver?: string }).approver === 'eve'),
    ).toBe(false);

    signals.emit('SIGINT');
    await watching;
    // Closed: the port no longer answers.
    await expect(fetch(`${url.origin}/?token=${token}`)).rejects.toThrow();
  }, 120_000);

  it('serves on another interface only when asked, with a warning, on the port asked for', async () => {
    const stateDir = tempStateDir();
    const done = await cli([
      'run',
      fixture('plan.yaml'),
      '--simulate',
      fixture('scenario.yaml'),
      '--yes',
      '--json',
      '--state-dir',
      stateDir,
    ]);
    expect(done.code).toBe(0);
    const runId = (JSON.parse(done.stdout.trim().split('\n')[0] ?? '{}') as { runId: string }).runId;
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const t = io();
    const signals = new EventEmitter();
    const watching = watch({ runId, stateDir, json: false, web: { host: '0.0.0.0', port } }, t.io, signals);
    const url = await printedUrl(t.stderr);
    expect(url.host).toBe(`0.0.0.0:${port}`);
    expect(t.stderr()).toContain(
      'warning: the live view is served on 0.0.0.0, not only on this machine: anyone who can reach it and learns the URL can see the run.',
    );
    const report = await fetch(`http://127.0.0.1:${port}/report.json${url.search}`);
    expect(await report.json()).toMatchObject({ runId, outcome: 'completed' });
    signals.emit('SIGINT');
    await watching;
  });

  it('an unknown run is refused before anything is served', async () => {
    const r = await cli(['watch', 'run-20260101T000000Z-nope00', '--web', '--state-dir', tempStateDir()]);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain('live view:');
  });
});
