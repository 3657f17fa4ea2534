// The evidence report of a run on Step Functions: the same report as the CLI's, built from the
// run's event log in the table, the plan its record holds, and the plan's output once it ended.
import { buildReport, type EvidenceReport } from '../report/index.js';
import { readEvents } from './event-log.js';
import { readRun, SfnRunNotFoundError } from './runs.js';
import { currentExecution, type SfnDeps } from './status.js';

export async function sfnReport(deps: SfnDeps, runId: string): Promise<EvidenceReport> {
  const run = await readRun(deps, runId);
  if (!run) throw new SfnRunNotFoundError(`no run ${runId} in table ${deps.table}`);
  const [events, { output }] = await Promise.all([readEvents(deps, runId), currentExecution(deps, run)]);
  return buildReport({
    runId,
    events,
    ...(run.planDocument ? { plan: run.planDocument } : {}),
    ...(output ? { results: output.waves } : {}),
  });
}
