// The wave machine's graph for model-based tests: a wave input, the candidate events (actor
// results, answers, delays) and the test modes. Shared by test/machines/wave.graph.test.ts (the
// machine itself) and test/sfn/graph-paths.test.ts (the same paths through the generated ASL).
import type { AnyStateMachine, EventObject, StateValue } from 'xstate';
import type { AwsFailure } from '../../machines/types.js';
import { type WaveInput, waveMachine } from '../../machines/wave.machine.js';

export const T0 = Date.parse('2026-01-01T00:00:00Z');
export const LATE = T0 + 10 * 3600_000; // past every deadline
export const input: WaveInput = {
  runId: 'run-1',
  waveIndex: 0,
  wave: { name: 'db', servers: [{ sourceServerID: 's-00000000000000001' }] },
  requiresApproval: true,
  rpoMs: 900_000,
  runStartedAt: T0,
  rtoDeadlineAt: T0 + 4 * 3600_000,
  polling: { intervalMs: 15_000, maxMs: 300_000 },
  verifyTimeoutMs: 1_200_000,
  jobTimeoutMs: 7_200_000,
  restore: 'if-unhealthy',
  jitterSeed: 1,
  now: T0,
};
export const fail = (kind: AwsFailure['kind'], retryable: boolean): AwsFailure => ({
  kind,
  name: 'X',
  operation: 'Op',
  message: 'failed',
  retryable,
});

export const done = (id: string, output: object) =>
  ({ type: `xstate.done.actor.${id}`, output }) as unknown as EventObject;
export const error = (id: string) =>
  ({ type: `xstate.error.actor.${id}`, error: new Error('boom') }) as unknown as EventObject;

/** Candidate events: every operator event, and for each actor the outputs that drive each branch. */
export const events: EventObject[] = [
  { type: 'APPROVE', by: 'ops' } as EventObject,
  { type: 'REFUSE', by: 'ops' } as EventObject,
  { type: 'ABORT', by: 'ops' } as EventObject,
  { type: 'WAKE', now: T0 } as EventObject,
  { type: 'WAKE', now: LATE } as EventObject,
  done('precheck', { now: T0, ok: true, checks: [], servers: [] }),
  done('precheck', {
    now: T0,
    ok: true,
    checks: [],
    servers: [
      {
        sourceServerID: 's-00000000000000001',
        recoveryInstanceID: 'i-00000000000000001',
        origin: 'AWS',
        originRegion: 'us-west-2',
        reversedSourceServerID: 's-00000000000000009',
      },
    ],
  }),
  done('precheck', {
    now: T0,
    ok: false,
    checks: [{ server: '*', name: 'rpo', status: 'fail', detail: 'old' }],
    servers: [],
  }),
  done('precheck', { now: T0, ok: false, checks: [], servers: [], failure: fail('throttled', true) }),
  error('precheck'),
  done('quiesceWrites', { now: T0 }),
  done('quiesceWrites', { now: T0, failure: fail('unknown', false) }),
  error('quiesceWrites'),
  done('measureDrain', { now: T0, drained: true, servers: [] }),
  done('measureDrain', { now: T0, drained: false, servers: [] }),
  done('measureDrain', { now: LATE, drained: false, servers: [] }),
  error('measureDrain'),
  done('startFailback', { now: T0, jobIds: ['drsjob-1'] }),
  // A backout's read of an in-doubt start that finds no job (resolvingStart).
  done('startFailback', { now: T0, jobIds: [] }),
  done('startFailback', { now: T0, jobIds: [], failure: fail('throttled', true) }),
  done('startFailback', { now: LATE, jobIds: [], failure: fail('access-denied', false) }),
  done('startFailback', { now: T0, jobIds: [], failure: fail('transient', true) }),
  done('startFailback', { now: T0, jobIds: [], failure: fail('transient', true), notSent: true }),
  done('startFailback', { now: T0, jobIds: [], failure: fail('transient', true), mayHaveStarted: true }),
  // A wave larger than its job limits: the first job runs, the rest wait for capacity.
  done('startFailback', { now: T0, jobIds: ['drsjob-1'], queued: 5, inFlight: 100 }),
  done('startFailback', { now: LATE, jobIds: ['drsjob-1'], queued: 5, inFlight: 100 }),
  error('startFailback'),
  ...['pollJobs', 'pollRecoveryJobs'].flatMap((id) => [
    done(id, { now: T0, verdict: 'launched', detail: '', servers: [], logCursor: {} }),
    done(id, { now: T0, verdict: 'failed', detail: 'FAILED', servers: [], logCursor: {} }),
    // One server launched before the other failed: its primary was converted.
    done(id, {
      now: T0,
      verdict: 'failed',
      detail: 'FAILED',
      servers: [{ sourceServerID: 's-00000000000000001', launchStatus: 'LAUNCHED', jobId: 'drsjob-1' }],
      logCursor: {},
    }),
    done(id, {
      now: T0,
      verdict: 'pending',
      detail: '',
      servers: [],
      logCursor: {},
      failure: fail('access-denied', false),
    }),
    done(id, { now: LATE, verdict: 'pending', detail: '', servers: [], logCursor: {} }),
    done(id, { now: T0, verdict: 'pending', detail: '', servers: [], logCursor: {} }),
    error(id),
  ]),
  done('verifyFailback', { now: T0, verdict: 'healthy', servers: [] }),
  done('verifyFailback', { now: T0, verdict: 'unhealthy', servers: [] }),
  done('verifyFailback', { now: T0, verdict: 'pending', servers: [], failure: fail('access-denied', false) }),
  done('verifyFailback', { now: LATE, verdict: 'pending', servers: [] }),
  done('verifyFailback', { now: T0, verdict: 'pending', servers: [] }),
  error('verifyFailback'),
  done('stopFailback', { now: T0, stopped: [], failures: [] }),
  done('stopFailback', { now: T0, stopped: [], failures: [{ ...fail('throttled', true), server: 'i-1' }] }),
  error('stopFailback'),
  ...['assessDrSide', 'verifyRestore'].flatMap((id) => [
    done(id, { now: T0, verdict: 'healthy', servers: [], needsRestore: [] }),
    done(id, { now: T0, verdict: 'unhealthy', servers: [], needsRestore: ['s-00000000000000001'] }),
    done(id, {
      now: T0,
      verdict: 'pending',
      servers: [],
      needsRestore: [],
      failure: fail('access-denied', false),
    }),
    done(id, { now: LATE, verdict: 'pending', servers: [], needsRestore: [] }),
    done(id, { now: T0, verdict: 'pending', servers: [], needsRestore: [] }),
    error(id),
  ]),
  done('restoreRecoveryPoint', { now: T0, jobIds: ['drsjob-2'], restored: [] }),
  done('restoreRecoveryPoint', { now: T0, jobIds: [], restored: [], failure: fail('not-found', false) }),
  error('restoreRecoveryPoint'),
  done('reprotect', { now: T0, reversed: [], failures: [] }),
  error('reprotect'),
  done('cleanup', { now: T0, jobIds: [], terminated: [], failures: [] }),
  error('cleanup'),
];

