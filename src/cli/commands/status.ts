// `drs-failback status [<run-id>]`: the runs of the state directory, or one run's waves, servers,
// jobs and newest events. Reads the state directory only; no AWS call, no lock taken.
import { hostname } from 'node:os';
import type { RunEvent } from '../../events.js';
import { reportOfStoredRun } from '../../report/index.js';
import type { LockOwner } from '../../store/errors.js';
import { processAlive } from '../../store/lock.js';
import type { RunListing, StoredRun } from '../../store/run-store.js';
import { type CliIO, type Palette, palette, useColor, writeLine } from '../io.js';
import type { StatusOptions } from '../options.js';
import { resumeCommand, runCommand } from '../pause.js';
import { openStore } from '../run-state.js';

/**
 * `running`: a live process holds the run's locks (or a process on another host, which cannot be
 * checked from here); `interrupted`: unfinished and nobody drives it, `resume` continues it.
 */
export type RunActivity = 'finished' | 'running' | 'interrupted';

export interface RunStatusRow extends RunListing {
  activity: RunActivity;
}

export interface ServerStatus {
  sourceServerID: string;
  /** Last DRS job log event seen for the server (e.g. LAUNCH_END). */
  lastJobEvent: string | null;
  failedChecks: string[];
}

export interface WaveStatus {
  name: string;
  outcome: string;
  /** Where the wave acts, in a plan of several accounts or regions (as the report's `place`). */
  place?: { account?: string; accountId?: string; region: string };
  jobIds: string[];
  servers: ServerStatus[];
}

export interface RunStatusDetail {
  run: RunStatusRow;
  waves: WaveStatus[];
  /** The newest events of the log, oldest first. */
  lastEvents: RunEvent[];
}

export type StatusResult = { runs: RunStatusRow[] } | RunStatusDetail;

const LAST_EVENTS = 10;

function activityOf(listing: RunListing, isAlive: (owner: LockOwner) => boolean): RunActivity {
  if (listing.outcome !== null) return 'finished';
  return listing.lockedBy !== null && isAlive(listing.lockedBy) ? 'running' : 'interrupted';
}

function rowOf(listing: RunListing): RunStatusRow {
  const here = hostname();
  return {
    ...listing,
    activity: activityOf(listing, (owner) => owner.host !== here || processAlive(owner.pid)),
  };
}

function detailOf(stored: StoredRun): RunStatusDetail {
  const report = reportOfStoredRun(stored);
  const events = stored.readEvents();
  return {
    run: rowOf(stored.listing()),
    waves: report.waves.map((w) => ({
      name: w.name,
      outcome: w.outcome,
      ...(w.place ? { place: w.place } : {}),
      jobIds: w.jobIds,
      servers: w.servers.map((s) => ({
        sourceServerID: s.sourceServerID,
        lastJobEvent: s.lastJobEvent,
        failedChecks: s.failedChecks,
      })),
    })),
    lastEvents: events.slice(-LAST_EVENTS),
  };
}

export async function status(options: StatusOptions, io: CliIO): Promise<StatusResult> {
  const store = openStore(options.stateDir);
  const result: StatusResult =
    options.runId === undefined ? { runs: store.list().map(rowOf) } : detailOf(store.open(options.runId));
  if (options.json) {
    writeLine(io.stdout, JSON.stringify(result, null, 2));
    return result;
  }
  const p = palette(useColor(io));
  const lines =
    'runs' in result
      ? runTableLines(result.runs, options.stateDir, p)
      : detailLines(result, options.stateDir, p);
  for (const line of lines) writeLine(io.stdout, line);
  return result;
}

function outcomeText(row: RunStatusRow): string {
  if (row.problem !== undefined) return row.problem;
  if (row.outcome !== null) return row.outcome;
  if (row.activity === 'running' && row.lockedBy) {
    return `running (pid ${row.lockedBy.pid} on ${row.lockedBy.host})`;
  }
  return 'interrupted (resume continues)';
}

/** Wall-clock start; a simulated run is marked, with its virtual start too. */
function startedText(row: RunStatusRow): string {
  return row.simulated ? `${row.startedWallClock} (simulated; virtual ${row.started})` : row.startedWallClock;
}

