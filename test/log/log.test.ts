import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, runLogger, serverLogger, waveLogger } from '../../src/log.js';

function memoryStream() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const records = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { stream, records, text: () => lines.join('\n') };
}

describe('createLogger', () => {
  it('writes JSON with the base name and the run, wave and server bindings', () => {
    const out = memoryStream();
    const root = createLogger({ destination: out.stream });
    const server = serverLogger(waveLogger(runLogger(root, 'run-1'), 'databases'), 's-1234567890abcdef0');
    server.info({ jobId: 'drsjob-1' }, 'launched');
    expect(out.records()).toEqual([
      expect.objectContaining({
        name: 'drs-failback',
        runId: 'run-1',
        wave: 'databases',
        server: 's-1234567890abcdef0',
        jobId: 'drsjob-1',
        msg: 'launched',
        level: 30,
      }),
    ]);
  });

  it('redacts credentials wherever they appear', () => {
    const out = memoryStream();
    const log = runLogger(createLogger({ destination: out.stream }), 'run-1');
    log.info(
      {
        accessKeyId: 'AKIAROOT',
        secretAccessKey: 'root-secret',
        sessionToken: 'root-token',
        password: 'hunter2',
        authorization: 'AWS4-HMAC-SHA256 Credential=...',
        credentials: { accessKeyId: 'AKIAOBJ', secretAccessKey: 'obj-secret' },
        client: {
          accessKeyId: 'AKIANESTED',
          secretAccessKey: 'nested-secret',
          sessionToken: 'nested-token',
          password: 'pw',
          credentials: { secretAccessKey: 'deeper' },
        },
        config: { profile: { secretAccessKey: 'deep-secret' } },
        request: { headers: { authorization: 'Bearer abc', host: 'drs.us-east-1.amazonaws.com' } },
        region: 'us-east-1',
      },
      'client built',
    );
    const text = out.text();
    for (const secret of [
      'AKIA',
      'root-secret',
      'root-token',
      'hunter2',
      'AWS4-HMAC',
      'obj-secret',
      'nested-secret',
      'nested-token',
      '"pw"',
      'deeper',
      'deep-secret',
      'Bearer',
    ]) {
      expect(text).not.toContain(secret);
    }
    const [record] = out.records();
    expect(record).toMatchObject({
      accessKeyId: '[redacted]',
      credentials: '[redacted]',
      client: { secretAccessKey: '[redacted]', credentials: '[redacted]' },
      config: { profile: { secretAccessKey: '[redacted]' } },
      request: { headers: { authorization: '[redacted]', host: 'drs.us-east-1.amazonaws.com' } },
      region: 'us-east-1',
    });
  });

  it('honours the level', () => {
    const out = memoryStream();
    const log = createLogger({ destination: out.stream, level: 'warn' });
    log.info('hidden');
    log.warn('shown');
    expect(out.records().map((record) => record.msg)).toEqual(['shown']);
  });

  it('writes to a file path', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'drs-log-')), 'sub', 'run.log');
    const log = createLogger({ destination: file });
    log.info({ sessionToken: 'tok' }, 'to file');
    log.flush();
    const record = JSON.parse(readFileSync(file, 'utf8').trim()) as Record<string, unknown>;
    expect(record).toMatchObject({ msg: 'to file', sessionToken: '[redacted]', name: 'drs-failback' });
  });

  it('pretty output is readable lines, still redacted', async () => {
    const out = memoryStream();
    const log = createLogger({ destination: out.stream, pretty: true });
    log.info({ password: 'hunter2' }, 'hello');
    await new Promise((resolve) => setImmediate(resolve));
    expect(out.text()).toContain('hello');
    expect(out.text()).not.toContain('hunter2');
  });
});
