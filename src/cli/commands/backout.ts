// `drs-failback backout <run-id>`: operator-initiated backout of an interrupted run. Resumes it
// and sends ABORT: before its point of no return the wave aborts (nothing changed); after it, the
// wave backs out (StopFailback, the DR side keeps serving). Waits for the outcome.
import { driveRun, type RunDeps, type RunSummary } from '../drive.js';
import { identityLines } from '../identity.js';
import { type CliIO, palette, useColor } from '../io.js';
import type { BackoutOptions } from '../options.js';
import { reopenRun } from '../reopen.js';

export async function backout(options: BackoutOptions, io: CliIO, deps: RunDeps = {}): Promise<RunSummary> {
  const { failback, stored, aws, history, state, identities } = await reopenRun(options, io);
  const p = palette(useColor(io));
  return driveRun(
    {
      failback,
      stored,
      aws,
      json: options.json,
      ...(options.heartbeat !== undefined ? { heartbeatMs: options.heartbeat } : {}),
      yes: false,
      history,
      backout: true,
      intro: [
        p.bold(`Backing out run ${failback.id} of plan ${failback.plan.name} (${state}).`),
        'Before its point of no return the wave aborts and nothing changes; after it, StopFailback keeps the DR side serving.',
        ...identityLines(identities, aws, p),
        '',
      ],
    },
    io,
    deps,
  );
}
