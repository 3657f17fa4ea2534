import { describe, expect, it } from 'vitest';
import { classifyFailbackReplication, parseLagMs } from '../../src/classify/index.js';

const NOW = Date.parse('2026-03-15T10:00:00.000Z');
const limits = { maxLagMs: 30_000, clientSilenceMs: 5 * 60_000, awsNowMs: NOW };

const healthy = {
  failback: { failbackClientLastSeenByServiceDateTime: '2026-03-15T09:59:30.000Z' },
  dataReplicationInfo: {
    dataReplicationState: 'CONTINUOUS',
    lagDuration: 'PT5S',
    replicatedDisks: [{ backloggedStorageBytes: 0 }, { backloggedStorageBytes: 0 }],
  },
};

describe('parseLagMs', () => {
  it.each([
    ['PT5S', 5_000],
    ['PT1M30S', 90_000],
    ['2026-03-15T09:59:50.000Z', 10_000],
    ['2026-03-15T10:00:00Z', 0],
  ])('reads %s as %i ms', (text, ms) => {
    expect(parseLagMs(text, NOW)).toBe(ms);
  });

  it.each([[undefined], [''], ['soon'], ['12'], ['2026-03-15'], ['2026-03-15T10:05:00Z'], ['P']])(
    'does not read %s as a lag',
    (text) => {
      expect(parseLagMs(text, NOW)).toBeUndefined();
    },
  );
});

describe('classifyFailbackReplication', () => {
  it('is drained when CONTINUOUS, within the lag, no backlog, no error and the client was seen', () => {
    const c = classifyFailbackReplication(healthy, limits);
    expect(c).toMatchObject({ drained: true, lagMs: 5_000, backlogBytes: 0, clientSilentMs: 30_000 });
    expect(c.problems).toEqual([]);
  });

  it.each([
    [
      'not-continuous',
      { dataReplicationInfo: { ...healthy.dataReplicationInfo, dataReplicationState: 'BACKLOG' } },
    ],
    ['lag-above-limit', { dataReplicationInfo: { ...healthy.dataReplicationInfo, lagDuration: 'PT31S' } }],
    ['lag-unknown', { dataReplicationInfo: { ...healthy.dataReplicationInfo, lagDuration: 'not a lag' } }],
    [
      'backlog',
      {
        dataReplicationInfo: {
          ...healthy.dataReplicationInfo,
          replicatedDisks: [{ backloggedStorageBytes: 1 }],
        },
      },
    ],
    [
      'replication-error',
      {
        dataReplicationInfo: {
          ...healthy.dataReplicationInfo,
          dataReplicationError: { error: 'FAILBACK_CLIENT_NOT_SEEN' },
        },
      },
    ],
    ['client-silent', { failback: { failbackClientLastSeenByServiceDateTime: '2026-03-15T09:50:00.000Z' } }],
    ['client-never-seen', { failback: {} }],
  ] as const)('reports %s', (problem, change) => {
    const c = classifyFailbackReplication({ ...healthy, ...change }, limits);
    expect(c.drained).toBe(false);
    expect(c.problems).toEqual([problem]);
  });

  it('is never drained without replication data', () => {
    const c = classifyFailbackReplication({}, limits);
    expect(c.drained).toBe(false);
    expect(c.problems).toEqual(['not-continuous', 'lag-unknown', 'client-never-seen']);
  });
});
