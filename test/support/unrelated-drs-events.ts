import type { DrsEvent } from '../../src/aws/drs-events.js';

/** Events that must wake nothing: the same state change for an instance nobody waits on, and another event type. */
export function unrelatedDrsEvents(e: DrsEvent): DrsEvent[] {
  return [
    {
      ...e,
      id: `${e.id}-other`,
      resources: ['arn:aws:drs:us-east-1:111122223333:recovery-instance/i-9999999999999999f'],
    },
    {
      ...e,
      id: `${e.id}-stalled`,
      'detail-type': 'DRS Source Server Data Replication Stalled Change',
      detail: { state: 'STALLED' },
    },
  ];
}
