import { createServer as createHttpServer, type Server } from 'node:http';
import { type AddressInfo, createServer as createTcpServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNetworkProbeRunner } from '../../src/actors/probes.js';

// Real loopback sockets: fast, and no sleeping.
let http: Server;
let httpPort = 0;
let closedPort = 0;

beforeAll(async () => {
  http = createHttpServer((req, res) => {
    res.statusCode = req.url === '/health' ? 200 : 503;
    res.end('body');
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  httpPort = (http.address() as AddressInfo).port;
  const probe = createTcpServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});
afterAll(async () => {
  await new Promise<void>((resolve) => http.close(() => resolve()));
});

describe('createNetworkProbeRunner', () => {
  const runner = createNetworkProbeRunner({ timeoutMs: 2_000 });

  it('passes an HTTP probe with the expected status', async () => {
    const result = await runner.run({
      kind: 'http',
      url: `http://127.0.0.1:${httpPort}/health`,
      expectStatus: 200,
    });
    expect(result).toEqual({ ok: true, detail: 'HTTP 200' });
  });

  it('fails an HTTP probe with another status', async () => {
    const result = await runner.run({
      kind: 'http',
      url: `http://127.0.0.1:${httpPort}/other`,
      expectStatus: 200,
    });
    expect(result).toEqual({ ok: false, detail: 'HTTP 503, expected 200' });
  });

  it('fails an HTTP probe nobody answers', async () => {
    const result = await runner.run({
      kind: 'http',
      url: `http://127.0.0.1:${closedPort}/`,
      expectStatus: 200,
    });
    expect(result.ok).toBe(false);
    expect(result.detail).toMatch(/ECONNREFUSED|fetch failed/);
  });

  it('passes a TCP probe to a listening port and fails a closed one', async () => {
    expect(await runner.run({ kind: 'tcp', host: '127.0.0.1', port: httpPort })).toEqual({
      ok: true,
      detail: 'connected',
    });
    const closed = await runner.run({ kind: 'tcp', host: '127.0.0.1', port: closedPort });
    expect(closed.ok).toBe(false);
    expect(closed.detail).toMatch(/ECONNREFUSED/);
  });
});
