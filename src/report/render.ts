// The evidence report as Markdown (for change records and auditors) and as JSON (for tools).
import type { EvidenceReport } from './build.js';

/** `1h 02m 03s`; null as `unknown`. */
export function formatMs(value: number | null): string {
  if (value === null) return 'unknown';
  const sign = value < 0 ? '-' : '';
  let s = Math.round(Math.abs(value) / 1000);
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (h > 0) return `${sign}${h}h ${String(m).padStart(2, '0')}m ${String(s).padStart(2, '0')}s`;
  if (m > 0) return `${sign}${m}m ${String(s).padStart(2, '0')}s`;
  return `${sign}${s}s`;
}

const verdict = (met: boolean | null): string => (met === null ? 'not known' : met ? 'met' : '**missed**');

/** Markdown table cell: no pipes or line breaks from AWS or user text. */
const cell = (value: unknown): string =>
  value === null || value === undefined || value === ''
    ? '-'
    : String(value).replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

function table(header: string[], rows: unknown[][]): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ];
}

export function renderReportMarkdown(report: EvidenceReport): string {
  const out: string[] = [];
  out.push(`# Failback evidence: ${report.runId}`, '');
  out.push(
    ...table(
      ['fact', 'value'],
      [
        ['plan', report.plan],
        ['outcome', report.outcome ?? 'not finished'],
        ['simulated', report.simulated ? 'yes (no real AWS)' : 'no'],
        ['started', report.startedAt],
        ['finished', report.finishedAt],
        ['resumed after interruption', report.resumes],
        [
          'RTO',
          `achieved ${formatMs(report.rto.achievedMs)} of ${formatMs(report.rto.objectiveMs)}: ${verdict(report.rto.met)}`,
        ],
        ['RTO deadline', report.rto.deadlineAt],
        [
          'RPO at cutover',
          `newest recovery point ${formatMs(report.rpo.worstAgeMs)} old (worst server), objective ${formatMs(report.rpo.objectiveMs)}: ${verdict(report.rpo.met)}`,
        ],
      ],
    ),
    '',
  );

  if (report.gaps.length > 0) {
    out.push('## Gaps', '', ...report.gaps.map((g) => `- ${g}`), '');
  }

  out.push('## Waves', '');
  for (const wave of report.waves) {
    out.push(`### ${wave.name}: ${wave.outcome}`, '');
    if (wave.failure) out.push(`Why: ${wave.failure.code}: ${wave.failure.message}`, '');
    if (wave.jobIds.length > 0) out.push(`DRS jobs: ${wave.jobIds.join(', ')}`, '');
    out.push(
      ...table(
        [
          'server',
          'newest recovery point at precheck',
          'age',
          'last job event',
          'failed checks',
          'restored from',
        ],
        wave.servers.map((s) => [
          s.sourceServerID,
          s.newestRecoveryPointAt,
          s.recoveryPointAgeMs === null ? null : formatMs(s.recoveryPointAgeMs),
          s.lastJobEvent,
          s.failedChecks.join('; '),
          s.restoredFrom ? `${s.restoredFrom.recoverySnapshotID} (${s.restoredFrom.snapshotAt})` : null,
        ]),
      ),
      '',
    );
    if (wave.backout) {
      const b = wave.backout;
      out.push(`Backout because ${b.reason.code}: ${b.reason.message}`, '');
      out.push(`- StopFailback sent for: ${b.stopped.length > 0 ? b.stopped.join(', ') : 'none'}`);
      if (b.stopFailures.length > 0) out.push(`- StopFailback failures: ${b.stopFailures.join('; ')}`);
      if (b.restored.length > 0) {
        out.push(`- Relaunched at a known-good recovery point (jobs ${b.restoreJobIds.join(', ') || '-'}):`);
        for (const r of b.restored) {
          out.push(`  - ${r.sourceServerID} from ${r.recoverySnapshotID}, taken ${r.snapshotAt}`);
        }
      } else {
        out.push('- Nothing relaunched: the recovery instances kept serving');
      }
      out.push('');
    }
  }

  out.push('## Approvals', '');
  out.push(
    ...(report.approvals.length === 0
      ? ['No approval was asked for.']
      : table(
          ['wave', 'requested', 'decision', 'by', 'at'],
          report.approvals.map((a) => [a.wave, a.requestedAt, a.decision, a.by, a.at]),
        )),
    '',
  );

  out.push('## Timeline', '');
  out.push(
    ...table(
      ['at', 'machine', 'from', 'to'],
      report.timeline.map((t) => [
        t.at,
        t.machine === 'wave' ? `wave ${t.wave ?? ''}` : 'plan',
        t.from,
        t.to,
      ]),
    ),
    '',
  );

  const mutating = report.awsCalls.filter((c) => c.mutating);
  out.push('## AWS calls that changed something', '');
  out.push(
    ...(mutating.length === 0
      ? ['None.']
      : table(
          ['at', 'operation', 'request id', 'outcome', 'input'],
          mutating.map((c) => [
            c.at,
            c.operation,
            c.requestId,
            c.ok === null
              ? 'no answer logged'
              : c.ok
                ? 'ok'
                : `${c.error?.name ?? 'error'}: ${c.error?.message ?? ''}`,
            JSON.stringify(c.input ?? {}),
          ]),
        )),
    '',
  );

  out.push(`## Every AWS call (${report.awsCalls.length})`, '');
  out.push(
    ...table(
      ['at', 'service', 'operation', 'request id', 'outcome'],
      report.awsCalls.map((c) => [
        c.at,
        c.service,
        c.operation,
        c.requestId,
        c.ok === null ? 'no answer logged' : c.ok ? 'ok' : (c.error?.name ?? 'error'),
      ]),
    ),
    '',
  );

  out.push('## Notifications', '');
  out.push(
    ...(report.notifications.length === 0
      ? ['None sent.']
      : table(
          ['at', 'subject', 'message id', 'error'],
          report.notifications.map((n) => [n.at, n.subject, n.messageId, n.error]),
        )),
    '',
  );
  return `${out.join('\n').trimEnd()}\n`;
}

/** The report as pretty JSON, for `report --format json`. */
export function renderReportJson(report: EvidenceReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
