// The cutover marker (plan `cutover.marker`): written on the DR side after the quiesce, carried
// home by the drain, read on the primary in verify; a missing marker fails the wave.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markerValue } from '../../machines/cutover.js';
import { withMarker } from '../../src/actors/measure-drain.js';
import { createNetworkProbeRunner } from '../../src/actors/probes.js';
import { isMutating } from '../../src/aws/operations.js';
import { loadPlan, parsePlan } from '../../src/plan/load.js';
import { createSimulatedAws } from '../../src/sim/index.js';
import { parseScenarioText } from '../../src/sim/scenario.js';
import { callsOf, runOnSimulation } from '../e2e/harness.js';

const EXAMPLE = 'examples/marker-missing';

async function runMarkerExample(edit: { scenario?: (s: string) => string } = {}) {
  const plan = await loadPlan(`${EXAMPLE}/plan.yaml`);
  const text = readFileSync(`${EXAMPLE}/scenario.yaml`, 'utf8');
  const sim = createSimulatedAws(
    parseScenarioText(edit.scenario ? edit.scenario(text) : text, 'scenario.yaml'),
  );
  return { ...(await runOnSimulation(plan, sim)), sim };
}

describe('cutover marker against the simulated world', () => {
  it('a marker the replication never carried home fails verification; converted primaries need a person', async () => {
    const run = await runMarkerExample();
    expect(run.result.outcome).toBe('needs-attention');
    const wave = run.result.waves[0];
    expect(wave?.failure?.message).toMatch(
      /marker .* missing on the primary side: the data of s-7900000000000000b/,
    );
    // The other server's marker was home: only the unreplicated one is named.
    expect(wave?.failure?.message).not.toMatch(/s-7900000000000000a/);
  });

  it('with every write replicated the marker is found and the wave completes', async () => {
    const run = await runMarkerExample({ scenario: (s) => s.replace(/^faults:[\s\S]*$/m, 'faults: []\n') });
    expect(run.result.outcome).toBe('completed');
    // The drain waited until each replication was in sync with a point after the marker...
    const drained = run.events.find((e) => e.type === 'cutover.drained');
    if (drained?.type !== 'cutover.drained') throw new Error('no cutover.drained event');
    const markers = run.sim.world.state.recoveryInstances.flatMap((ri) => (ri.marker ? [ri.marker.at] : []));
    expect(markers).toHaveLength(2);
    for (const s of drained.servers) {
      expect(s.lagMs).toBeLessThanOrEqual(Date.parse(drained.at) - Math.max(...markers));
    }
    // ... so, writes stopped and confirmed, the primaries lack nothing (the data oracle).
    expect(run.sim.dataOracle().map((o) => [o.serving, o.lacksMs])).toEqual([
      ['failback-target', 0],
      ['failback-target', 0],
    ]);
  });

  it('a marker that cannot be written ends the wave before the point of no return, nothing changed', async () => {
    const run = await runMarkerExample({
      scenario: (s) =>
        `${s.replace(/^faults:[\s\S]*$/m, 'faults: []\n')}probes:\n  - http: https://inventory.dr.internal/failback-marker\n    result: fail\n`,
    });
    expect(run.result.outcome).toBe('aborted');
    expect(run.result.waves[0]?.failure?.message).toMatch(
      /marker could not be written at https:\/\/inventory\.dr\.internal\/failback-marker: HTTP 503/,
    );
    expect(run.calls.filter((c) => isMutating(c.operation))).toEqual([]);
    expect(callsOf(run.calls, 'StartFailbackLaunch')).toEqual([]);
  });
});

describe('the drain with a marker', () => {
  const reading = { sourceServerID: 's-1', lagMs: 4_000, drained: true, detail: 'lag 4s' };
  it('is not drained while the lag reaches back before the marker', () => {
    expect(withMarker(reading, 1_000)).toMatchObject({
      drained: false,
      detail: expect.stringMatching(/marker/),
    });
  });
  it('is drained once the replication is in sync past the marker', () => {
    expect(withMarker(reading, 4_000)).toEqual(reading);
    expect(withMarker({ ...reading, drained: false }, 60_000).drained).toBe(false);
  });
});

describe('the marker over HTTP', () => {
  let body = '';
  let status = 200;
  const posted: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let data = '';
    req.on('data', (c: Buffer) => {
      data += c.toString();
    });
    req.on('end', () => {
      if (req.method === 'POST') posted.push(data);
      res.statusCode = status;
      res.end(req.method === 'GET' ? body : '');
    });
  });
  let base = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const runner = createNetworkProbeRunner({ timeoutMs: 5_000 });
  const value = markerValue('run-20260301T020000Z-abcdef', 'db');

  it('writes the marker as JSON and reads it back', async () => {
    status = 201;
    expect(await runner.writeMarker?.({ url: `${base}/m?token=secret`, value }, [])).toEqual({
      ok: true,
      detail: 'HTTP 201',
    });
    expect(JSON.parse(posted.at(-1) ?? '{}')).toEqual({ marker: value });
    status = 200;
    body = `{"markers":["${value}"]}`;
    expect(await runner.readMarker?.({ url: `${base}/m`, value })).toMatchObject({ status: 'found' });
  });

  it('a 2xx without the marker is missing; an error status is unreachable (read again)', async () => {
    status = 200;
    body = '{"markers":[]}';
    expect(await runner.readMarker?.({ url: `${base}/m`, value })).toMatchObject({ status: 'missing' });
    status = 503;
    expect(await runner.readMarker?.({ url: `${base}/m`, value })).toMatchObject({ status: 'unreachable' });
    expect((await runner.writeMarker?.({ url: `${base}/m`, value }, []))?.ok).toBe(false);
  });
});

describe('plan key cutover.marker', () => {
  const plan = (marker: string) =>
    `version: 1\nname: p\nregion: us-east-1\nnotifications: { topicArn: "arn:aws:sns:us-east-1:111122223333:t" }\nobjectives: { rpo: 15m, rto: 4h }\ncutover:\n  marker: ${marker}\nwaves:\n  - name: w\n    servers: [{ sourceServerID: s-1234567890abcdef0 }]\n`;
  it('takes http(s) write and read URLs', () => {
    const p = parsePlan(plan('{ write: "https://a/m", read: "https://b/m" }'), 'plan.yaml');
    expect(p.cutover?.marker).toEqual({ write: 'https://a/m', read: 'https://b/m' });
  });
  it('refuses a missing read URL or another scheme, naming the field', () => {
    expect(() => parsePlan(plan('{ write: "https://a/m" }'), 'plan.yaml')).toThrow(/cutover\.marker\.read/);
    expect(() => parsePlan(plan('{ write: "ftp://a/m", read: "https://b/m" }'), 'plan.yaml')).toThrow(
      /cutover\.marker\.write.*http:\/\/ or https:\/\//,
    );
  });
});
