// The live web view of a run (`run --web`, `watch --web`): a page, the run's events as Server-Sent
// Events whose ids are the events' `seq` (a reconnect sends Last-Event-ID and misses nothing), the
// pending approval and the answers to it, and the report. Every request needs the access token
// printed in the URL; requests that change something need it in a header, which another site
// cannot make a browser send.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { waveLifecycle } from '../../machines/lifecycle.js';
import type { RunEvent } from '../events.js';
import type { Plan } from '../plan/types.js';
import { type EvidenceReport, renderReportJson, renderReportMarkdown } from '../report/index.js';
import type { AnswerResult, PendingApproval } from '../run/approvals.js';
import type { FailbackRun } from '../run/index.js';
import type { EventFeed } from './feed.js';
import { PAGE_HTML, PAGE_SCRIPT } from './page.js';

/** The header that carries the token on requests that change something. */
export const TOKEN_HEADER = 'x-drs-failback-token';

/** The approvals of a run this process drives (main's approval path); absent for a read-only view. */
export type WebApprovals = Pick<FailbackRun, 'pendingApproval' | 'answer'> &
  Partial<Pick<FailbackRun, 'pendingApprovals'>>;

export interface WebViewOptions {
  runId: string;
  plan: Plan;
  feed: EventFeed;
  approvals?: WebApprovals;
  /** The run's evidence report as it stands. */
  report(): EvidenceReport;
  /**
   * The run's clock (virtual under --simulate), sent to the page every `tickMs` for its RTO clock;
   * absent (a simulated run read from its log): the page counts to the last event.
   */
  now?: () => number;
  tickMs?: number;
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

/** One call an approval lets through, in the terminal's words. */
function callLine(call: PendingApproval['calls'][number], region: string): string {
  const irreversible = call.irreversible ? ' (cannot be undone)' : '';
  return `${call.call} for ${call.target} in ${call.region ?? region}: ${call.consequence}${irreversible}`;
}

/** What a pending approval approves: the step, its calls, the wave's servers, the region, the word to type. */
function approvalView(plan: Plan, pending: PendingApproval) {
  const wave = plan.waves.find((w) => w.name === pending.wave);
  return {
    wave: pending.wave,
    kind: pending.kind,
    title: pending.title,
    pointOfNoReturn: pending.pointOfNoReturn,
    calls: pending.calls.map((c) => callLine(c, plan.region)),
    irreversible: pending.calls.some((c) => c.irreversible),
    region: plan.region,
    servers: wave?.servers.map((s) => s.sourceServerID) ?? [],
    confirmWord: pending.confirmWord,
    expiresAt: pending.expiresAt === null ? null : new Date(pending.expiresAt).toISOString(),
  };
}

/** Every lifecycle state of a wave: the page labels states and marks the point of no return as the terminal does. */
function lifecycleView() {
  return waveLifecycle.states.map((s) => ({
    path: s.path,
    label: s.description,
    pointOfNoReturn: s.pointOfNoReturn,
    pastPointOfNoReturn: s.pastPointOfNoReturn,
    backout: s.backout,
    final: s.final,
    ...(s.outcome ? { outcome: s.outcome } : {}),
  }));
}

interface AnswerBody {
  wave?: unknown;
  kind?: unknown;
  answer?: unknown;
  approver?: unknown;
  confirm?: unknown;
}

type AnswerStatus = 200 | 400 | 403 | 409;

const STATUS_OF: Record<Exclude<AnswerResult, { ok: true }>['code'], AnswerStatus> = {
  'not-waiting': 409,
  stale: 409,
  'not-allowed': 403,
};

/**
 * An answer from the page, through the run's own approval path (`via: web`, the name typed). The
 * confirmation word is checked here, as the terminal's prompt checks it; who may answer, first
 * answer wins and stale answers are the run's rules.
 */
function answerApproval(
  options: WebViewOptions,
  body: AnswerBody,
): { status: AnswerStatus; message: string } {
  const approvals = options.approvals;
  if (!approvals)
    return { status: 409, message: 'This view is read-only: approvals are given where the run is driven.' };
  const { wave, kind, answer, approver, confirm } = body;
  if (typeof wave !== 'string' || (answer !== 'approve' && answer !== 'refuse')) {
    return {
      status: 400,
      message: 'Expected {wave, kind, answer: "approve" | "refuse", approver, confirm}.',
    };
  }
  if (typeof approver !== 'string' || approver.trim() === '') {
    return { status: 400, message: 'Type your name: it is recorded with the answer.' };
  }
  const target = { wave, ...(typeof kind === 'string' ? { kind: kind as PendingApproval['kind'] } : {}) };
  // Waves side by side may wait at once: the confirm word is the named wave's own.
  const pending = approvals.pendingApprovals?.().find((p) => p.wave === wave) ?? approvals.pendingApproval();
  const current = pending !== null && pending.wave === wave && (target.kind ?? pending.kind) === pending.kind;
  if (answer === 'approve' && current && confirm !== pending.confirmWord) {
    return { status: 400, message: `To approve, type ${pending.confirmWord} exactly.` };
  }
  const who = approver.trim();
  const result = approvals.answer(answer, { approver: who, via: 'web' }, target);
  if (!result.ok) {
    return { status: STATUS_OF[result.code], message: `Not recorded: ${result.message}.` };
  }
  return { status: 200, message: `Wave ${wave} ${answer === 'approve' ? 'approved' : 'refused'} by ${who}.` };
}

interface SseStream {
  writeSSE(m: { data: string; event?: string; id?: string }): Promise<void>;
  onAbort(f: () => void): void;
}

/**
 * Every event after `after`, then each new one, ids = seq; none twice, none skipped. Between
 * events, the run's clock (no id: it does not move the resume point), or a keep-alive.
 */
function streamEvents(options: WebViewOptions, after: number) {
  const { feed, now } = options;
  const tickMs = options.tickMs ?? 1_000;
  return async (stream: SseStream) => {
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
        const tick = now === undefined ? 15_000 : tickMs;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, tick);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = null;
        if (queue.length === 0 && !closed) {
          await stream.writeSSE(
            now === undefined
              ? { event: 'keep-alive', data: '{}' }
              : { event: 'clock', data: JSON.stringify({ now: new Date(now()).toISOString() }) },
          );
        }
      }
    } finally {
      unsubscribe();
    }
  };
}

