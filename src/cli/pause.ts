// The hook for leaving a run paused after the point of no return. The persistence issue owns
// the state directory's layout and `resume`; until then this keeps the machine snapshot and the
// events seen so far, so nothing about the run is lost.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunEvent } from '../events.js';
import type { FailbackRun } from '../run.js';

export interface PausedRun {
  runId: string;
  /** Where the state was written. */
  path: string;
}

export type SavePausedRun = (run: FailbackRun, events: readonly RunEvent[]) => Promise<PausedRun>;

export function savePausedRunTo(stateDir: string): SavePausedRun {
  return async (run, events) => {
    const dir = join(stateDir, run.id);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'paused-snapshot.json'), JSON.stringify(run.persistedSnapshot()));
    await writeFile(
      join(dir, 'paused-events.ndjson'),
      `${events.map((e) => JSON.stringify(e)).join('\n')}\n`,
    );
    return { runId: run.id, path: dir };
  };
}
