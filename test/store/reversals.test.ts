import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readReversals, recordReversals, reversalsPath } from '../../src/store/reversals.js';

const dir = () => mkdtempSync(join(tmpdir(), 'reversals-'));
const arn = (id: string) => `arn:aws:drs:us-west-2:111122223333:source-server/${id}`;
const rec = (sourceServerID: string, reversed: string) => ({
  sourceServerID,
  region: 'us-east-1',
  reversedDirectionSourceServerArn: arn(reversed),
  at: '2026-01-01T00:00:00.000Z',
});

describe('the reversals file (state directory)', () => {
  it('nothing recorded: an empty map, no file', () => {
    const d = dir();
    expect(readReversals(d, 'west').size).toBe(0);
    expect(readdirSync(d)).toEqual([]);
  });

  it('records by plan and server, keeps earlier ones, replaces a server, leaves no temp file', () => {
    const d = dir();
    recordReversals(d, 'west', [rec('s-a000000000000aaa1', 's-b000000000000bbb1')]);
    recordReversals(d, 'west', [rec('s-a000000000000aaa2', 's-b000000000000bbb2')]);
    recordReversals(d, 'east', [rec('s-a000000000000aaa1', 's-b000000000000bbb9')]);
    recordReversals(d, 'west', [rec('s-a000000000000aaa1', 's-b000000000000bbb3')]);
    const west = readReversals(d, 'west');
    expect([...west.keys()].sort()).toEqual(['s-a000000000000aaa1', 's-a000000000000aaa2']);
    expect(west.get('s-a000000000000aaa1')?.reversedDirectionSourceServerArn).toBe(
      arn('s-b000000000000bbb3'),
    );
    expect(readReversals(d, 'east').get('s-a000000000000aaa1')?.reversedDirectionSourceServerArn).toBe(
      arn('s-b000000000000bbb9'),
    );
    expect(readdirSync(join(d, 'reversals')).sort()).toEqual(['east.json', 'west.json']);
    expect(JSON.parse(readFileSync(reversalsPath(d, 'west'), 'utf8'))).toMatchObject({
      version: 1,
      plan: 'west',
    });
  });

  it('a plan name is made safe for a file name', () => {
    expect(reversalsPath('/s', '../etc/passwd')).toBe('/s/reversals/__etc_passwd.json');
  });

  it('a file of another format throws rather than being overwritten', () => {
    const d = dir();
    recordReversals(d, 'west', [rec('s-a000000000000aaa1', 's-b000000000000bbb1')]);
    writeFileSync(reversalsPath(d, 'west'), JSON.stringify({ version: 99, servers: {} }));
    expect(() => readReversals(d, 'west')).toThrow(/format 1/);
    expect(() => recordReversals(d, 'west', [rec('s-a000000000000aaa2', 's-b000000000000bbb2')])).toThrow();
  });
});
