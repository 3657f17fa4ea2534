// Drives a run to its end, or to a pause: the live view or the event stream, approvals (asked on a
// terminal, given by --yes, else the wave aborts before its point of no return) and Ctrl-C.
// Shared by `run`, `resume` and `backout`, so the three behave alike.
import { userInfo } from 'node:os';
import { failedBack } from '../../machines/types.js';
import { createStopGate, type StopGate } from '../aws/stop-gate.js';
import type { RunEvent } from '../events.js';
import { humanDuration } from '../human-duration.js';
import { waveTarget } from '../plan/targets.js';
import type { Plan } from '../plan/types.js';
import type { PendingApproval } from '../run/approvals.js';
import type { FailbackRun, RunResult } from '../run.js';
import type { StoredRun } from '../store/run-store.js';
import type { AwsContext } from './aws-context.js';
import type { RunEnd } from './exit-codes.js';
import { type CliIO, isInteractive, palette, useColor, writeLine } from './io.js';
import { continueCommand, LiveView, type Rerun, RunTracker, summaryLines } from './live-view.js';
import { type PausedRun, pauseRun } from './pause.js';
import {
  type ApprovalAnswer,
  type ApprovalQuestion,
  askAfterInterrupt,
  askApproval,
  type InterruptAnswer,
  type PromptStreams,
} from './prompts.js';
import { Heartbeat, StatusArea } from './status.js';
import { guardTypeAhead, type TypeAheadGuard } from './type-ahead.js';

export interface RunSummary {
  runId: string;
  end: RunEnd;
  /** Absent when the operator left the run paused. */
  result: RunResult | null;
  paused: PausedRun | null;
}

/** What the command needs from its surroundings; defaults are the real ones. */
export interface RunDeps {
  user?: string;
  askApproval?: (q: Parameters<typeof askApproval>[0], streams: PromptStreams) => Promise<ApprovalAnswer>;
  askAfterInterrupt?: (q: { waves: string[] }, streams: PromptStreams) => Promise<InterruptAnswer>;
  /** Where SIGINT/SIGTERM come from; tests pass an EventEmitter. */
  signals?: Pick<NodeJS.EventEmitter, 'on' | 'off'>;
  /** Drops keys typed while no question is open; default: the terminal's stdin in raw mode. */
  typeAhead?: (onInterrupt: () => void) => TypeAheadGuard;
}

export interface DriveSession {
  /** Created and not started; its events already go to the run's event log. */
  failback: FailbackRun;
  stored: StoredRun;
  aws: AwsContext;
  json: boolean;
  /** Approve every point of no return without asking. */
  yes: boolean;
  /** What this run logged before this process (resume, backout): where the run stands. */
  history?: readonly RunEvent[];
  /** `backout`: send ABORT as soon as the run is going, and approve nothing. */
  backout?: boolean;
  /** Printed before the run starts, unless --json. */
  intro?: string[];
  /** How the plan was run, for next-step commands that run it again; default: from run.json. */
  rerun?: Rerun;
  /** Output redirected (no terminal, no --json): a heartbeat line this often (wall time); default 1 minute. */
  heartbeatMs?: number;
  /**
   * The gate the run's clients were built with (`beforeSend`): a signal asks it to refuse any call
   * past the point of no return not sent yet. Absent (backout): a gate of its own, for the bookkeeping.
   */
  gate?: StopGate;
  /**
   * A web view offers the approvals too (`--web`): without a terminal the run waits for an answer
   * there instead of aborting; on a terminal, the first answer wins and the prompt gives way.
   */
  web?: boolean;
}

export const DEFAULT_HEARTBEAT_MS = 60_000;

/** A stored run's plan file and scenario (run.json), for `resume` and `backout`; undefined before run.json kept them. */
function rerunOf(stored: StoredRun): Rerun | undefined {
  const meta = stored.meta();
  if (meta.planFile === undefined) return undefined;
  return { plan: meta.planFile, ...(meta.simulation ? { simulate: meta.simulation.scenario } : {}) };
}

