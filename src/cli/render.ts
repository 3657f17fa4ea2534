// Human-readable text for plans, readiness reports and run summaries. Pure: data in, lines out.
import type { CheckData, CheckResult } from '../../machines/types.js';
import { humanDuration } from '../human-duration.js';
import type { Plan } from '../plan/types.js';
import { checkData } from '../prechecks/check-data.js';
import type { Palette } from './io.js';
import { wavePlace } from './wave-place.js';

export interface PlanSummary {
  name: string;
  region: string;
  /** `place`: where the wave acts, in a plan of several accounts or regions; `after`: as the plan says. */
  waves: { name: string; servers: string[]; place?: string; after?: string[] }[];
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
    waves: plan.waves.map((w) => {
      const place = wavePlace(plan, w);
      return {
        name: w.name,
        servers: w.servers.map((s) => s.sourceServerID),
        ...(place !== undefined ? { place } : {}),
        ...(w.after !== undefined ? { after: w.after } : {}),
      };
    }),
    servers: plan.waves.reduce((n, w) => n + w.servers.length, 0),
    rpo: humanDuration(plan.objectives.rpoMs),
    rto: humanDuration(plan.objectives.rtoMs),
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
    // Side by side and in several places: where each wave acts and what it waits for.
    const facts = [
      ...(wave.place !== undefined ? [wave.place] : []),
      ...(wave.after !== undefined
        ? [wave.after.length > 0 ? `after ${wave.after.join(', ')}` : 'after none']
        : []),
    ];
    lines.push(
      `  ${i + 1}. ${wave.name} (${wave.servers.length})${facts.length > 0 ? ` [${facts.join('; ')}]` : ''}: ${wave.servers.join(', ')}`,
    );
  });
  return lines;
}

export interface ReportRow {
  wave: string;
  server: string;
  check: string;
  status: CheckResult['status'];
  detail: string;
  /** The check's structured facts (src/prechecks); absent from events of an older version. */
  data?: CheckData;
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

/** An EC2-origin server as the precheck resolved it. */
export interface Ec2OriginServer {
  wave: string;
  sourceServerID: string;
  originRegion?: string;
  reversedSourceServerID?: string;
}

/**
 * EC2-origin servers in a readiness report: where each fails back to (its origin region), its
 * reversed source server there, and the reversed replication's state and lag, read from the
 * precheck's `reverse-replication` and `rpo` rows.
 */
export function ec2OriginLines(
  servers: readonly Ec2OriginServer[],
  rows: readonly ReportRow[],
  p: Palette,
): string[] {
  if (servers.length === 0) return [];
  const rowOf = (s: Ec2OriginServer, check: string) =>
    rows.filter((r) => r.wave === s.wave && r.server === s.sourceServerID && r.check === check).at(-1);
  const cells = servers.map((s) => {
    const replication = rowOf(s, 'reverse-replication');
    const lag = rowOf(s, 'rpo');
    const state = replication
      ? (checkData({ name: replication.check, data: replication.data }, 'reverse-replication')
          ?.replicationState ?? null)
      : null;
    const lagData = lag ? checkData({ name: lag.check, data: lag.data }, 'rpo') : undefined;
    const measured =
      lagData?.basis === 'replication-lag' && lagData.lagMs !== null && lagData.lagDuration !== null
        ? { duration: lagData.lagDuration, lagMs: lagData.lagMs, rpoMs: lagData.rpoMs }
        : null;
    return {
      wave: s.wave,
      server: s.sourceServerID,
      region: s.originRegion ?? 'unknown',
      reversed: s.reversedSourceServerID ?? 'not reversed',
      state: state ?? (replication?.status === 'pass' ? 'ok' : replication ? 'see above' : '-'),
      lag: measured ? `${measured.duration} (${Math.round(measured.lagMs / 1000)} s)` : '-',
      ok: replication?.status === 'pass' && lag?.status !== 'fail',
      withinRpo: measured ? measured.lagMs <= measured.rpoMs : null,
    };
  });
  const header = {
    wave: 'WAVE',
    server: 'SERVER',
    region: 'ORIGIN REGION',
    reversed: 'REVERSED SOURCE SERVER',
    state: 'REPLICATION',
    lag: 'LAG',
  };
  type Key = keyof typeof header;
  const keys: Key[] = ['wave', 'server', 'region', 'reversed', 'state', 'lag'];
  const width = (k: Key) => Math.max(header[k].length, ...cells.map((c) => c[k].length));
  const line = (c: Record<Key, string>) => keys.map((k) => c[k].padEnd(width(k))).join('  ');
  return [
    p.bold('EC2-origin servers: StartRecovery in their origin region, from the reversed replication'),
    p.bold(`${line(header)}  READY`),
    ...cells.map((c) => {
      const verdict = c.ok
        ? p.green('yes')
        : c.reversed === 'not reversed'
          ? p.red('no: run `drs-failback prepare <plan>` first')
          : c.withinRpo === false
            ? p.red('no: lag above the RPO')
            : p.red('no: needs CONTINUOUS');
      return `${line(c)}  ${verdict}`;
    }),
  ];
}
