// The live web view of a run (`run --web`, `watch --web`): a page, the run's events as Server-Sent
// Events whose ids are the events' `seq` (a reconnect sends Last-Event-ID and misses nothing), the
// pending approval and the answers to it, and the report. Every request needs the access token
// printed in the URL; requests that change something need it in a header, which another site
// cannot make a browser send.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { RunEvent } from '../events.js';
import type { Plan } from '../plan/types.js';
import { type EvidenceReport, renderReportJson, renderReportMarkdown } from '../report/index.js';
import type { EventFeed } from './feed.js';
import { PAGE_HTML } from './page.js';

/** The header that carries the token on requests that change something. */
export const TOKEN_HEADER = 'x-drs-failback-token';

/** The approvals of a run this process drives; absent for a read-only view. */
export interface WebApprovals {
  pending(): { wave: string; pointOfNoReturn: string } | null;
  approve(approver: string): boolean;
  refuse(approver: string): boolean;
}

export interface WebViewOptions {
  runId: string;
  plan: Plan;
  feed: EventFeed;
  approvals?: WebApprovals;
  /** The run's evidence report as it stands. */
  report(): EvidenceReport;
  /** Default: a fresh random one. */
  token?: string;
}

export function newAccessToken(): string {
  return randomBytes(24).toString('base64url');
}

function sameToken(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** What a pending approval approves: the wave, its servers and region, and the consequence. */
function approvalView(plan: Plan, pending: { wave: string; pointOfNoReturn: string }) {
  const wave = plan.waves.find((w) => w.name === pending.wave);
  return {
    ...pending,
    region: plan.region,
    servers: wave?.servers.map((s) => s.sourceServerID) ?? [],
    confirmWord: pending.wave,
  };
}

interface AnswerBody {
  wave?: unknown;
  answer?: unknown;
  approver?: unknown;
  confirm?: unknown;
}

function answerApproval(
  options: WebViewOptions,
  body: AnswerBody,
): { status: 200 | 400 | 409; message: string } {
  const approvals = options.approvals;
  if (!approvals)
    return { status: 409, message: 'This view is read-only: approvals are given where the run is driven.' };
  const { wave, answer, approver, confirm } = body;
  if (typeof wave !== 'string' || (answer !== 'approve' && answer !== 'refuse')) {
    return { status: 400, message: 'Expected {wave, answer: "approve" | "refuse", approver, confirm}.' };
  }
  if (typeof approver !== 'string' || approver.trim() === '') {
    return { status: 400, message: 'Type your name: it is recorded with the answer.' };
  }
  const pending = approvals.pending();
  if (pending === null || pending.wave !== wave) {
    return {
      status: 409,
      message: `Wave ${wave} no longer waits for approval: it was answered or the run moved on.`,
    };
  }
  if (answer === 'approve' && confirm !== wave) {
    return { status: 400, message: `To approve, type the wave's name exactly: ${wave}.` };
  }
  const who = approver.trim();
  const done = answer === 'approve' ? approvals.approve(who) : approvals.refuse(who);
  if (!done) return { status: 409, message: `Wave ${wave} no longer waits for approval.` };
  return { status: 200, message: `Wave ${wave} ${answer === 'approve' ? 'approved' : 'refused'} by ${who}.` };
}

function streamEvents(feed: EventFeed, after: number) {
  return async (stream: {
    writeSSE(m: { data: string; event?: string; id?: string }): Promise<void>;
    write(s: string): Promise<unknown>;
    onAbort(f: () => void): void;
  }) => {
    let last = after;
    const queue: RunEvent[] = feed.history().filter((e) => e.seq > after);
    let wake: (() => void) | null = null;
    const unsubscribe = feed.subscribe((event) => {
      queue.push(event);
      wake?.();
    });
    let closed = false;
    stream.onAbort(() => {
      closed = true;
      wake?.();
    });
    try {
      while (!closed) {
        for (let event = queue.shift(); event !== undefined; event = queue.shift()) {
          if (event.seq <= last) continue;
          await stream.writeSSE({ id: String(event.seq), event: 'run', data: JSON.stringify(event) });
          last = event.seq;
        }
        if (closed) break;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 15_000);
          timer.unref();
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = null;
        if (queue.length === 0 && !closed) await stream.write(': keep-alive\n\n');
      }
    } finally {
      unsubscribe();
    }
  };
}

/** The view's HTTP application (tests call `app.request` on it). */
export function createWebApp(options: WebViewOptions & { token: string }): Hono {
  const { token, feed, plan } = options;
  const app = new Hono();
  app.use('*', async (c, next) => {
    const header = c.req.header(TOKEN_HEADER);
    const query = c.req.query('token');
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      if (!sameToken(header, token))
        return c.text('Forbidden: this request needs the access token in a header.\n', 403);
    } else if (!sameToken(header ?? query, token)) {
      return c.text('Forbidden: open the URL with its access token, as printed by drs-failback.\n', 403);
    }
    c.header('Cache-Control', 'no-store');
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    await next();
  });
  app.get('/', (c) => c.html(PAGE_HTML));
  app.get('/api/run', (c) => {
    const pending = options.approvals?.pending() ?? null;
    return c.json({
      runId: options.runId,
      plan: {
        name: plan.name,
        region: plan.region,
        rtoMs: plan.objectives.rtoMs,
        waves: plan.waves.map((w) => ({ name: w.name, servers: w.servers.map((s) => s.sourceServerID) })),
      },
      canApprove: options.approvals !== undefined,
      pending: pending === null ? null : approvalView(plan, pending),
    });
  });
  app.get('/api/events', (c) => {
    const lastId = Number(c.req.header('last-event-id') ?? c.req.query('after') ?? 0);
    return streamSSE(c, streamEvents(feed, Number.isFinite(lastId) ? lastId : 0));
  });
  app.post('/api/approval', async (c) => {
    let body: AnswerBody;
    try {
      body = (await c.req.json()) as AnswerBody;
    } catch {
      return c.json({ ok: false, message: 'Expected a JSON body.' }, 400);
    }
    const { status, message } = answerApproval(options, body);
    return c.json({ ok: status === 200, message }, status);
  });
  app.get('/report.md', (c) => {
    c.header('Content-Disposition', `attachment; filename="${options.runId}-report.md"`);
    return c.body(renderReportMarkdown(options.report()), 200, {
      'Content-Type': 'text/markdown; charset=utf-8',
    });
  });
  app.get('/report.json', (c) => {
    c.header('Content-Disposition', `attachment; filename="${options.runId}-report.json"`);
    return c.body(renderReportJson(options.report()), 200, {
      'Content-Type': 'application/json; charset=utf-8',
    });
  });
  return app;
}

export interface WebServer {
  url: string;
  token: string;
  close(): Promise<void>;
}

/** Serves the view on `host` (loopback unless told otherwise) and `port` (0: any free one). */
export async function startWebServer(
  options: WebViewOptions & { host?: string; port?: number },
): Promise<WebServer> {
  const token = options.token ?? newAccessToken();
  const host = options.host ?? '127.0.0.1';
  const app = createWebApp({ ...options, token });
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: host, port: options.port ?? 0 }, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address() as AddressInfo;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${address.port}/?token=${token}`,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        options.feed.close();
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
