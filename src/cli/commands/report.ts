// `drs-failback report <run-id>`: the evidence report of a run (finished or not), as Markdown or
// JSON, on stdout or in a file.
import { writeFile } from 'node:fs/promises';
import {
  type EvidenceReport,
  renderReportJson,
  renderReportMarkdown,
  reportOfStoredRun,
} from '../../report/index.js';
import { safeText } from '../../text/safe.js';
import { type CliIO, writeLine } from '../io.js';
import type { ReportOptions } from '../options.js';
import { openStore } from '../run-state.js';

export async function report(options: ReportOptions, io: CliIO): Promise<EvidenceReport> {
  const stored = openStore(options.stateDir).open(options.runId);
  const evidence = reportOfStoredRun(stored);
  const text = options.format === 'json' ? renderReportJson(evidence) : renderReportMarkdown(evidence);
  if (options.output === undefined) {
    io.stdout.write(safeText(text));
  } else {
    await writeFile(options.output, text);
    writeLine(io.stderr, `report of run ${options.runId} written to ${options.output}`);
  }
  return evidence;
}
