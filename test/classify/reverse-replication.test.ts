import { DataReplicationState } from '@aws-sdk/client-drs';
import { describe, expect, it } from 'vitest';
import {
  classifyReplicationLag,
  classifyReversedReplicationState,
} from '../../src/classify/reverse-replication.js';

const MINUTE = 60_000;

describe('classifyReversedReplicationState', () => {
  it('passes only CONTINUOUS', () => {
    expect(classifyReversedReplicationState(DataReplicationState.CONTINUOUS, 'us-west-2')).toEqual({
      status: 'pass',
      detail: 'replication to us-west-2 is CONTINUOUS',
      data: { replicationState: 'CONTINUOUS' },
    });
  });

  it.each([
    DataReplicationState.STALLED,
    DataReplicationState.INITIAL_SYNC,
    DataReplicationState.BACKLOG,
    DataReplicationState.PAUSED,
    DataReplicationState.DISCONNECTED,
  ])('fails %s and names it', (state) => {
    const check = classifyReversedReplicationState(state, 'us-west-2');
    expect(check.status).toBe('fail');
    expect(check.detail).toContain(state);
    expect(check.detail).toContain('needs CONTINUOUS');
  });

  it('tolerates unknown and absent states, failing them', () => {
    expect(classifyReversedReplicationState('WARP_SPEED', 'us-west-2')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('WARP_SPEED (unknown state)'),
    });
    expect(classifyReversedReplicationState(undefined, 'us-west-2')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('no state'),
    });
  });
});

describe('classifyReplicationLag', () => {
  it.each([
    ['PT30S', 'pass'],
    ['PT15M', 'pass'],
    ['PT15M1S', 'fail'],
    ['P1DT2H', 'fail'],
    ['not-a-duration', 'warn'],
    [undefined, 'warn'],
    ['', 'warn'],
  ])('lag %o against an RPO of 15 minutes: %s', (lag, status) => {
    expect(classifyReplicationLag(lag, 15 * MINUTE).status).toBe(status);
  });

  it('names the lag and the RPO', () => {
    expect(classifyReplicationLag('P1DT2H', 15 * MINUTE).detail).toBe(
      'replication lag P1DT2H (93600 s) exceeds the RPO; RPO is 900 s',
    );
  });

  it('gives the lag and the RPO as data, in milliseconds', () => {
    expect(classifyReplicationLag('P1DT2H', 15 * MINUTE).data).toEqual({
      lagDuration: 'P1DT2H',
      lagMs: 93_600_000,
      rpoMs: 900_000,
    });
    expect(classifyReplicationLag('soon', 15 * MINUTE).data).toEqual({
      lagDuration: 'soon',
      lagMs: null,
      rpoMs: 900_000,
    });
    expect(classifyReplicationLag(undefined, 15 * MINUTE).data.lagDuration).toBeNull();
  });
});
