// Human-readable text for plans, readiness reports and run summaries. Pure: data in, lines out.
import type { CheckResult } from '../../machines/types.js';
import { formatDuration } from '../plan/duration.js';
import type { Plan } from '../plan/types.js';
import type { Palette } from './io.js';

export interface PlanSummary {
  name: string;
  region: string;
  waves: { name: string; servers: string[] }[];
  servers: number;
  rpo: string;
  rto: string;
  approval: Plan['approval'];
  restore: Plan['backout']['restore'];
  notifications: string | null;
}

export function summarizePlan(plan: Plan): PlanSummary {
  return {
    name: plan.name,
    region: plan.region,
    waves: plan.waves.map((w) => ({ name: w.name, servers: w.servers.map((s) => s.sourceServerID) })),
    servers: plan.waves.reduce((n, w) => n + w.servers.length, 0),
    rpo: formatDuration(plan.objectives.rpoMs),
    rto: formatDuration(plan.objectives.rtoMs),
    approval: plan.approval,
    restore: plan.backout.restore,
    notifications: plan.notifications?.topicArn ?? null,
  };
}

export function planLines(summary: PlanSummary, p: Palette): string[] {
  const lines = [
    `${p.bold(`Plan ${summary.name}`)} in ${summary.region}: ${summary.waves.length} wave(s), ${summary.servers} server(s)`,
    `  objectives: RPO ${summary.rpo}, RTO ${summary.rto}; approval: ${summary.approval}; backout restore: ${summary.restore}`,
    `  notifications: ${summary.notifications ?? 'none'}`,
  ];
  summary.waves.forEach((wave, i) => {
    lines.push(`  ${i + 1}. ${wave.name} (${wave.servers.length}): ${wave.servers.join(', ')}`);
  });
  return lines;
}

export interface ReportRow {
  wave: string;
  server: string;
  check: string;
  status: CheckResult['status'];
  detail: string;
}

function statusText(status: CheckResult['status'], p: Palette): string {
  if (status === 'pass') return p.green('pass');
  if (status === 'warn') return p.yellow('warn');
  return p.red('FAIL');
}

/** A plain-text table; widths come from the uncoloured text so colour never breaks alignment. */
export function tableLines(rows: ReportRow[], p: Palette): string[] {
  const header = { wave: 'WAVE', server: 'SERVER', check: 'CHECK', status: 'STATUS' };
  const width = (key: keyof typeof header) =>
    Math.max(header[key].length, ...rows.map((r) => String(r[key]).length));
  const w = { wave: width('wave'), server: width('server'), check: width('check'), status: 6 };
  const lines = [
    p.bold(
      `${header.wave.padEnd(w.wave)}  ${header.server.padEnd(w.server)}  ${header.check.padEnd(w.check)}  ${header.status.padEnd(w.status)}  DETAIL`,
    ),
  ];
  for (const r of rows) {
    const status = statusText(r.status, p) + ' '.repeat(Math.max(0, w.status - r.status.length));
    lines.push(
      `${r.wave.padEnd(w.wave)}  ${r.server.padEnd(w.server)}  ${r.check.padEnd(w.check)}  ${status}  ${r.detail}`,
    );
  }
  return lines;
}

/** `01:02:03` from milliseconds (hours may exceed 24). */
export function clockText(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}
