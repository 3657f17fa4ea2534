// The evidence report as Markdown (for change records and auditors) and as JSON (for tools).
import { humanDuration } from '../human-duration.js';
import { escapeMarkdown, safeLine } from '../text/safe.js';
import type { EvidenceReport, WaveEvidence } from './build.js';
import type { Ec2OriginEvidence } from './ec2-origin.js';
import { describeFate } from './serving.js';

/** The one duration format for people (src/human-duration.ts); null as `unknown`. */
export function formatMs(value: number | null): string {
  return value === null ? 'unknown' : humanDuration(value);
}

const verdict = (met: boolean | null): string => (met === null ? 'not known' : met ? 'met' : '**missed**');

/** Markdown table cell: no pipes or line breaks from AWS or user text. */
const cell = (value: unknown): string =>
  value === null || value === undefined || value === ''
    ? '-'
    : safeLine(String(value).replace(/\r?\n/g, ' ')).replace(/\|/g, '\\|');

function table(header: string[], rows: unknown[][]): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ];
}

export function renderReportMarkdown(report: EvidenceReport): string {
  const out: string[] = [`# Failback evidence: ${report.runId}`, '', ...factLines(report)];
  if (report.gaps.length > 0) {
    out.push('## Gaps', '', ...report.gaps.map((g) => `- ${safeLine(g)}`), '');
  }
  out.push('## Waves', '');
  for (const wave of report.waves) out.push(...waveLines(wave));
  out.push(...approvalLines(report), ...timelineLines(report), ...awsCallLines(report));
  out.push(...notificationLines(report));
  return `${out.join('\n').trimEnd()}\n`;
}

/** The table of the run's facts: outcome, times, RTO and RPO. */
function factLines(report: EvidenceReport): string[] {
  const out: string[] = [];
  out.push(
    ...table(
      ['fact', 'value'],
      [
        ['plan', report.plan],
        ['outcome', report.outcome ?? 'not finished'],
        ['simulated', report.simulated ? 'yes (no real AWS)' : 'no'],
        ...(report.identities ?? []).map((i): [string, string] => [
          `AWS identity (${i.region}, ${i.at})`,
          `account ${i.account} as ${i.principal}`,
        ]),
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
          `failback replication lag ${formatMs(report.rpo.worstAgeMs)} at precheck (worst server), objective ${formatMs(report.rpo.objectiveMs)}: ${verdict(report.rpo.met)}`,
        ],
      ],
    ),
    '',
  );
  return out;
}

