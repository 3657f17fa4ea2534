// The step Lambda around the pure step: loads what was spilled, hears the operator's abort,
// writes the step's events to the run's log, and spills what is too large for a payload.
import type { PlanRunInput } from '../../machines/plan.machine.js';
import type { Clock } from '../clock.js';
import type { PlacedEvents, TimedEvent } from './event-log.js';
import type { AbortRecord, RunRecord } from './runs.js';
import {
  DEFAULT_MAX_INLINE_BYTES,
  keepState,
  loadRequest,
  type SnapshotStore,
  type WireRequest,
  type WireState,
} from './spill.js';
import { type StepRequest, stepWithEvents } from './step.js';
import { notifyTransitions, type StepNotifyDeps } from './step-notify.js';

/** Where the step keeps the run: each part optional, so a test can run the step on less. */
export interface EngineStepDeps {
  store: SnapshotStore;
  maxInlineBytes?: number;
  clock: Pick<Clock, 'now'>;
  /** The abort an operator asked for (`drs-failback abort`), read before each wave step and each Map round's plan step. */
  abortOf?: (runId: string) => Promise<AbortRecord | undefined>;
  /**
   * Appends the step's events; `writeKey` lands a retried step on the same seqs. Its answer numbers
   * the step's transitions (the notifications' `seq`); without one, nothing is notified.
   */
  append?: (
    runId: string,
    events: readonly TimedEvent[],
    writeKey: string,
  ) => Promise<PlacedEvents | undefined>;
  /** With it (and `append`), each `state` event is published to the plan's topic (step-notify.ts). */
  notify?: StepNotifyDeps;
  /** Tells whether events were appended under a write key already (a retried step notified already). */
  placedBefore?: (runId: string, writeKey: string) => Promise<boolean>;
  /** Writes the run's record when nobody did (an execution started by hand). */
  ensureRun?: (run: Pick<RunRecord, 'runId' | 'executionArn' | 'plan' | 'startedAt'>) => Promise<void>;
}

/** The run a step belongs to: every machine's context and input carry its id. */
export function runIdOf(request: StepRequest): string {
  if ('execution' in request) {
    const begin = request.execution.begin;
    const from = 'resume' in begin ? begin.resume.snapshot.context : begin.input;
    return (from as { runId: string }).runId;
  }
  return (request.snapshot.context as { runId: string }).runId;
}

/**
 * Where the operator's abort is heard: every wave step, and the plan step after a Map round, which
 * starts no further wave once aborted. One wave at a time, the plan ends after an aborted wave on
 * its own.
 */
const hearsAbort = (request: StepRequest): boolean =>
  request.machine === 'wave' ||
  ('outcome' in request && 'kind' in request.outcome && request.outcome.kind === 'children');

/** Same execution and same place in its history: the same step, retried. */
const writeKeyOf = (request: StepRequest) =>
  `${request.executionArn ?? 'local'}#${'execution' in request ? 'begin' : request.history.events}`;

export function createEngineStep(deps: EngineStepDeps) {
  const maxInlineBytes = deps.maxInlineBytes ?? DEFAULT_MAX_INLINE_BYTES;
  return async (wire: WireRequest): Promise<WireState> => {
    const request = await loadRequest(deps.store, wire);
    const runId = runIdOf(request);
    const abort = hearsAbort(request) && deps.abortOf ? await deps.abortOf(runId) : undefined;
    const { state, events, notices } = stepWithEvents(request, {
      abort: abort ? { by: abort.by, ...(abort.reason !== undefined ? { reason: abort.reason } : {}) } : null,
    });
    if (
      deps.ensureRun &&
      request.machine === 'plan' &&
      'execution' in request &&
      'input' in request.execution.begin
    ) {
      const input = request.execution.begin.input as PlanRunInput;
      await deps.ensureRun({
        runId,
        executionArn: request.executionArn ?? '',
        plan: input.planName,
        startedAt: new Date(input.startedAt).toISOString(),
      });
    }
    if (deps.append && events.length > 0) {
      const at = deps.clock.now();
      const writeKey = writeKeyOf(request);
      const placed = await deps.append(
        runId,
        events.map((body) => ({ body, at })),
        writeKey,
      );
      if (deps.notify && placed && notices.length > 0) {
        // Notifications after the log holds the transitions, numbered as the log numbered them.
        const notifiedKey = `${writeKey}#notified`;
        if (!(await deps.placedBefore?.(runId, notifiedKey))) {
          const told = await notifyTransitions(
            deps.notify,
            runId,
            notices,
            placed.events,
            placed.firstTransition,
          );
          if (told.length > 0) await deps.append(runId, told, notifiedKey);
        }
      }
    }
    return keepState(deps.store, state, maxInlineBytes);
  };
}
