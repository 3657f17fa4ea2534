// The evidence report of a run (`drs-failback report <run-id>`).
import type { StoredRun } from '../store/run-store.js';
import { buildReport, type EvidenceReport } from './build.js';

export {
  type ApprovalEntry,
  type AwsCallEntry,
  buildReport,
  type EvidenceReport,
  type NotificationEntry,
  REPORT_FORMAT_VERSION,
  type ReportInput,
  type ServerEvidence,
  type TransitionEntry,
  type WaveEvidence,
  type WaveResultLike,
} from './build.js';
export type { AfterFailbackLike, Ec2OriginEvidence, Ec2OriginServerEvidence } from './ec2-origin.js';
export { formatMs, renderReportJson, renderReportMarkdown } from './render.js';

/** The report of a run in a state directory: its event log, last snapshot and plan. */
export function reportOfStoredRun(run: StoredRun): EvidenceReport {
  const snapshot = run.loadSnapshot();
  return buildReport({
    runId: run.runId,
    events: run.readEvents(),
    plan: run.plan(),
    ...(snapshot !== undefined ? { snapshot } : {}),
  });
}