export function runTableLines(rows: readonly RunStatusRow[], stateDir: string, p: Palette): string[] {
  if (rows.length === 0) return [`No runs in ${stateDir}.`];
  const table = rows.map((r) => ({
    id: r.id,
    plan: r.plan,
    started: startedText(r),
    state: r.state,
    outcome: outcomeText(r),
  }));
  const header = { id: 'RUN', plan: 'PLAN', started: 'STARTED', state: 'STATE', outcome: 'OUTCOME' };
  const width = (key: keyof typeof header) =>
    Math.max(header[key].length, ...table.map((r) => r[key].length));
  const w = { id: width('id'), plan: width('plan'), started: width('started'), state: width('state') };
  const line = (r: typeof header) =>
    `${r.id.padEnd(w.id)}  ${r.plan.padEnd(w.plan)}  ${r.started.padEnd(w.started)}  ${r.state.padEnd(w.state)}  ${r.outcome}`;
  return [p.bold(line(header)), ...table.map(line)];
}

/** One line for an event of the log: what happened, without its whole payload. */
export function eventText(event: RunEvent): string {
  switch (event.type) {
    case 'run.started':
      return `run started: ${event.waves} wave(s), ${event.servers} server(s)${event.simulated ? ' (simulated)' : ''}`;
    case 'state':
      return `${event.machine === 'wave' ? `wave ${event.wave ?? '?'}` : 'plan'}: ${event.from ?? 'start'} → ${event.to}`;
    case 'check':
      return `check ${event.wave} ${event.server} ${event.name}: ${event.status}`;
    case 'approval.requested':
      return `approval requested for wave ${event.wave}`;
    case 'approval.given':
      return `approved wave ${event.wave} by ${event.by}${viaText(event.via)}`;
    case 'approval.refused':
      return `refused wave ${event.wave} by ${event.by}${viaText(event.via)}`;
    case 'aws.request':
      return `→ ${event.service}:${event.operation}`;
    case 'aws.response':
      return `← ${event.service}:${event.operation} ${event.ok ? 'ok' : `${event.error?.name ?? 'error'}`}${event.requestId ? ` (${event.requestId})` : ''}`;
    case 'job.log':
      return `job ${event.jobId}${event.server ? ` ${event.server}` : ''}: ${event.event}`;
    case 'cutover.drained':
      return `wave ${event.wave} drained: worst ${event.worst.server} ${Math.round(event.worst.lagMs / 1000)}s behind at the crossing (${event.servers.length} server(s))`;
    case 'notification':
      return event.error
        ? `notification not sent (${event.subject}): ${event.error}`
        : `notified: ${event.subject}`;
    case 'run.finished':
      return `run finished: ${event.outcome}`;
  }
}

function detailLines(detail: RunStatusDetail, stateDir: string, p: Palette): string[] {
  const { run } = detail;
  const lines = [
    p.bold(`Run ${run.id}`),
    `  plan: ${run.plan}; started: ${startedText(run)}`,
    `  state: ${run.state}; outcome: ${outcomeText(run)}`,
  ];
  if (run.activity === 'interrupted') {
    lines.push(
      `  \`${resumeCommand(run.id, stateDir)}\` continues it; \`${runCommand('backout', run.id, stateDir)}\` backs it out.`,
    );
  }
  lines.push('', p.bold('Waves:'));
  for (const wave of detail.waves) {
    const place = wave.place
      ? ` (${wave.place.account !== undefined ? `account ${wave.place.account}` : 'own account'}, ${wave.place.region})`
      : '';
    lines.push(`  ${wave.name}${place}: ${wave.outcome}`);
    if (wave.jobIds.length > 0) lines.push(`    jobs: ${wave.jobIds.join(', ')}`);
    for (const server of wave.servers) {
      const what =
        server.failedChecks.length > 0
          ? `failed checks: ${server.failedChecks.join('; ')}`
          : (server.lastJobEvent ?? 'no job activity');
      lines.push(`    ${server.sourceServerID}: ${what}`);
    }
  }
  lines.push('', p.bold(`Last ${Math.min(LAST_EVENTS, detail.lastEvents.length)} event(s):`));
  for (const event of detail.lastEvents) lines.push(`  ${event.at}  ${eventText(event)}`);
  return lines;
}

/** ` via terminal`; nothing for an answer logged before `via` was recorded. */
function viaText(via: string | undefined): string {
  return via ? ` via ${via}` : '';
}
