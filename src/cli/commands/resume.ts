// `drs-failback resume <run-id>`: continues an interrupted run from its saved state, with the
// same live view, approvals, Ctrl-C handling and exit codes as `run`.
import { type DriveSession, driveRun, type RunDeps, type RunSummary } from '../drive.js';
import { identityLines } from '../identity.js';
import { type CliIO, palette, useColor } from '../io.js';
import type { ResumeOptions } from '../options.js';
import { planLines, summarizePlan } from '../render.js';
import { reopenRun } from '../reopen.js';

export async function resume(options: ResumeOptions, io: CliIO, deps: RunDeps = {}): Promise<RunSummary> {
  const { failback, stored, aws, history, state, gate, identities } = await reopenRun(options, io);
  const p = palette(useColor(io));
  const session: DriveSession = {
    failback,
    stored,
    aws,
    gate,
    json: options.json,
    ...(options.heartbeat !== undefined ? { heartbeatMs: options.heartbeat } : {}),
    yes: options.yes,
    history,
    intro: [
      ...planLines(summarizePlan(failback.plan), p),
      ...identityLines(identities, aws, p),
      '',
      p.bold(`Resuming run ${failback.id} (${state}); AWS is read again before anything else.`),
    ],
  };
  if (options.web === undefined) return driveRun(session, io, deps);
  const { driveWithWebView } = await import('../web.js');
  return driveWithWebView(session, options.web, io, deps);
}
