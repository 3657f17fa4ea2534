import { connect } from 'node:net';
import type { MarkerCall } from '../../machines/cutover.js';
import type { Probe } from '../../machines/types.js';
import type { MarkerReading, ProbeResult, ProbeRunner } from './types.js';

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
    return { ok: false, detail: fetchError(err, timeoutMs) };
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

/** Why a fetch failed, in words (a timeout, or the network error and its cause). */
function fetchError(err: unknown, timeoutMs: number): string {
  const name = err instanceof Error ? err.name : 'Error';
  if (name === 'TimeoutError' || name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${err instanceof Error ? err.message : String(err)}${cause}`;
}

/** POSTs the wave's marker as JSON (`{"marker": "..."}`); any 2xx is written. */
async function writeMarker(call: MarkerCall, timeoutMs: number): Promise<ProbeResult> {
  try {
    const response = await fetch(call.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ marker: call.value }),
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual',
    });
    await response.body?.cancel();
    return response.ok
      ? { ok: true, detail: `HTTP ${response.status}` }
      : { ok: false, detail: `HTTP ${response.status}, expected 2xx` };
  } catch (err) {
    return { ok: false, detail: fetchError(err, timeoutMs) };
  }
}

/** GETs the marker endpoint on the primary: found when a 2xx body contains the wave's marker. */
async function readMarker(call: MarkerCall, timeoutMs: number): Promise<MarkerReading> {
  try {
    const response = await fetch(call.url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    if (!response.ok) {
      await response.body?.cancel();
      return { status: 'unreachable', detail: `marker endpoint answered HTTP ${response.status}` };
    }
    // Bounded: a marker endpoint answers a few bytes; 64 KiB is plenty.
    const body = (await response.text()).slice(0, 65_536);
    return body.includes(call.value)
      ? { status: 'found', detail: `marker ${call.value} found on the primary side` }
      : {
          status: 'missing',
          detail: `marker ${call.value} missing on the primary side: the data written on the DR side after the quiesce did not arrive`,
        };
  } catch (err) {
    return { status: 'unreachable', detail: `marker endpoint: ${fetchError(err, timeoutMs)}` };
  }
}

/** Probes real endpoints: HTTP with node fetch, TCP with node:net, each bounded by a timeout. */
export function createNetworkProbeRunner(options: NetworkProbeOptions = {}): ProbeRunner {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return {
    writeMarker: (call) => writeMarker(call, timeoutMs),
    readMarker: (call) => readMarker(call, timeoutMs),
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
