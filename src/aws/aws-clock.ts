// AWS's clock, as the responses tell it: every response carries a `Date` header (RFC 7231, one
// second resolution). Ages of AWS timestamps (a Failback Client last seen, a replication lag given
// as a datetime) are measured against it, never against the operator's clock, which may be off by
// minutes (docs/operations.md, "Clock skew"). Before any response, it knows nothing: callers fall
// back to the local clock.
import type { Clock } from '../clock.js';

export interface AwsClockReader {
  /** AWS's time now (epoch ms), or undefined when no response has told it yet. */
  now(): number | undefined;
}

export class AwsClock implements AwsClockReader {
  readonly #local: Pick<Clock, 'now'>;
  /** AWS's clock minus the local clock, from the newest response. */
  #skewMs: number | undefined;

  constructor(local: Pick<Clock, 'now'>) {
    this.#local = local;
  }

  /** Notes a response's `Date` header; anything that is not a date is ignored. */
  observe(dateHeader: unknown): void {
    if (typeof dateHeader !== 'string') return;
    const at = Date.parse(dateHeader);
    if (Number.isFinite(at)) this.#skewMs = at - this.#local.now();
  }

  now(): number | undefined {
    return this.#skewMs === undefined ? undefined : this.#local.now() + this.#skewMs;
  }

  /** How far AWS's clock is ahead of the local one (ms; negative: behind); undefined until known. */
  get skewMs(): number | undefined {
    return this.#skewMs;
  }
}

interface MiddlewareStackLike {
  add(
    middleware: (
      next: (args: unknown) => Promise<{ response?: unknown }>,
    ) => (args: unknown) => Promise<unknown>,
    options: { step: 'deserialize'; name: string; override: boolean },
  ): void;
}

/**
 * Adds to an SDK client a middleware at the deserialize step that hands every response's `Date`
 * header to `clock`. Clients without a middleware stack (the simulated world's stand-ins) are left
 * alone: under --simulate there is no header, and AWS's clock is the virtual one.
 */
export function observeAwsClock(client: unknown, clock: AwsClock): void {
  const stack = (client as { middlewareStack?: Partial<MiddlewareStackLike> } | null)?.middlewareStack;
  if (typeof stack?.add !== 'function') return;
  stack.add(
    (next) => async (args) => {
      const out = await next(args);
      const headers = (out.response as { headers?: Record<string, string | undefined> } | undefined)?.headers;
      clock.observe(headers?.date ?? headers?.Date);
      return out;
    },
    { step: 'deserialize', name: 'drsFailbackAwsClock', override: true },
  );
}