/** One wave: outcome, why, jobs, servers, backout and EC2-origin evidence. */
function waveLines(wave: WaveEvidence): string[] {
  const out: string[] = [];
  out.push(`### ${escapeMarkdown(wave.name)}: ${wave.outcome}`, '');
  if (wave.place) {
    const account =
      wave.place.account !== undefined
        ? `account ${escapeMarkdown(wave.place.account)} (${wave.place.accountId ?? '?'})`
        : "the plan's own account";
    out.push(`Where: ${account}, ${wave.place.region}`, '');
  }
  if (wave.failure) out.push(`Why: ${wave.failure.code}: ${escapeMarkdown(wave.failure.message)}`, '');
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
  if (wave.crossing) {
    const c = wave.crossing;
    out.push(
      `RPO at the crossing (lag when the start was sent; at most ${formatMs(c.maxLagMs)} allowed): worst ${c.worst.server} ${formatMs(c.worst.lagMs)}`,
      '',
      ...table(
        ['Server', 'Lag at the crossing'],
        c.servers.map((s) => [s.server, formatMs(s.lagMs)]),
      ),
      '',
    );
  }
  if (wave.serving.length > 0 && wave.outcome !== 'completed') {
    out.push('Where the data is:', '');
    for (const f of wave.serving) out.push(`- ${f.sourceServerID}: ${escapeMarkdown(describeFate(f))}`);
    out.push('');
  }
  if (wave.backout) {
    const b = wave.backout;
    out.push(`Backout because ${b.reason.code}: ${escapeMarkdown(b.reason.message)}`, '');
    out.push(`- StopFailback sent for: ${b.stopped.length > 0 ? b.stopped.join(', ') : 'none'}`);
    if (b.stopFailures.length > 0)
      out.push(`- StopFailback failures: ${escapeMarkdown(b.stopFailures.join('; '))}`);
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
  if (wave.ec2Origin) out.push(...ec2OriginLines(wave, wave.ec2Origin));
  return out;
}

/** Who approved or refused what, when. */
function approvalLines(report: EvidenceReport): string[] {
  const out: string[] = [];
  out.push('## Approvals', '');
  out.push(
    ...(report.approvals.length === 0
      ? ['No approval was asked for.']
      : table(
          ['wave', 'requested', 'decision', 'by', 'at'],
          report.approvals.map((a) => [
            a.wave,
            a.requestedAt,
            a.decision,
            a.via ? `${a.by} via ${a.via}` : a.by,
            a.at,
          ]),
        )),
    '',
  );
  return out;
}

/** Every transition of the plan and its waves. */
function timelineLines(report: EvidenceReport): string[] {
  const out: string[] = [];
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
  return out;
}

/** The calls that changed something (with their input), then every call. */
function awsCallLines(report: EvidenceReport): string[] {
  const out: string[] = [];
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
  return out;
}

/** The notifications sent, and those that failed. */
function notificationLines(report: EvidenceReport): string[] {
  const out: string[] = [];
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
  return out;
}

const LAUNCH_TEXT: Record<Ec2OriginEvidence['servers'][number]['launch'], string> = {
  launched: 'launched',
  failed: 'launch failed',
  'not-started': 'not started',
  unknown: 'no job log seen',
};

/** A wave's EC2-origin servers: reversed replication, the launch in the origin region, and after. */
function ec2OriginLines(wave: WaveEvidence, e: Ec2OriginEvidence): string[] {
  const out: string[] = [];
  const completed = wave.outcome === 'completed';
  out.push(
    `#### EC2-origin servers (origin region ${e.originRegions.join(', ') || 'unknown'})`,
    '',
    ...table(
      [
        'server',
        'origin region',
        'DR recovery instance',
        'reversed source server',
        'replication at precheck',
        'StartRecovery',
        'launch jobs',
        'launch',
        're-protected as',
      ],
      e.servers.map((s) => [
        s.sourceServerID,
        s.originRegion,
        s.drRecoveryInstanceID,
        s.reversedSourceServerID,
        [s.replication, s.lag].filter((d) => d !== null).join('; '),
        s.startRecoverySent ? `sent in ${s.originRegion ?? 'the origin region'}` : 'not sent',
        s.launchJobIds.join(', '),
        `${LAUNCH_TEXT[s.launch]}${s.lastJobEvent ? ` (last job event ${s.lastJobEvent})` : ''}`,
        s.reprotectedAs,
      ]),
    ),
    '',
  );
  const launched = e.launchedInstances.flatMap((l) =>
    l.recoveryInstanceIDs.map((id) => `${id} (${l.region})`),
  );
  if (launched.length > 0) {
    out.push(`- Launched in the origin region: ${launched.join(', ')}`);
  } else if (e.servers.some((s) => s.startRecoverySent)) {
    out.push('- Launched in the origin region: no recovery instance was read there (see the launch column)');
  }
  if (e.leftForInspection) {
    const attempted = e.servers.filter((s) => s.startRecoverySent);
    out.push(
      `- Backed out after StartRecovery in ${e.originRegions.join(', ')}: whatever it launched there was left for inspection ` +
        `(${attempted.map((s) => `${s.reversedSourceServerID ?? s.sourceServerID}: ${LAUNCH_TEXT[s.launch]}`).join('; ')}); ` +
        'terminate it by hand once understood. The DR recovery instances keep serving: ' +
        `${e.servers.map((s) => s.drRecoveryInstanceID ?? s.sourceServerID).join(', ')}`,
    );
  }
  if (completed) {
    if (e.reprotect.results.length > 0) {
      for (const r of e.reprotect.results)
        out.push(`- Re-protected ${r.sourceServerID}: ${r.reversedDirectionSourceServerArn}`);
    } else {
      out.push(
        `- Re-protect: ${e.reprotect.requested ? 'nothing re-protected' : 'not asked for (afterFailback.reprotect off)'}`,
      );
    }
    out.push(
      e.cleanup.terminated.length > 0
        ? `- Cleaned up (TerminateRecoveryInstances, jobs ${e.cleanup.jobIds.join(', ') || '-'}): ${e.cleanup.terminated.join(', ')}`
        : '- Clean-up: no recovery instance terminated',
    );
    for (const s of e.skipped) out.push(`- Skipped: ${escapeMarkdown(s)}`);
    for (const f of e.failures) out.push(`- Failed: ${escapeMarkdown(f)}`);
    out.push(
      e.leftRunning.length > 0
        ? `- Left running in the DR region: ${e.leftRunning.join(', ')} (old recovery instances; clean-up was off, refused or failed)`
        : '- Left running in the DR region: nothing',
    );
  }
  out.push('');
  return out;
}

/** The report as pretty JSON, for `report --format json`. */
export function renderReportJson(report: EvidenceReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
