import { connect } from 'node:net';
import type { Probe } from '../../machines/types.js';
import type { ProbeResult, ProbeRunner } from './types.js';

export interface NetworkProbeOptions {
  /** Per probe, in milliseconds. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 5_000;

async function httpProbe(url: string, expectStatus: number, timeoutMs: number): Promise<ProbeResult> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    // Drain the body so the connection is released.
    await response.body?.cancel();
    return response.status === expectStatus
      ? { ok: true, detail: `HTTP ${response.status}` }
      : { ok: false, detail: `HTTP ${response.status}, expected ${expectStatus}` };
  } catch (err) {
    const name = err instanceof Error ? err.name : 'Error';
    if (name === 'TimeoutError' || name === 'AbortError') {
      return { ok: false, detail: `no answer within ${timeoutMs} ms` };
    }
    const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return { ok: false, detail: `${err instanceof Error ? err.message : String(err)}${cause}` };
  }
}

function tcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (result: ProbeResult): void => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done({ ok: false, detail: `no connection within ${timeoutMs} ms` }));
    socket.once('connect', () => done({ ok: true, detail: 'connected' }));
    socket.once('error', (err) => done({ ok: false, detail: err.message }));
  });
}

/** Probes real endpoints: HTTP with node fetch, TCP with node:net, each bounded by a timeout. */
export function createNetworkProbeRunner(options: NetworkProbeOptions = {}): ProbeRunner {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return {
    run(probe: Probe): Promise<ProbeResult> {
      switch (probe.kind) {
        case 'http':
          return httpProbe(probe.url, probe.expectStatus, timeoutMs);
        case 'tcp':
          return tcpProbe(probe.host, probe.port, timeoutMs);
      }
    },
  };
}
