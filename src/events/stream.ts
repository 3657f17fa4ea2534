// Stamps emitted events with the run's id, the time and their place in the run's stream.
import type { Clock } from '../clock.js';
import type { RunEvent, RunEventBody } from './schema.js';

/**
 * The last `seq` of a run's event log, so a resumed run continues it. Events written before
 * `seq` existed (event format 1) count by their position in the log.
 */
export function lastEventSeq(history: readonly { seq?: number }[]): number {
  let last = 0;
  history.forEach((event, i) => {
    last = Math.max(last, typeof event.seq === 'number' ? event.seq : i + 1);
  });
  return last;
}

/** Returns the stamper of one run's (or one command's) stream; `afterSeq` is the log's last seq. */
export function eventStamper(runId: string, clock: Pick<Clock, 'now'>, afterSeq = 0) {
  let seq = afterSeq;
  return (body: RunEventBody): RunEvent => {
    seq += 1;
    return { ...body, at: new Date(clock.now()).toISOString(), runId, seq } as RunEvent;
  };
}
