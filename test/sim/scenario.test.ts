import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/index.js';
import {
  createSimulatedAws,
  loadScenarioFile,
  parseScenarioText,
  SCENARIO_DEFAULTS,
} from '../../src/sim/index.js';
import { parseDuration } from '../../src/sim/time.js';

function problems(text: string): string[] {
  try {
    parseScenarioText(text, 'scenario.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message.split('\n');
  }
  throw new Error('expected the scenario to be rejected');
}

describe('scenario files', () => {
  it('parses durations', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('20m')).toBe(1_200_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('1d')).toBe(86_400_000);
    expect(parseDuration('20 minutes')).toBeUndefined();
  });

  it('fills defaults', () => {
    const scenario = parseScenarioText(
      'servers:\n  - sourceServerID: s-1234567890abcdef0\n',
      'scenario.yaml',
    );
    expect(scenario).toMatchObject({
      seed: 1,
      startAt: '2026-01-01T00:00:00.000Z',
      region: 'us-east-1',
      pageSize: SCENARIO_DEFAULTS.pageSize,
      servers: [
        {
          origin: 'ON_PREMISES',
          failbackState: 'FAILBACK_READY_FOR_LAUNCH',
          launch: { durationMs: 20 * 60_000, result: 'launched' },
          health: { afterMs: 3 * 60_000, result: 'ok' },
          recoveryPoints: { everyMs: 10 * 60_000, newestAgeMs: 4 * 60_000 },
        },
      ],
    });
  });

  it('reports problems as file:line path: message', () => {
    const text = [
      'seed: 1', //                                      1
      'servers:', //                                     2
      '  - sourceServerID: s-123', //                    3
      '    launch: { duration: 20 minutes }', //         4
      '    failbackState: FAILBACK_READY', //            5
      '    colour: blue', //                             6
      'faults:', //                                      7
      '  - operation: DescribeJob', //                   8
      '    error: ThrottlingException', //               9
      '  - kind: launch-failure', //                     10
      '    servers: [s-1234567890abcdef0]', //           11
      '  - kind: meteor-strike', //                      12
    ].join('\n');
    const lines = problems(text);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^scenario\.yaml:3 servers\[0\]\.sourceServerID: .*not a valid sourceServerID/),
        expect.stringMatching(
          /^scenario\.yaml:4 servers\[0\]\.launch\.duration: "20 minutes" is not a duration/,
        ),
        expect.stringMatching(
          /^scenario\.yaml:5 servers\[0\]\.failbackState: "FAILBACK_READY" is not one of/,
        ),
        expect.stringMatching(/^scenario\.yaml:6 servers\[0\]\.colour: unknown key "colour"/),
        expect.stringMatching(/^scenario\.yaml:8 faults\[0\]\.operation: "DescribeJob" is not one of/),
        expect.stringMatching(/^scenario\.yaml:12 faults\[2\]\.kind: /),
      ]),
    );
  });

  it('reports YAML syntax errors with their line', () => {
    const [first] = problems('servers:\n  - sourceServerID: [unclosed\n');
    expect(first).toMatch(/^scenario\.yaml:\d+: YAML syntax/);
  });

  it('rejects faults naming servers the scenario does not have', () => {
    const lines = problems(
      'servers:\n  - sourceServerID: s-1234567890abcdef0\nfaults:\n  - kind: launch-failure\n    servers: [s-00000000000000000]\n',
    );
    expect(lines).toEqual([
      expect.stringMatching(/faults\[0\]: server s-00000000000000000 is not in servers:/),
    ]);
  });

  it('rejects until without fail-until, and ids with count > 1', () => {
    const lines = problems(
      [
        'servers:',
        '  - count: 3',
        '    sourceServerID: s-1234567890abcdef0',
        'probes:',
        '  - tcp: db:5432',
        '    result: fail',
        '    until: 5m',
      ].join('\n'),
    );
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^scenario\.yaml:3 servers\[0\]\.sourceServerID: not allowed with count > 1/),
        expect.stringMatching(/^scenario\.yaml:7 probes\[0\]\.until: until goes with result: fail-until/),
      ]),
    );
  });

  it('every example scenario loads and builds a world', async () => {
    const dir = 'examples/scenarios';
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const file of files) {
      const scenario = await loadScenarioFile(`${dir}/${file}`);
      expect(createSimulatedAws(scenario).world.state.sourceServers.length).toBeGreaterThan(0);
    }
  });

  it('a missing file is a ConfigError', async () => {
    await expect(loadScenarioFile('examples/scenarios/nope.yaml')).rejects.toThrow(
      /nope\.yaml: file not found/,
    );
    expect(() => createSimulatedAws('examples/scenarios/nope.yaml')).toThrow(ConfigError);
  });
});

describe('simulated probes', () => {
  it('answer from the scenario on the virtual clock; unknown probes use the default', async () => {
    const sim = createSimulatedAws('examples/scenarios/two-servers.yaml');
    const http = { kind: 'http', url: 'https://db.internal:8443/health', expectStatus: 200 } as const;
    const tcp = { kind: 'tcp', host: 'db.internal', port: 5432 } as const;
    expect(await sim.probes.run(http)).toEqual({ ok: true, detail: expect.stringMatching(/200/) });
    expect((await sim.probes.run(tcp)).ok).toBe(false);
    sim.clock.advanceBy(30 * 60_000);
    expect((await sim.probes.run(tcp)).ok).toBe(true);
    expect((await sim.probes.run({ kind: 'tcp', host: 'other', port: 1 })).ok).toBe(true);
  });
});
