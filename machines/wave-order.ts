// Which waves may start: the plan's wave graph (`waves[].after`, default: the wave listed before)
// under the plan's concurrency. Pure functions of the plan and the results so far; the plan
// machine calls them from its guards and actions.
import { failedBack, type Outcome, type WaveOutcome, type WavePlan } from './types.js';

/** For each wave (by index), the indices of the waves it starts after. Unknown names are ignored (the plan's validation refuses them). */
export function waveDependencies(waves: readonly Pick<WavePlan, 'name' | 'after'>[]): number[][] {
  const indexOf = new Map(waves.map((w, i) => [w.name, i]));
  return waves.map((wave, i) => {
    if (wave.after === undefined) return i === 0 ? [] : [i - 1];
    return wave.after.flatMap((name) => {
      const index = indexOf.get(name);
      return index === undefined ? [] : [index];
    });
  });
}

/** Whether the plan runs its waves one after another as listed: no `after`, concurrency 1. */
export function isSequential(
  waves: readonly Pick<WavePlan, 'after'>[],
  concurrency: number | undefined,
): boolean {
  return (concurrency ?? 1) <= 1 && waves.every((w) => w.after === undefined);
}

export interface WaveProgress {
  /** Indices of the waves started so far (running or finished). */
  started: readonly number[];
  /** Indices of the waves running now. */
  running: readonly number[];
  /** Outcomes of the finished waves, by index. */
  outcomes: ReadonlyMap<number, WaveOutcome>;
}

/**
 * The waves to start now, in plan order: not started, every dependency failed back (completed, or
 * already failed back in an earlier run), as many as the
 * concurrency leaves room for. A wave whose dependency ended otherwise never starts.
 */
export function readyWaves(
  waves: readonly Pick<WavePlan, 'name' | 'after'>[],
  concurrency: number | undefined,
  progress: WaveProgress,
): number[] {
  const deps = waveDependencies(waves);
  const room = Math.max(1, concurrency ?? 1) - progress.running.length;
  const ready: number[] = [];
  for (let i = 0; i < waves.length && ready.length < room; i++) {
    if (progress.started.includes(i)) continue;
    if ((deps[i] ?? []).every((d) => failedBack(progress.outcomes.get(d) ?? 'not-started'))) ready.push(i);
  }
  return ready;
}

/**
 * How bad an outcome is for the run, worst first: a person must act (the backout failed; or
 * needs attention: primaries were converted when the wave failed, both copies may be live), the
 * DR side serves after a backout, nothing changed by that wave (aborted, precheck failed).
 * One wave's failure stops only the waves after it, so in a run of one wave at a time at most
 * one wave has any of these: the run's outcome is that wave's, as it always was.
 */
export const OUTCOME_SEVERITY: Readonly<Record<Outcome, number>> = {
  'backout-failed': 0,
  'needs-attention': 1,
  'backed-out': 2,
  aborted: 3,
  'precheck-failed': 4,
  completed: 5,
};

/** The outcome of a run: the worst outcome of its waves (`completed` when every wave completed). */
export function runOutcome(results: ReadonlyArray<{ outcome: WaveOutcome }>): Outcome {
  let worst: Outcome = 'completed';
  for (const r of results) {
    // Failed back in an earlier run (`--from-wave`): as completed.
    if (r.outcome === 'not-started' || r.outcome === 'already-failed-back') continue;
    if (OUTCOME_SEVERITY[r.outcome] < OUTCOME_SEVERITY[worst]) worst = r.outcome;
  }
  return worst;
}
