import { FailbackState } from '@aws-sdk/client-drs';
import { describe, expect, it } from 'vitest';
import { classifyFailbackState } from '../../src/classify/failback-state.js';

describe('classifyFailbackState', () => {
  it.each([
    [FailbackState.FAILBACK_READY_FOR_LAUNCH, 'ready'],
    [FailbackState.FAILBACK_COMPLETED, 'completed'],
    [FailbackState.FAILBACK_IN_PROGRESS, 'in-progress'],
    [FailbackState.FAILBACK_NOT_STARTED, 'not-ready'],
    [FailbackState.FAILBACK_NOT_READY_FOR_LAUNCH, 'not-ready'],
    [FailbackState.FAILBACK_LAUNCH_STATE_NOT_AVAILABLE, 'not-ready'],
    [FailbackState.FAILBACK_ERROR, 'error'],
    ['FAILBACK_SOMETHING_NEW', 'unknown'],
    [undefined, 'unknown'],
  ])('%s -> %s', (state, expected) => {
    expect(classifyFailbackState(state)).toBe(expected);
  });
});
