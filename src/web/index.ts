// The live web view of a run: its server, where it reads events from, and the wiring for a run this
// process drives.

import { reportOfStoredRun } from '../report/index.js';
import type { FailbackRun } from '../run.js';
import type { StoredRun } from '../store/run-store.js';
import { createMemoryFeed, createPollingFeed } from './feed.js';
import { startWebServer, type WebServer } from './server.js';

export { createMemoryFeed, createPollingFeed, type EventFeed, type MemoryFeed } from './feed.js';
export {
  createWebApp,
  newAccessToken,
  startWebServer,
  TOKEN_HEADER,
  type WebApprovals,
  type WebServer,
  type WebViewOptions,
} from './server.js';

export interface ServeOptions {
  host?: string;
  port?: number;
  token?: string;
}

/** Whether `host` is a loopback address (the only kind served without a warning). */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/**
 * Serves the view of a run this process drives, with its approvals (answered through the run's
 * own approval path, `via: web`): the events it logged before (a resumed run) and every event from
 * now on. `now`: the run's clock, virtual under --simulate. Call before the run starts.
 */
export function serveDrivenRun(
  failback: FailbackRun,
  stored: StoredRun,
  now: () => number,
  options: ServeOptions = {},
): Promise<WebServer> {
  const feed = createMemoryFeed(stored.readEvents());
  const unsubscribe = failback.on((event) => feed.push(event));
  return startWebServer({
    ...options,
    runId: failback.id,
    plan: failback.plan,
    feed: {
      ...feed,
      close() {
        unsubscribe();
        feed.close();
      },
    },
    approvals: failback,
    now,
    report: () => reportOfStoredRun(stored),
  });
}

/**
 * A read-only view of a run in the state directory, live in another process or finished. A real
 * run's clock is the wall clock; a simulated one's is only known from its events.
 */
export function serveStoredRun(stored: StoredRun, options: ServeOptions = {}): Promise<WebServer> {
  const simulated = stored.meta().simulation !== undefined;
  return startWebServer({
    ...options,
    runId: stored.runId,
    plan: stored.plan(),
    feed: createPollingFeed(() => stored.readEvents()),
    ...(simulated ? {} : { now: () => Date.now() }),
    report: () => reportOfStoredRun(stored),
  });
}