// The page's only script, allowed by its hash: nothing injected into the page could run.
const SCRIPT_HASH = createHash('sha256').update(PAGE_SCRIPT).digest('base64');
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `script-src 'sha256-${SCRIPT_HASH}'`,
  "style-src 'unsafe-inline'",
  "connect-src 'self'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** The view's HTTP application (tests call `app.request` on it). */
export function createWebApp(options: WebViewOptions & { token: string }): Hono {
  const { token, plan } = options;
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
    c.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    await next();
  });
  app.get('/', (c) => c.html(PAGE_HTML));
  app.get('/api/run', (c) => {
    const pending = options.approvals?.pendingApproval() ?? null;
    return c.json({
      runId: options.runId,
      plan: {
        name: plan.name,
        region: plan.region,
        approval: plan.approval,
        rpoMs: plan.objectives.rpoMs,
        rtoMs: plan.objectives.rtoMs,
        waves: plan.waves.map((w) => ({ name: w.name, servers: w.servers.map((s) => s.sourceServerID) })),
      },
      lifecycle: lifecycleView(),
      canApprove: options.approvals !== undefined,
      pending: pending === null ? null : approvalView(plan, pending),
      now: options.now === undefined ? null : new Date(options.now()).toISOString(),
    });
  });
  app.get('/api/events', (c) => {
    const lastId = Number(c.req.header('last-event-id') ?? c.req.query('after') ?? 0);
    return streamSSE(c, streamEvents(options, Number.isFinite(lastId) ? lastId : 0));
  });
  app.post('/api/approval', async (c) => {
    let body: AnswerBody;
    try {
      body = (await c.req.json()) as AnswerBody;
    } catch {
      return c.json({ ok: false, message: 'Expected a JSON body.' }, 400);
    }
    const { status, message } = answerApproval(options, body ?? {});
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
