// Progress you can follow: the facts of a running failback in one line per wave (servers by phase,
// RTO remaining, what the wave waits for and when it reads AWS next, probes pending, retries the
// tool handled), redrawn at most once a second at the foot of a terminal, or printed as a
// heartbeat line at a fixed wall-clock interval when output is redirected.
import type { Writable } from 'node:stream';
import { waveLifecycle } from '../../machines/lifecycle.js';
import type { RunEvent } from '../events.js';
import { humanDuration } from '../human-duration.js';
import type { Plan } from '../plan/types.js';
import { safeOutput } from '../text/safe.js';
import { writeLine } from './io.js';
import type { RunTracker } from './live-view.js';

export interface WaveStatus {
  wave: string;
  state: string;
  /** What the wave waits for, from the lifecycle label. */
  waitingFor: string;
  /** Servers by their last job phase, e.g. `{ CONVERSION_START: 2 }`; `waiting` before any. */
  phases: Record<string, number>;
  /** When the wave reads AWS next (epoch ms), estimated from the last read and the poll interval. */
  nextReadAt: number | null;
  probesPending: number;
}

export interface RunStatus {
  rtoRemainingMs: number;
  waves: WaveStatus[];
  /** Calls AWS throttled or failed transiently, sent again by the tool. */
  retries: number;
}

/** The facts of the run now, from its event stream alone. */
export function runStatus(tracker: RunTracker, plan: Plan, now: number): RunStatus {
  const rtoRemainingMs = plan.objectives.rtoMs - tracker.elapsedMs(now);
  const waves: WaveStatus[] = [];
  for (const wave of plan.waves) {
    const state = tracker.waveState.get(wave.name);
    if (state === undefined || waveLifecycle.isFinal(state)) continue;
    const phases: Record<string, number> = {};
    for (const server of wave.servers) {
      const phase = tracker.serverPhase.get(server.sourceServerID) ?? 'waiting';
      phases[phase] = (phases[phase] ?? 0) + 1;
    }
    const lastRead = tracker.lastReadAt.get(wave.name);
    const polling = state === 'monitoringJob' || state.startsWith('verifying');
    waves.push({
      wave: wave.name,
      state,
      waitingFor: waveLifecycle.label(state) ?? state,
      phases,
      nextReadAt: polling && lastRead !== undefined ? lastRead + plan.polling.intervalMs : null,
      probesPending: state.startsWith('verifying')
        ? wave.servers.reduce((n, s) => n + (s.verify?.probes?.length ?? 0), 0)
        : 0,
    });
  }
  return { rtoRemainingMs, waves, retries: tracker.retries.total };
}

/** One line per wave, e.g. `wave db: monitoringJob · 2 CONVERSION_START · RTO 3h 18m left · next read in 25s`. */
export function statusLines(status: RunStatus, now: number): string[] {
  const rto =
    status.rtoRemainingMs >= 0
      ? `RTO ${humanDuration(status.rtoRemainingMs)} left`
      : `RTO exceeded by ${humanDuration(-status.rtoRemainingMs)}`;
  const retries = status.retries > 0 ? [`${status.retries} call(s) retried`] : [];
  if (status.waves.length === 0) return [[rto, ...retries].join(' · ')];
  // Waves side by side: the run's facts once, then per wave its facts before the (long) label of
  // its state, so a line cut to the terminal's width loses the label, not the facts.
  if (status.waves.length > 1) {
    return [
      [rto, ...retries].join(' · '),
      ...status.waves.map((w) => {
        const phases = Object.entries(w.phases)
          .map(([phase, n]) => `${n} ${phase}`)
          .join(', ');
        const parts = [`wave ${w.wave}: servers ${phases}`];
        if (w.nextReadAt !== null)
          parts.push(`next read in ${humanDuration(Math.max(0, w.nextReadAt - now))}`);
        if (w.probesPending > 0) parts.push(`${w.probesPending} probe(s) pending`);
        return [...parts, w.waitingFor].join(' · ');
      }),
    ];
  }
  return status.waves.map((w) => {
    const phases = Object.entries(w.phases)
      .map(([phase, n]) => `${n} ${phase}`)
      .join(', ');
    const parts = [`wave ${w.wave}: ${w.waitingFor}`, `servers ${phases}`, rto];
    if (w.nextReadAt !== null) parts.push(`next read in ${humanDuration(Math.max(0, w.nextReadAt - now))}`);
    if (w.probesPending > 0) parts.push(`${w.probesPending} probe(s) pending`);
    return [...parts, ...retries].join(' · ');
  });
}

