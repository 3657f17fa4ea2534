// `drs-failback run <plan>`: executes the failback. Guided on a terminal (asks before every point
// of no return, live view, Ctrl-C semantics); from a script nothing waits for input.
import { userInfo } from 'node:os';
import type { RunEvent } from '../../events.js';
import { loadPlan } from '../../plan/load.js';
import { createFailbackRun, type RunResult } from '../../run.js';
import { createAwsContext } from '../aws-context.js';
import type { RunEnd } from '../exit-codes.js';
import { type CliIO, isInteractive, palette, useColor, writeLine } from '../io.js';
import { LiveView, RunTracker, summaryLines } from '../live-view.js';
import { createCliLogger } from '../logging.js';
import type { RunOptions } from '../options.js';
import { type PausedRun, type SavePausedRun, savePausedRunTo } from '../pause.js';
import {
  type ApprovalAnswer,
  askAfterInterrupt,
  askApproval,
  type InterruptAnswer,
  type PromptStreams,
} from '../prompts.js';
import { planLines, summarizePlan } from '../render.js';

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
  savePausedRun?: SavePausedRun;
  /** Where SIGINT/SIGTERM come from; tests pass an EventEmitter. */
  signals?: Pick<NodeJS.EventEmitter, 'on' | 'off'>;
}

const INTERRUPT_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

function operatorName(env: CliIO['env']): string {
  try {
    return userInfo().username;
  } catch {
    return env.USER ?? env.USERNAME ?? 'operator';
  }
}

export async function run(options: RunOptions, io: CliIO, deps: RunDeps = {}): Promise<RunSummary> {
  const plan = await loadPlan(options.plan);
  const log = createCliLogger(options, io);
  const aws = await createAwsContext(plan, { ...options, env: io.env });
  const failback = createFailbackRun({
    plan,
    clients: aws.clients,
    clock: aws.clock,
    log,
    region: aws.region,
    simulated: aws.simulated,
    ...(aws.runId ? { runId: aws.runId } : {}),
    ...(aws.probes ? { probes: aws.probes } : {}),
  });

  const guided = !options.json && isInteractive(io);
  const user = deps.user ?? operatorName(io.env);
  const p = palette(useColor(io));
  const streams: PromptStreams = { input: io.stdin, output: io.stdout };
  const ask = deps.askApproval ?? askApproval;
  const askInterrupt = deps.askAfterInterrupt ?? askAfterInterrupt;
  const savePaused = deps.savePausedRun ?? savePausedRunTo(options.stateDir);
  const signals = deps.signals ?? process;

  const tracker = new RunTracker();
  const events: RunEvent[] = [];
  const view = options.json ? null : new LiveView(io.stdout, p, plan, tracker);
  const say = (line: string) => writeLine(options.json ? io.stderr : io.stdout, line);

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

  const unsubscribe = failback.on((event) => {
    events.push(event);
    tracker.observe(event);
    if (options.json) writeLine(io.stdout, JSON.stringify(event));
    else view?.handle(event);
    if (event.type !== 'approval.requested') return;
    if (guided) {
      attend();
    } else if (options.yes) {
      queueMicrotask(() => failback.approve(`${user} (--yes)`));
    } else {
      approvalBlocked = { wave: event.wave, pointOfNoReturn: event.pointOfNoReturn };
      queueMicrotask(() =>
        failback.abort(user, 'approval needed, but no terminal to ask on and --yes was not given'),
      );
    }
  });
  const onSignal = () => {
    interrupts += 1;
    attend();
  };
  for (const s of INTERRUPT_SIGNALS) signals.on(s, onSignal);

  if (!options.json) {
    for (const line of planLines(summarizePlan(plan), p)) writeLine(io.stdout, line);
    writeLine(io.stdout);
  }

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

  let backoutRequested = false;
  let abortSent = false;
  let paused: PausedRun | null = null;
  try {
    for (;;) {
      const pendingApproval = guided ? failback.pendingApproval() : null;
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
          if (!abortSent) {
            abortSent = true;
            say(p.yellow('Interrupted: aborting before the point of no return; nothing will be changed.'));
            failback.abort(user, 'interrupted by the operator before the point of no return');
          }
          continue;
        }
        const answer: InterruptAnswer =
          guided && !backoutRequested ? await askInterrupt({ waves: past }, streams) : 'pause';
        if (answer === 'backout') {
          backoutRequested = true;
          say(p.yellow(`Backing out wave(s) ${past.join(', ')}: StopFailback, keep the DR side serving.`));
          failback.abort(user, 'the operator chose to back out after Ctrl-C');
          continue;
        }
        paused = await savePaused(failback, events);
        writeLine(
          io.stderr,
          `Run ${failback.id} paused past the point of no return; DRS jobs already started continue in AWS. ` +
            `state saved (${paused.path}); \`drs-failback resume ${failback.id}\` continues.`,
        );
        return { runId: failback.id, end: 'interrupted', result: null, paused };
      }

      if (pendingApproval) {
        const controller = new AbortController();
        const stopAsking = () => controller.abort();
        result.then(stopAsking, stopAsking);
        const answer = await ask(
          {
            wave: pendingApproval.wave,
            pointOfNoReturn: pendingApproval.pointOfNoReturn,
            region: aws.region,
          },
          { ...streams, signal: controller.signal },
        );
        if (finished) break;
        if (answer === 'approve') {
          if (!failback.approve(user)) say('The wave no longer waits for approval.');
        } else if (answer === 'refuse') {
          failback.refuse(user);
        } else {
          // Ctrl-C at the prompt: the wave is still before its point of no return.
          abortSent = true;
          say(p.yellow('Interrupted at the approval: aborting; nothing will be changed.'));
          failback.abort(user, 'interrupted by the operator at the approval prompt');
        }
      }
    }

    const outcome = await result;
    if (approvalBlocked !== null) {
      const blocked: { wave: string; pointOfNoReturn: string } = approvalBlocked;
      writeLine(
        io.stderr,
        `drs-failback: wave ${blocked.wave} needs approval (${blocked.pointOfNoReturn}), and without a terminal nothing waits for input. ` +
          'Re-run with --yes to approve automatically, or run it on a terminal to be asked. ' +
          'Aborted before the point of no return; nothing was changed.',
      );
    }
    if (!options.json) {
      for (const line of summaryLines(outcome, plan, tracker, p)) writeLine(io.stdout, line);
    }
    return { runId: failback.id, end: outcome.outcome, result: outcome, paused: null };
  } finally {
    unsubscribe();
    for (const s of INTERRUPT_SIGNALS) signals.off(s, onSignal);
  }
}
