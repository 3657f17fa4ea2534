// The wave's final states; each settles the outcome its meta names.
import type { Outcome } from '../../types.js';
import { waveSetup } from '../setup.js';

function finalState(outcome: Outcome, label: string, pastPointOfNoReturn: boolean) {
  return waveSetup.createStateConfig({
    meta: { label, outcome, ...(pastPointOfNoReturn ? { pastPointOfNoReturn: true as const } : {}) },
    type: 'final',
    entry: { type: 'settle', params: { outcome } },
  });
}

export const completed = finalState(
  'completed',
  'Every server launched and verified on the primary side',
  true,
);
export const backedOut = finalState(
  'backed-out',
  'The DR side is serving; no primary was converted (the report states any data lost)',
  true,
);
export const needsAttention = finalState(
  'needs-attention',
  'A person must act: some primaries were already converted, both copies may be live',
  true,
);
export const backoutFailed = finalState(
  'backout-failed',
  'A person must act: the report says what and where',
  true,
);
export const aborted = finalState('aborted', 'Stopped before the point of no return; nothing changed', false);
export const precheckFailed = finalState('precheck-failed', 'A precheck failed; nothing changed', false);
