// Where the web view reads a run's events from: the events of a run this process drives (kept in
// memory as they are emitted), or the event log of a run in the state directory, read again as it
// grows (another process may be driving it). Either way, events in `seq` order, none twice.
import type { RunEvent } from '../events.js';

export interface EventFeed {
  /** Every event so far, in `seq` order. */
  history(): readonly RunEvent[];
  /** Called with each new event; returns the unsubscribe function. */
  subscribe(listener: (event: RunEvent) => void): () => void;
  close(): void;
}

export interface MemoryFeed extends EventFeed {
  /** A new event; one whose `seq` is not past the last is ignored (a log read twice). */
  push(event: RunEvent): void;
}

export function createMemoryFeed(initial: readonly RunEvent[] = []): MemoryFeed {
  const events: RunEvent[] = [];
  const listeners = new Set<(event: RunEvent) => void>();
  const push = (event: RunEvent) => {
    const last = events.at(-1)?.seq ?? 0;
    if (event.seq <= last) return;
    events.push(event);
    for (const listener of listeners) listener(event);
  };
  for (const event of initial) push(event);
  return {
    history: () => events,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    push,
    close: () => listeners.clear(),
  };
}

/** A feed over an event log read every `intervalMs`, until the run has finished. */
export function createPollingFeed(read: () => readonly RunEvent[], intervalMs = 500): EventFeed {
  const feed = createMemoryFeed(read());
  const timer = setInterval(() => {
    for (const event of read()) feed.push(event);
    if (feed.history().at(-1)?.type === 'run.finished') clearInterval(timer);
  }, intervalMs);
  timer.unref();
  return {
    history: feed.history,
    subscribe: feed.subscribe,
    close() {
      clearInterval(timer);
      feed.close();
    },
  };
}
