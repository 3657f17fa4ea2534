// toScenario validates scenario data already in memory without a text round trip (it used to
// print the data as JSON and parse that as YAML): the same scenario as the file gives, the same
// problems, without line numbers.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigError } from '../../src/config/index.js';
import { loadScenarioFileSync, type ScenarioFile, toScenario } from '../../src/sim/index.js';

const ROOT = join(import.meta.dirname, '../..');
const files = [
  ...readdirSync(join(ROOT, 'examples/scenarios')).map((f) => join('examples/scenarios', f)),
  ...readdirSync(join(ROOT, 'examples'))
    .filter((d) => d !== 'scenarios' && d !== 'plans')
    .flatMap((d) => {
      try {
        return readdirSync(join(ROOT, 'examples', d))
          .filter((f) => /^scenario.*\.yaml$/.test(f))
          .map((f) => join('examples', d, f));
      } catch {
        return [];
      }
    }),
].filter((file) => {
  // An estate file (top-level `accounts`) is a world per account and region, read by
  // src/sim/estate-scenario.ts and tested in test/estate/scenario-file.test.ts.
  const data = parse(readFileSync(join(ROOT, file), 'utf8')) as Record<string, unknown>;
  return !('accounts' in data);
});

describe('toScenario', () => {
  it('reads every example scenario (non-vacuous)', () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
  });

  it.each(files)('%s: the same scenario from the data as from the file', (file) => {
    const data = parse(readFileSync(join(ROOT, file), 'utf8')) as ScenarioFile;
    expect(toScenario(data, file)).toEqual(loadScenarioFileSync(join(ROOT, file)));
  });

  it('reports problems by path, as a file would, without lines', () => {
    const bad = {
      seed: 1,
      defaults: { jobStartDelay: 'soon' },
      servers: [{ sourceServerID: 's-00000000000000001', launch: { duration: '5m', colour: 'red' } }],
    } as unknown as ScenarioFile;
    let error: unknown;
    try {
      toScenario(bad, 'mine.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.map((p) => p.path)).toEqual(
      expect.arrayContaining(['defaults.jobStartDelay', 'servers[0].launch.colour']),
    );
    expect(problems.every((p) => p.file === 'mine.yaml' && p.line === undefined)).toBe(true);
  });

  it('takes values as a file would hold them: Dates as ISO strings', () => {
    const at = new Date('2026-03-01T02:00:00Z');
    const scenario = toScenario({
      seed: 1,
      startAt: at as unknown as string,
      servers: [{ sourceServerID: 's-00000000000000001' }],
    });
    expect(scenario.startAt).toBe('2026-03-01T02:00:00.000Z');
  });
});