export interface ProgressOptions {
  out: Writable;
  tracker: RunTracker;
  plan: Plan;
  /** The run's clock (virtual under --simulate): RTO and next reads are counted on it. */
  now: () => number;
}

const CLEAR_LINE = '\r\u001b[2K';
const UP = (n: number) => `\u001b[${n}A`;

/**
 * The status area at the foot of a terminal: recomputed at most once a second (a wall-clock
 * tick), cleared before each line of the live view and drawn again after it.
 */
export class StatusArea {
  readonly #o: ProgressOptions;
  #lines: string[] = [];
  #drawn = 0;
  #paused = false;
  #timer: ReturnType<typeof setInterval> | null = null;

  constructor(options: ProgressOptions) {
    this.#o = options;
  }

  start(): void {
    this.#refresh();
    this.#timer = setInterval(() => this.#refresh(), 1000);
    this.#timer.unref?.();
  }

  /** Writes a line of the live view above the status area. */
  writeAbove(text: string): void {
    this.#clear();
    writeLine(this.#o.out, text);
    this.#draw();
  }

  /** A prompt owns the terminal: no drawing until `resume`. */
  pause(): void {
    this.#clear();
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.#draw();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#clear();
  }

  #refresh(): void {
    const now = this.#o.now();
    this.#lines = statusLines(runStatus(this.#o.tracker, this.#o.plan, now), now);
    this.#clear();
    this.#draw();
  }

  #clear(): void {
    if (this.#drawn === 0) return;
    this.#o.out.write(`${CLEAR_LINE}${`${UP(1)}${CLEAR_LINE}`.repeat(this.#drawn - 1)}`);
    this.#drawn = 0;
  }

  #draw(): void {
    if (this.#paused || this.#lines.length === 0) return;
    // The status names waves and AWS phases: escaped like every line the tool prints. Each line is
    // cut to the terminal's width: a wrapped line takes two rows, and clearing one row per line
    // would leave the rest behind (with waves side by side, one status line per wave).
    const width = (this.#o.out as { columns?: number }).columns;
    const toWidth = (line: string) =>
      width !== undefined && width > 20 && line.length >= width ? `${line.slice(0, width - 2)}…` : line;
    this.#o.out.write(this.#lines.map((l) => toWidth(safeOutput(`» ${l}`))).join('\n'));
    this.#drawn = this.#lines.length;
  }
}

/** Without a terminal: the same facts as one line per wave every `intervalMs` of wall time. */
export class Heartbeat {
  readonly #o: ProgressOptions;
  readonly #intervalMs: number;
  #timer: ReturnType<typeof setInterval> | null = null;

  constructor(options: ProgressOptions, intervalMs: number) {
    this.#o = options;
    this.#intervalMs = intervalMs;
  }

  start(): void {
    this.#timer = setInterval(() => this.beat(), this.#intervalMs);
    this.#timer.unref?.();
  }

  beat(): void {
    const now = this.#o.now();
    const stamp = new Date(now).toISOString();
    for (const line of statusLines(runStatus(this.#o.tracker, this.#o.plan, now), now)) {
      writeLine(this.#o.out, `[heartbeat ${stamp}] ${line}`);
    }
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }
}

/** Whether an AWS error is one the tool handles by sending the call again (folded, not shown each). */
export function isHandledRetry(event: RunEvent): boolean {
  if (event.type !== 'aws.response' || event.ok || event.error === undefined) return false;
  return RETRIED_ERRORS.has(event.error.name);
}

// DOCUMENTED: the SDK's throttling and transient error names (@smithy/service-error-classification).
const RETRIED_ERRORS = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ProvisionedThroughputExceededException',
  'InternalServerException',
  'InternalServerError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'BadGateway',
  'GatewayTimeout',
  'RequestTimeout',
  'RequestTimeoutException',
]);
