// Paths generated from the wave machine's graph (@xstate/graph, the same candidate events as
// test/machines/wave.graph.test.ts) replayed through the generated ASL under the local runner:
// activity Tasks answer with the path's actor results, Waits end with its delayed events,
// approvals with its answers. The ASL must visit exactly the path's leaves: every Choice routes
// where the machine goes. (ABORT and WAKE are the CLI's; the Step Functions engine has neither.)
import '../support/promise-with-resolvers.js';
import { getShortestPaths } from '@xstate/graph';
import { StateMachine } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import type { AnyStateMachine, EventObject, StateValue } from 'xstate';
import { leafPath } from '../../machines/lifecycle.js';
import type { AwsFailure } from '../../machines/types.js';
import { type WaveInput, waveMachine } from '../../machines/wave.machine.js';
import { generateAsl } from '../../src/sfn/asl.js';
import { stepHandler } from '../../src/sfn/lambda.js';
import type { StepRequest } from '../../src/sfn/step.js';
import { forLocalRunner } from './local-engine.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const LATE = T0 + 10 * 3600_000; // past every deadline
const input: WaveInput = {
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
const fail = (kind: AwsFailure['kind'], retryable: boolean): AwsFailure => ({
  kind,
  name: 'X',
  operation: 'Op',
  message: 'failed',
  retryable,
});

const done = (id: string, output: object) =>
  ({ type: `xstate.done.actor.${id}`, output }) as unknown as EventObject;
const error = (id: string) =>
  ({ type: `xstate.error.actor.${id}`, error: new Error('boom') }) as unknown as EventObject;

/** Candidate events: every operator event, and for each actor the outputs that drive each branch. */
const events: EventObject[] = [
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
  done('startFailback', { now: T0, jobIds: ['drsjob-1'] }),
  done('startFailback', { now: T0, jobIds: [], failure: fail('throttled', true) }),
  done('startFailback', { now: LATE, jobIds: [], failure: fail('access-denied', false) }),
  done('startFailback', { now: T0, jobIds: [], failure: fail('transient', true) }),
  error('startFailback'),
  ...['pollJobs', 'pollRecoveryJobs'].flatMap((id) => [
    done(id, { now: T0, verdict: 'launched', detail: '', servers: [], logCursor: {} }),
    done(id, { now: T0, verdict: 'failed', detail: 'FAILED', servers: [], logCursor: {} }),
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
interface NodeLike {
  id: string;
  type: string;
  always?: { target?: ReadonlyArray<{ id: string }> }[];
  states: Record<string, NodeLike>;
  transitions: Map<string, { eventType: string; target?: ReadonlyArray<{ id: string }> }[]>;
  after: { eventType: string }[];
}
function allNodes(machine: AnyStateMachine): NodeLike[] {
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
const delayedEvents = allNodes(waveMachine).flatMap((n) =>
  n.after.map((a) => ({ type: a.eventType }) as EventObject),
);
const withMode = (
  restore: WaveInput['restore'],
  requiresApproval = true,
  afterFailback = { reprotect: false, cleanup: false },
) => ({
  input: { ...input, restore, requiresApproval, afterFailback },
  // ABORT and WAKE are the CLI's: the paths use what the Step Functions engine delivers.
  events: [...events, ...delayedEvents].filter((e) => e.type !== 'ABORT' && e.type !== 'WAKE'),
  serializeState: (s: { value: StateValue; context: { resolved: { origin?: string }[] } }) =>
    JSON.stringify(s.value) + s.context.resolved.some((r) => r.origin === 'AWS'),
});

const runner = new StateMachine(forLocalRunner(generateAsl('wave')), {
  validationOptions: { noValidate: true },
});

/** Replays one path's events through the ASL; returns the leaves the ASL entered. */
async function replay(waveInput: WaveInput, pathEvents: EventObject[]): Promise<string[]> {
  const queue = [...pathEvents];
  const mismatches: string[] = [];
  // The path ends where its last event leads: the next Task finds the queue empty and stops the run.
  let stop = () => {};
  const next = (): EventObject | Promise<never> => {
    const event = queue.shift();
    if (event) return event;
    stop();
    return new Promise<never>(() => {});
  };
  const handlers: Record<string, (input: never) => Promise<unknown>> = {};
  for (const [name, state] of Object.entries(generateAsl('wave').States)) {
    if (state.Type !== 'Task') continue;
    if (name === 'Start' || name.endsWith('/step')) {
      handlers[name] = async ({ Payload }: { Payload: StepRequest }) => {
        if ('outcome' in Payload && !('Error' in Payload.outcome) && Payload.outcome.kind === 'after') {
          const event = await next();
          if (Payload.command.kind !== 'wait' || event.type !== Payload.command.event.type)
            mismatches.push(`${name}: path sends ${event.type}`);
        }
        return { StatusCode: 200, Payload: stepHandler(Payload) };
      };
    } else if (String(state.Resource).endsWith('.waitForTaskToken')) {
      handlers[name] = async () => {
        const event = await next();
        if (event.type.startsWith('xstate.after.')) {
          throw Object.assign(new Error('deadline'), { name: 'States.Timeout' });
        }
        return event;
      };
    } else {
      handlers[name] = async () => {
        const event = (await next()) as EventObject & { output?: unknown };
        if (event.type.startsWith('xstate.error.actor.')) throw new Error('boom');
        if (!event.type.startsWith('xstate.done.actor.'))
          mismatches.push(`${name}: path sends ${event.type}`);
        return { StatusCode: 200, Payload: event.output };
      };
    }
  }
  const waits = Object.fromEntries(
    Object.entries(generateAsl('wave').States).flatMap(([n, s]) => (s.Type === 'Wait' ? [[n, 0]] : [])),
  );
  const running = runner.run({ begin: { input: waveInput } } as never, {
    overrides: { taskResourceLocalHandlers: handlers as never, waitTimeOverrides: waits },
    context: { Execution: { Id: 'local' }, Task: { Token: 't' } },
    noThrowOnAbort: true,
  });
  stop = running.abort;
  const leaves: string[] = [];
  const collecting = (async () => {
    for await (const e of running.eventLogs) {
      if (
        e.type === 'StateEntered' &&
        !e.state.name.includes('/') &&
        !['Start', 'Route'].includes(e.state.name)
      )
        leaves.push(e.state.name);
    }
  })();
  await running.result;
  await collecting;
  expect(mismatches).toEqual([]);
  return leaves;
}

describe('generated paths through the generated ASL', () => {
  const modes = [
    withMode('if-unhealthy'),
    withMode('never'),
    withMode('if-unhealthy', false),
    withMode('if-unhealthy', false, { reprotect: true, cleanup: true }),
  ];
  const cases = modes.flatMap((m) =>
    getShortestPaths(waveMachine, m as never).map((p) => ({ mode: m, path: p })),
  );

  it('ends in every leaf the ASL has, every final state included', () => {
    const ends = new Set(cases.map((c) => leafPath(c.path.state.value as StateValue)));
    for (const final of ['completed', 'backedOut', 'backoutFailed', 'aborted', 'precheckFailed'])
      expect(ends.has(final), final).toBe(true);
    const leaves = generateAsl('wave');
    const missing = Object.keys(leaves.States).filter(
      (n) =>
        !n.includes('/') && !['Start', 'Route', 'ContinueAsNew', 'Unroutable'].includes(n) && !ends.has(n),
    );
    expect(missing).toEqual([]);
    expect(cases.length).toBeGreaterThan(20);
  });

  it('visits exactly the leaves of each path', async () => {
    for (const { mode, path } of cases) {
      const expected = path.steps.map((s) => leafPath(s.state.value as StateValue));
      const events = path.steps.slice(1).map((s) => s.event);
      const visited = await replay(mode.input as WaveInput, events);
      expect(visited, JSON.stringify(events.map((e) => e.type))).toEqual(expected);
    }
  }, 120_000);
});