export interface NodeLike {
  id: string;
  type: string;
  always?: { target?: ReadonlyArray<{ id: string }> }[];
  states: Record<string, NodeLike>;
  transitions: Map<string, { eventType: string; target?: ReadonlyArray<{ id: string }> }[]>;
  after: { eventType: string }[];
}
export function allNodes(machine: AnyStateMachine): NodeLike[] {
  const out: NodeLike[] = [];
  const walk = (n: NodeLike) => {
    for (const c of Object.values(n.states)) {
      out.push(c);
      walk(c);
    }
  };
  walk(machine.root as unknown as NodeLike);
  return out;
}
/** A state left at once by eventless transitions: never a resting state of a path. */
export const isTransient = (n: NodeLike): boolean =>
  (n.always?.length ?? 0) > 0 && Object.keys(n.states).length === 0;
export const nodeById = new Map(allNodes(waveMachine).map((n) => [n.id, n] as const));
/** Where a target really leads: a transient state stands for the states it moves on to. */
export const restingTargets = (id: string): string[] => {
  const node = nodeById.get(id);
  if (!node || !isTransient(node)) return [id];
  return (node.always ?? []).flatMap((t) => (t.target ?? []).flatMap((x) => restingTargets(x.id)));
};
export const delayedEvents = allNodes(waveMachine).flatMap((n) =>
  n.after.map((a) => ({ type: a.eventType }) as EventObject),
);
export const withMode = (
  restore: WaveInput['restore'],
  requiresApproval = true,
  afterFailback = { reprotect: false, cleanup: false },
  delivered: (event: EventObject) => boolean = () => true,
  cutover?: WaveInput['cutover'],
) => ({
  input: { ...input, restore, requiresApproval, afterFailback, ...(cutover ? { cutover } : {}) },
  events: [...events, ...delayedEvents].filter(delivered),
  // State value plus the context facts that open more paths: EC2-origin servers in the wave, a
  // server already launched, StopFailback failures left, StopFailback rounds sent.
  serializeState: (s: {
    value: StateValue;
    context: {
      resolved: { origin?: string }[];
      launch: { launchStatus: string }[];
      backout: { stopFailures: unknown[]; stopAttempts?: number } | null;
    };
  }) =>
    JSON.stringify(s.value) +
    s.context.resolved.some((r) => r.origin === 'AWS') +
    s.context.launch.some((l) => l.launchStatus === 'LAUNCHED') +
    (s.context.backout?.stopFailures.length ?? 0) +
    Math.min(s.context.backout?.stopAttempts ?? 0, 5),
});

/** The final states every set of modes must reach. */
export const FINAL_STATES = [
  'completed',
  'backedOut',
  'needsAttention',
  'backoutFailed',
  'aborted',
  'precheckFailed',
] as const;