const INTERRUPT_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

export function operatorName(env: CliIO['env']): string {
  try {
    return userInfo().username;
  } catch {
    return env.USER ?? env.USERNAME ?? 'operator';
  }
}

/** The question for a pending approval, with the run's region for calls that name none. */
/** The DR region a wave acts in (`waves[].region`), for its approval prompt. */
function waveRegion(plan: Plan, wave: string, drRegion: string): string {
  const found = plan.waves.find((w) => w.name === wave);
  return found ? waveTarget(plan, found, drRegion).region : drRegion;
}

export function approvalQuestion(pending: PendingApproval, region: string, now: number): ApprovalQuestion {
  return {
    wave: pending.wave,
    title: pending.title,
    calls: pending.calls,
    confirmWord: pending.confirmWord,
    pointOfNoReturn: pending.pointOfNoReturn,
    region,
    ...(pending.expiresAt !== null
      ? {
          expires: `at ${new Date(pending.expiresAt).toISOString()} (in ${humanDuration(pending.expiresAt - now)})`,
        }
      : {}),
  };
}

export async function driveRun(session: DriveSession, io: CliIO, deps: RunDeps = {}): Promise<RunSummary> {
  const { failback, aws, stored } = session;
  const plan = failback.plan;
  const guided = !session.json && isInteractive(io);
  const user = deps.user ?? operatorName(io.env);
  const p = palette(useColor(io));
  const streams: PromptStreams = { input: io.stdin, output: io.stdout };
  const ask = deps.askApproval ?? askApproval;
  const askInterrupt = deps.askAfterInterrupt ?? askAfterInterrupt;
  const signals = deps.signals ?? process;
  const backoutReason = `operator-initiated backout by ${user} (drs-failback backout)`;
  const gate = session.gate ?? createStopGate();

  const terminal = { approver: user, via: 'terminal' } as const;
  const tracker = new RunTracker();
  // A resumed run does not announce the states it was restored into: the log says where it is.
  for (const event of session.history ?? []) tracker.observe(event);
  const progressOptions = { out: io.stdout, tracker, plan, now: () => aws.clock.now() };
  const statusArea = !session.json && io.stdout.isTTY === true ? new StatusArea(progressOptions) : null;
  const heartbeat =
    !session.json && io.stdout.isTTY !== true
      ? new Heartbeat(progressOptions, session.heartbeatMs ?? DEFAULT_HEARTBEAT_MS)
      : null;
  const print = (line: string) => (statusArea ? statusArea.writeAbove(line) : writeLine(io.stdout, line));
  const view = session.json ? null : new LiveView(io.stdout, p, plan, tracker, print);
  const say = (line: string) => (session.json ? writeLine(io.stderr, line) : print(line));

  // Things the drive loop must attend to; `wake` ends the current wait for them.
  let finished = false;
  let interrupts = 0;
  let handledInterrupts = 0;
  let wake: (() => void) | null = null;
  const attend = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  let approvalBlocked: { wave: string; pointOfNoReturn: string } | null = null;
  /** Closes the open approval prompt: answered elsewhere (a web page), expired, or the wave moved. */
  let closeApprovalPrompt: (() => void) | null = null;
  // `--web` without a terminal (and without --yes): approvals wait for the page's answer.
  const webAnswers = session.web === true && !session.backout && !guided && !session.yes;
  let waitingForWeb = false;

  const unsubscribe = failback.on((event) => {
    // After each step the simulated world is saved with the run's snapshot.
    if (event.type === 'state') aws.saveWorld();
    if (event.type === 'aws.request') gate.markSent(event.operation);
    tracker.observe(event);
    if (session.json) writeLine(io.stdout, JSON.stringify(event));
    else view?.handle(event);
    if (event.type === 'approval.given' || event.type === 'approval.refused' || event.type === 'state') {
      closeApprovalPrompt?.();
      if (waitingForWeb) attend();
    }
    if (event.type !== 'approval.requested') return;
    if (session.backout) {
      // A wave that reached its approval while the backout was on its way: nothing to approve.
      queueMicrotask(() => failback.abort(user, backoutReason));
    } else if (guided || webAnswers) {
      attend();
    } else if (event.kind === 'relaunch') {
      // A relaunch from a snapshot loses data: in script mode only the plan's opt-in answers it,
      // never --yes alone. Refused, the wave ends backout-failed and the report says what is lost.
      queueMicrotask(() =>
        plan.backout.allowDataLoss === true
          ? failback.answer('approve', { ...terminal, note: 'backout.allowDataLoss' }, { wave: event.wave })
          : failback.answer(
              'refuse',
              { ...terminal, note: 'script mode without backout.allowDataLoss: true' },
              { wave: event.wave },
            ),
      );
    } else if (session.yes) {
      queueMicrotask(() => {
        if (gate.stopRequested) return;
        const answer = failback.answer('approve', { ...terminal, note: '--yes' }, { wave: event.wave });
        if (!answer.ok) {
          say(`drs-failback: --yes could not approve wave ${event.wave}: ${answer.message}.`);
          failback.abort(user, `approval not given: ${answer.message}`);
        }
      });
    } else {
      approvalBlocked = { wave: event.wave, pointOfNoReturn: event.pointOfNoReturn };
      queueMicrotask(() =>
        failback.abort(user, 'approval needed, but no terminal to ask on and --yes was not given'),
      );
    }
  });
  let abortSent = session.backout === true;
  const abortBeforePointOfNoReturn = () => {
    abortSent = true;
    say(p.yellow('Interrupted: aborting before the point of no return; nothing will be changed.'));
    failback.abort(user, 'interrupted by the operator before the point of no return');
  };
  const onSignal = () => {
    interrupts += 1;
    gate.requestStop();
    // Acted on now, not when the loop next looks: by then a fast precheck may have approved and
    // sent the start. A wave already approved but not yet sent is stopped by the gate.
    if (
      !session.backout &&
      !abortSent &&
      !gate.pointOfNoReturnSent &&
      tracker.wavesPastPointOfNoReturn().length === 0
    ) {
      handledInterrupts = interrupts;
      abortBeforePointOfNoReturn();
    }
    attend();
  };
  for (const s of INTERRUPT_SIGNALS) signals.on(s, onSignal);
  const typeAhead: TypeAheadGuard | null = guided
    ? (deps.typeAhead ?? ((interrupt) => guardTypeAhead(io.stdin, interrupt)))(onSignal)
    : null;
  /** Asks one question on the terminal, with what was typed before it dropped. */
  const askOnTerminal = async <T>(question: () => Promise<T>): Promise<T> => {
    const dropped = (await typeAhead?.openPrompt()) ?? 0;
    if (dropped > 0) say(p.dim(`(${dropped} key(s) typed before this question were ignored)`));
    statusArea?.pause();
    try {
      return await question();
    } finally {
      statusArea?.resume();
      typeAhead?.closePrompt();
    }
  };

  if (!session.json) {
    for (const line of session.intro ?? []) writeLine(io.stdout, line);
  }

  statusArea?.start();
  heartbeat?.start();
  const result = failback.start();
  result.then(
    () => {
      finished = true;
      attend();
    },
    () => {
      finished = true;
      attend();
    },
  );

  let backoutRequested = session.backout === true;
  if (session.backout) failback.abort(user, backoutReason);
  try {
    for (;;) {
      const pendingApproval = guided && !session.backout ? failback.pendingApproval() : null;
      if (!finished && interrupts === handledInterrupts && webAnswers && failback.pendingApproval()) {
        // Waiting for the web view's answer: virtual time stands still, as at a terminal prompt.
        waitingForWeb = true;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        waitingForWeb = false;
        continue;
      }
      if (!finished && interrupts === handledInterrupts && pendingApproval === null) {
        await aws.drive(
          new Promise<void>((resolve) => {
            wake = resolve;
          }),
        );
        continue;
      }
      if (finished) break;

      if (interrupts > handledInterrupts) {
        handledInterrupts = interrupts;
        const past = tracker.wavesPastPointOfNoReturn();
        if (past.length === 0) {
          if (!abortSent) abortBeforePointOfNoReturn();
          continue;
        }
        // Approved, but its start not sent: the gate refuses it and the wave ends aborted.
        if (!gate.pointOfNoReturnSent && !session.backout) continue;
        const answer: InterruptAnswer =
          guided && !backoutRequested
            ? await askOnTerminal(() => askInterrupt({ waves: past }, streams))
            : 'pause';
        if (answer === 'backout') {
          backoutRequested = true;
          say(p.yellow(`Backing out wave(s) ${past.join(', ')}: StopFailback, keep the DR side serving.`));
          failback.abort(user, 'the operator chose to back out after Ctrl-C');
          continue;
        }
        statusArea?.stop();
        const paused = pauseRun(failback, stored);
        writeLine(
          io.stderr,
          `Run ${failback.id} paused past the point of no return; DRS jobs already started continue in AWS. ` +
            `state saved in ${paused.path}; \`${paused.resumeCommand}\` continues.`,
        );
        return { runId: failback.id, end: 'interrupted', result: null, paused };
      }

      if (pendingApproval) {
        const controller = new AbortController();
        const stopAsking = () => controller.abort();
        result.then(stopAsking, stopAsking);
        closeApprovalPrompt = stopAsking;
        const answer = await askOnTerminal(() =>
          ask(
            approvalQuestion(
              pendingApproval,
              waveRegion(plan, pendingApproval.wave, aws.region),
              aws.clock.now(),
            ),
            {
              ...streams,
              signal: controller.signal,
            },
          ),
        );
        closeApprovalPrompt = null;
        if (finished) break;
        if (failback.pendingApproval() !== pendingApproval) {
          say(p.yellow(`The approval of wave ${pendingApproval.wave} was answered elsewhere or expired.`));
        } else if (answer === 'approve' || answer === 'refuse') {
          const target = { wave: pendingApproval.wave, kind: pendingApproval.kind };
          const accepted = failback.answer(answer, terminal, target);
          if (!accepted.ok) say(p.yellow(`Not recorded: ${accepted.message}.`));
        } else {
          // Ctrl-C at the prompt: the wave is still before its point of no return.
          abortSent = true;
          say(p.yellow('Interrupted at the approval: aborting; nothing will be changed.'));
          failback.abort(user, 'interrupted by the operator at the approval prompt');
        }
      }
    }

    const outcome = await result;
    statusArea?.stop();
    heartbeat?.stop();
    const rerun = session.rerun ?? rerunOf(session.stored);
    if (approvalBlocked !== null) {
      const blocked: { wave: string; pointOfNoReturn: string } = approvalBlocked;
      const again = continueCommand(outcome, rerun, session.stored.store.stateDir);
      writeLine(
        io.stderr,
        `drs-failback: wave ${blocked.wave} needs approval (${blocked.pointOfNoReturn}), and without a terminal nothing waits for input. ` +
          `Re-run with --yes to approve automatically (\`${again} --yes\`), or run it on a terminal to be asked. ` +
          (outcome.waves.some((w) => failedBack(w.outcome))
            ? `Aborted before wave ${blocked.wave}'s point of no return; the wave(s) before it did fail back.`
            : 'Aborted before the point of no return; nothing was changed.'),
      );
    }
    if (!session.json) {
      for (const line of summaryLines(outcome, plan, tracker, p, session.stored.store.stateDir, rerun))
        writeLine(io.stdout, line);
    }
    return { runId: failback.id, end: outcome.outcome, result: outcome, paused: null };
  } finally {
    statusArea?.stop();
    heartbeat?.stop();
    typeAhead?.stop();
    unsubscribe();
    for (const s of INTERRUPT_SIGNALS) signals.off(s, onSignal);
    // The simulated world's clock moved since its last call: keep the newest for `resume`.
    aws.saveWorld();
  }
}
