// Fault injection for the crash tests: named points in the durable writes where a test (or the
// kill test's child process) makes the process die, to prove every instant leaves a state that
// resume reads truthfully. Inert unless a hook is installed or DRS_FAILBACK_FAULT names the point.

/** The points of run creation, in order: after each file is renamed into place. */
export const RUN_CREATION_POINTS = [
  'create:plan.json',
  'create:plan.source',
  'create:sim-world.json',
  'create:run.json',
] as const;
/** After a finished wave's result file is written, before the snapshot that refers to it. */
export const WAVE_RESULT_POINT = 'snapshot:wave-result';
export type FaultPoint =
  | (typeof RUN_CREATION_POINTS)[number]
  | typeof WAVE_RESULT_POINT
  | `request:${string}`
  | `response:${string}`;

type FaultHook = (point: FaultPoint) => void;

let hook: FaultHook | null = null;

/** Installs (or with null removes) an in-process hook; it may throw to simulate a crash. */
export function setFaultHook(next: FaultHook | null): void {
  hook = next;
}

/** Thrown by hooks that simulate a crash in-process. */
export class InjectedFault extends Error {
  override readonly name = 'InjectedFault';
  constructor(readonly point: FaultPoint) {
    super(`injected fault at ${point}`);
  }
}

/**
 * Called right after a durable step. `DRS_FAILBACK_FAULT=<point>` kills the process there with
 * SIGKILL (what a power cut or an OOM kill does: no handler, no cleanup), or with the signal named
 * by `DRS_FAILBACK_FAULT_SIGNAL` (SIGINT, SIGTERM: the operator's stop, pending from that instant).
 */
export function faultPoint(point: FaultPoint): void {
  hook?.(point);
  if (process.env.DRS_FAILBACK_FAULT !== point) return;
  const signal = process.env.DRS_FAILBACK_FAULT_SIGNAL;
  process.kill(process.pid, signal === 'SIGINT' || signal === 'SIGTERM' ? signal : 'SIGKILL');
}
