// The generic loader in src/config, with a schema other than the plan's, as the scenario
// loader of the simulated AWS will use it.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ConfigError,
  formatPath,
  formatProblem,
  matching,
  parseConfigText,
  readYamlText,
} from '../../src/config/index.js';

const scenario = z.strictObject({
  servers: z.array(
    z.strictObject({ id: matching(/^s-\d+$/, 's- followed by digits'), healthy: z.boolean() }),
  ),
  latency: z.number().positive().optional(),
});

function problemsIn(text: string): string[] {
  try {
    parseConfigText(text, 'scenario.yaml', scenario);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map(formatProblem);
    throw error;
  }
  throw new Error('expected the text to be refused');
}

describe('parseConfigText', () => {
  it('returns the schema output for valid text', () => {
    expect(parseConfigText('servers: [{ id: s-1, healthy: true }]', 's.yaml', scenario)).toStrictEqual({
      servers: [{ id: 's-1', healthy: true }],
    });
  });

  it('describes what was found and what is expected', () => {
    const text = `servers:
  - id: s-1
    healthy: "yes"
  - id: x
  - [1]
latency: -5
extra: 1
`;
    expect(problemsIn(text)).toEqual([
      'scenario.yaml:3 servers[0].healthy: found "yes"; expected true or false',
      'scenario.yaml:4 servers[1].id: "x" does not match s- followed by digits',
      'scenario.yaml:4 servers[1].healthy: missing; expected true or false',
      'scenario.yaml:5 servers[2]: found a list; expected a mapping',
      'scenario.yaml:6 latency: -5 is too small; must be more than 0',
      'scenario.yaml:7 extra: unknown key "extra"; allowed: servers, latency',
    ]);
  });
});

describe('readYamlText', () => {
  it('maps paths to the line of the key, through aliases, or of the nearest ancestor', () => {
    const source = readYamlText('base: &b\n  a: 1\n  b: 2\nlist:\n  - *b\n  - c: 3\n', 'x.yaml');
    expect(source.lineOf(['base', 'b'])).toBe(3);
    expect(source.lineOf(['list', 0, 'b'])).toBe(3);
    expect(source.lineOf(['list', 1, 'c'])).toBe(6);
    expect(source.lineOf(['list', 1, 'missing'])).toBe(6);
    expect(source.lineOf(['nowhere'])).toBe(1);
  });
});

describe('formatPath', () => {
  it('writes indexes in brackets and quotes keys that are not identifiers', () => {
    expect(formatPath(['waves', 1, 'servers', 0, 'sourceServerID'])).toBe(
      'waves[1].servers[0].sourceServerID',
    );
    expect(formatPath(['tags', 'a b'])).toBe('tags["a b"]');
    expect(formatPath([])).toBe('');
  });
});
