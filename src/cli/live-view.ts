// Guided mode's live view: one plain line per thing worth seeing (state changes, checks, job
// log entries, approvals, notifications), stamped with elapsed time against the RTO. Plain
// lines rather than a redrawn screen: robust in any terminal, in tmux, and in a captured log.

import type { Writable } from 'node:stream';
import { waveLifecycle } from '../../machines/lifecycle.js';
import type { WaveResult } from '../../machines/plan.machine.js';
import { failedBack } from '../../machines/types.js';
import type { RunEvent } from '../events.js';
import { humanDuration } from '../human-duration.js';
import { hasRemoteTargets } from '../plan/targets.js';
import type { Plan } from '../plan/types.js';
import { checkData } from '../prechecks/check-data.js';
import { describeFate, serverFates } from '../report/serving.js';
import type { RunResult } from '../run.js';
import { shellWord, stateDirArgument } from '../store/state-dir.js';
import type { RunEnd } from './exit-codes.js';
import { type Palette, writeLine } from './io.js';
import { isHandledRetry } from './status.js';
import { wavePlaceByName } from './wave-place.js';

/** What the run knows from its event stream alone; shared by the live view and the summary. */
export class RunTracker {
  startedAt: number | null = null;
  finishedAt: number | null = null;
  readonly waveState = new Map<string, string>();
  /** The wave whose state changed last, i.e. the one running now. */
  activeWave: string | null = null;
  readonly jobs = new Map<string, Set<string>>();
  /** Last job log entry per server. */
  readonly serverProgress = new Map<string, string>();
  readonly failedChecks = new Map<string, string[]>();
  /** EC2 origin: the reversed source server (origin region) of each plan server; job logs name it. */
  readonly reversedOf = new Map<string, string>();
  /** Last job log event name per plan server, e.g. `CONVERSION_START`. */
  readonly serverPhase = new Map<string, string>();
  /** When each wave last read AWS (a Describe call while it was the active wave). */
  readonly lastReadAt = new Map<string, number>();
  /** Calls AWS throttled or failed transiently, which the tool sends again: counts by error name. */
  readonly retries = { total: 0, byName: new Map<string, number>() };
  /** Each wave's crossing: the lag when its replication home drained (the run's real RPO). */
  readonly crossings = new Map<string, Extract<RunEvent, { type: 'cutover.drained' }>>();

  observe(event: RunEvent): void {
    const at = Date.parse(event.at);
    // A resumed run starts again; the RTO counts from its first start.
    if (event.type === 'run.started') this.startedAt ??= at;
    if (event.type === 'run.finished') this.finishedAt = at;
    if (event.type === 'cutover.drained') this.crossings.set(event.wave, event);
    if (event.type === 'state' && event.machine === 'wave' && event.wave !== undefined) {
      this.waveState.set(event.wave, event.to);
      this.activeWave = event.wave;
    }
    if (event.type === 'job.log') {
      const set = this.jobs.get(event.wave) ?? new Set<string>();
      set.add(event.jobId);
      this.jobs.set(event.wave, set);
      if (event.server) {
        const server = this.reversedOf.get(event.server) ?? event.server;
        this.serverProgress.set(server, `${event.event} (job ${event.jobId})`);
        this.serverPhase.set(server, event.event);
      }
    }
    if (event.type === 'aws.request' && event.operation.startsWith('Describe') && this.activeWave !== null) {
      this.lastReadAt.set(this.activeWave, at);
    }
    if (isHandledRetry(event) && event.type === 'aws.response') {
      const name = event.error?.name ?? 'unknown';
      this.retries.total += 1;
      this.retries.byName.set(name, (this.retries.byName.get(name) ?? 0) + 1);
    }
    if (event.type === 'check') {
      const reversed = checkData(event, 'reverse-replication')?.reversedSourceServerId;
      if (reversed) this.reversedOf.set(reversed, event.server);
    }
    if (event.type === 'check' && event.status === 'fail') {
      const list = this.failedChecks.get(event.server) ?? [];
      list.push(`${event.name}: ${event.detail}`);
      this.failedChecks.set(event.server, list);
    }
  }

  /** Waves in flight past their point of no return (Ctrl-C there means backout, not abort). */
  wavesPastPointOfNoReturn(): string[] {
    return [...this.waveState.entries()]
      .filter(([, path]) => waveLifecycle.isPastPointOfNoReturn(path) && !waveLifecycle.isFinal(path))
      .map(([wave]) => wave);
  }

  elapsedMs(now: number): number {
    return this.startedAt === null ? 0 : now - this.startedAt;
  }
}

export class LiveView {
  readonly #out: Writable;
  readonly #p: Palette;
  readonly #plan: Plan;
  readonly #tracker: RunTracker;
  readonly #write: (line: string) => void;
  /** Retries the tool handled since the last line, folded into one line before the next. */
  #folded = new Map<string, number>();

  /** `write`: where lines go (a status area writes them above itself); default: `out`. */
  constructor(out: Writable, p: Palette, plan: Plan, tracker: RunTracker, write?: (line: string) => void) {
    this.#out = out;
    this.#p = p;
    this.#plan = plan;
    this.#tracker = tracker;
    this.#write = write ?? ((line) => writeLine(this.#out, line));
  }

  #line(at: string, text: string): void {
    if (this.#folded.size > 0) {
      const counts = [...this.#folded].map(([what, n]) => `${what} ×${n}`).join(', ');
      const total = [...this.#folded.values()].reduce((a, b) => a + b, 0);
      this.#folded = new Map();
      this.#stamped(
        at,
        this.#p.dim(`    AWS throttled or briefly failed ${total} call(s), sent again: ${counts}`),
      );
    }
    this.#stamped(at, text);
  }

  #stamped(at: string, text: string): void {
    const elapsed = this.#tracker.elapsedMs(Date.parse(at));
    const rto = this.#plan.objectives.rtoMs;
    const stamp = `[${humanDuration(elapsed)} / RTO ${humanDuration(rto)}]`;
    this.#write(`${this.#p.dim(elapsed > rto ? this.#p.red(stamp) : stamp)} ${text}`);
  }

  handle(event: RunEvent): void {
    const p = this.#p;
    switch (event.type) {
      case 'cutover.drained':
        this.#line(event.at, `    ${crossingText(event)}`);
        return;
      case 'run.started':
        this.#line(
          event.at,
          p.bold(
            `run ${event.runId} started: ${event.waves} wave(s), ${event.servers} server(s)${event.simulated ? ' (simulated)' : ''}`,
          ),
        );
        return;
      case 'state': {
        if (event.machine !== 'wave') return;
        const description = waveLifecycle.label(event.to);
        const marker = waveLifecycle.isPastPointOfNoReturn(event.to) ? p.yellow('▲') : ' ';
        // A wave's first line says where it acts when the plan's waves act in several places.
        const place = event.from == null ? wavePlaceByName(this.#plan, event.wave) : undefined;
        this.#line(
          event.at,
          `${marker} wave ${p.bold(event.wave ?? '?')}${place ? ` (${place})` : ''}: ${event.from ?? 'start'} → ${p.cyan(event.to)}${description ? p.dim(` (${description})`) : ''}`,
        );
        if (event.to === 'monitoringJob') {
          const { intervalMs, maxMs } = this.#plan.polling;
          this.#line(
            event.at,
            `    next poll: DescribeJobs every ${humanDuration(intervalMs)} (backing off to ${humanDuration(maxMs)} on errors)`,
          );
        }
        return;
      }
      case 'check': {
        const status =
          event.status === 'pass'
            ? p.green('pass')
            : event.status === 'warn'
              ? p.yellow('warn')
              : p.red('FAIL');
        this.#line(
          event.at,
          `    check ${event.wave} ${event.server} ${event.name}: ${status} ${event.detail}`,
        );
        return;
      }
      case 'approval.requested':
        this.#line(event.at, p.yellow(`  approval needed for wave ${event.wave}: ${event.pointOfNoReturn}`));
        return;
      case 'approval.given':
        this.#line(event.at, p.green(`  approved wave ${event.wave} by ${event.by}${viaText(event.via)}`));
        return;
      case 'approval.refused':
        this.#line(event.at, p.yellow(`  refused wave ${event.wave} by ${event.by}${viaText(event.via)}`));
        return;
      case 'aws.request':
        if (event.service === 'drs' && !event.operation.startsWith('Describe')) {
          // Waves side by side in several places: each change says where it goes.
          const where = hasRemoteTargets(this.#plan)
            ? ` in ${event.region}${event.account !== undefined ? `, account ${event.account}` : ''}`
            : '';
          this.#line(event.at, `    → ${event.service}:${event.operation}${where}`);
        }
        return;
      case 'aws.response':
        if (isHandledRetry(event)) {
          const what = `${event.service}:${event.operation} ${event.error?.name ?? ''}`.trim();
          this.#folded.set(what, (this.#folded.get(what) ?? 0) + 1);
        } else if (!event.ok) {
          this.#line(
            event.at,
            p.red(
              `    ✗ ${event.service}:${event.operation} ${event.error?.name ?? ''}: ${event.error?.message ?? ''}`,
            ),
          );
        }
        return;
      case 'job.log':
        this.#line(
          event.at,
          `    job ${event.jobId}${event.server ? ` ${event.server}` : ''}: ${event.event}`,
        );
        return;
      case 'notification':
        this.#line(
          event.at,
          event.error
            ? p.yellow(`    notification not sent (${event.subject}): ${event.error}`)
            : p.dim(`    notified: ${event.subject}`),
        );
        return;
      case 'run.finished':
        return;
    }
  }
}

/** How the run was started, for the next-step commands that run the plan again. */
export interface Rerun {
  /** The plan file, as given to `run` (absolute when read back from run.json). */
  plan: string;
  /** The scenario of a simulated run. */
  simulate?: string;
}

/**
 * `drs-failback run <plan> [--simulate ...] [--from-wave <wave>] [--state-dir ...]`: runs the plan
 * again from `fromWave` (null: from its first wave), exactly as the operator can type it.
 */
export function rerunCommand(rerun: Rerun | undefined, fromWave: string | null, stateDir?: string): string {
  const planArg = rerun ? shellWord(rerun.plan) : '<plan file>';
  const simulate = rerun?.simulate !== undefined ? ` --simulate ${shellWord(rerun.simulate)}` : '';
  const from = fromWave !== null ? ` --from-wave ${shellWord(fromWave)}` : '';
  return `drs-failback run ${planArg}${simulate}${from}${stateDir !== undefined ? stateDirArgument(stateDir) : ''}`;
}

/**
 * What to type to go on after a run that stopped at a wave: from that wave when waves before it
 * failed back (in this run or an earlier one), so they are skipped; else the whole plan again.
 */
export function continueCommand(result: RunResult, rerun: Rerun | undefined, stateDir?: string): string {
  const index = result.waves.findIndex((w) => !failedBack(w.outcome));
  const stopped = result.waves[index];
  return rerunCommand(rerun, index > 0 && stopped ? stopped.name : null, stateDir);
}

/** The steps after a run that ended `end`; `again` is the command that goes on. */
function nextSteps(end: RunEnd, stoppedWave: string | undefined, again: string, skips: string[]): string[] {
  const skipping =
    skips.length > 0
      ? ` (it skips wave(s) ${skips.join(', ')}, which failed back, once DRS shows their servers FAILBACK_COMPLETED)`
      : '';
  const wave = stoppedWave !== undefined ? `Wave ${stoppedWave}` : 'The run';
  switch (end) {
    case 'completed':
      return [
        'Verify the applications on the primary side (the run checked EC2 status, network and probes).',
        'Cleanup stays manual: terminate the old recovery instances in the DR region when you are sure — see docs/operations.md.',
      ];
    case 'backed-out':
      return [
        `The DR side is serving (each server above says whether data was lost). Read the failure above and fix the cause; then \`${again}\`${skipping}.`,
      ];
    case 'aborted':
      return [
        `${wave} stopped before its point of no return; nothing was changed by it. When ready: \`${again}\`${skipping}.`,
      ];
    case 'precheck-failed':
      return [
        `A precheck of ${stoppedWave !== undefined ? `wave ${stoppedWave}` : 'the run'} failed; nothing was changed by it. Fix the failed checks above (\`${again.replace(/^drs-failback run /, 'drs-failback check ')}\` shows them again), then \`${again}\`${skipping}.`,
      ];
    case 'backout-failed':
      return [
        'A person must act: the backout did not finish. Check the recovery instances and jobs named above in the DRS console; the DR side may not be serving everything.',
      ];
    case 'needs-attention':
      return [
        'A person must act: the servers named "primary already converted" above were launched on the primary side before the wave failed; both copies may be live.',
        'For each: decide which copy serves (keep the DR side and re-run the failback later, or keep the primary and clean up the DR side), and point the application at it. The report lists them: `{report}`.',
      ];
    case 'interrupted':
      return ['The run is paused; DRS jobs already started continue in AWS.'];
  }
}

/**
 * EC2-origin servers whose wave completed run on a new instance in their origin region, not
 * replicated to the DR region: re-protect them (reverse replication) unless the plan did.
 */
export function ec2OriginReprotectLine(
  result: RunResult,
  plan: Plan,
  tracker: RunTracker,
): string | undefined {
  const ec2Origin = new Set(tracker.reversedOf.values());
  const servers = result.waves
    .filter((w) => w.outcome === 'completed' && !w.afterFailback?.reprotected.length)
    .flatMap((w) => plan.waves.find((pw) => pw.name === w.name)?.servers ?? [])
    .map((s) => s.sourceServerID)
    .filter((id) => ec2Origin.has(id));
  if (servers.length === 0) return undefined;
  return `  - Re-protect the EC2-origin servers that failed back (${namedServers(servers)}): reverse replication from their new instances to the DR region (\`afterFailback.reprotect: true\` in the plan does it after a verified failback) — see docs/operations.md.`;
}

const namedServers = (servers: string[]): string =>
  servers.length > 5
    ? `${servers.slice(0, 5).join(', ')} and ${servers.length - 5} more`
    : servers.join(', ');

/**
 * On-premises servers whose wave completed run on their source machines again, unprotected: AWS
 * documents that a failed-back source server must be re-protected by installing (or restarting)
 * the AWS Replication Agent on it; DRS does not do it, and the API cannot. A person must.
 */
export function onPremisesReprotectLine(
  result: RunResult,
  plan: Plan,
  tracker: RunTracker,
): string | undefined {
  const ec2Origin = new Set(tracker.reversedOf.values());
  const servers = result.waves
    .filter((w) => w.outcome === 'completed')
    .flatMap((w) => plan.waves.find((pw) => pw.name === w.name)?.servers ?? [])
    .map((s) => s.sourceServerID)
    .filter((id) => !ec2Origin.has(id));
  if (servers.length === 0) return undefined;
  return `  - Re-protect the on-premises servers that failed back (${namedServers(servers)}): DRS does not do it. Re-install (or restart) the AWS Replication Agent on each machine so it replicates into AWS again, then confirm that its source server shows dataReplicationInfo.dataReplicationState CONTINUOUS and replicationDirection FAILOVER (\`aws drs describe-source-servers\`) — see docs/operations.md.`;
}

export function summaryLines(
  result: RunResult,
  plan: Plan,
  tracker: RunTracker,
  p: Palette,
  stateDir?: string,
  rerun?: Rerun,
): string[] {
  const report = `drs-failback report ${result.runId}${stateDir !== undefined ? stateDirArgument(stateDir) : ''}`;
  const lines: string[] = [];
  const elapsed =
    tracker.startedAt !== null && tracker.finishedAt !== null ? tracker.finishedAt - tracker.startedAt : 0;
  const rto = plan.objectives.rtoMs;
  const outcomeText = (o: string) =>
    o === 'completed'
      ? p.green(o)
      : o === 'backed-out' || o === 'aborted'
        ? p.yellow(o)
        : o === 'not-started' || o === 'already-failed-back'
          ? p.dim(o)
          : p.red(o);
  lines.push('');
  lines.push(p.bold(`Run ${result.runId}: ${outcomeText(result.outcome)}`));
  // The objective is a completed failback within the RTO: a run that did not complete missed it.
  const verdict =
    result.outcome !== 'completed'
      ? p.red('objective missed: the failback did not complete')
      : elapsed <= rto
        ? p.green('within objective')
        : p.red('objective missed');
  lines.push(`  RTO: ${humanDuration(elapsed)} elapsed of ${humanDuration(rto)} — ${verdict}`);
  const fates = result.waves.flatMap((w) =>
    serverFates(w, plan.waves.find((pw) => pw.name === w.name)?.servers.map((s) => s.sourceServerID) ?? []),
  );
  if (result.outcome !== 'completed') {
    lines.push(
      fates.every((f) => f.nothingLost)
        ? '  Data: nothing was lost.'
        : '  Data: see each server below for where its serving copy is and what was lost.',
    );
  }
  for (const wave of result.waves) lines.push(...waveLines(wave, plan, tracker, outcomeText));
  lines.push('');
  lines.push(p.bold('Next:'));
  const completed = result.waves.filter((w) => w.outcome === 'completed').map((w) => w.name);
  const earlier = result.waves.filter((w) => w.outcome === 'already-failed-back').map((w) => w.name);
  if (result.outcome !== 'completed' && completed.length + earlier.length > 0) {
    const done = [
      ...(completed.length > 0 ? [`Wave(s) ${completed.join(', ')} completed`] : []),
      ...(earlier.length > 0 ? [`wave(s) ${earlier.join(', ')} failed back in an earlier run`] : []),
    ].join('; ');
    lines.push(
      `  - ${done}: those servers run on the primary side now; the rest of this note is about the wave that stopped.`,
    );
  }
  if (result.outcome === 'backed-out' && tracker.reversedOf.size > 0) {
    lines.push(
      `  - EC2-origin servers: whatever StartRecovery launched in their origin region was left there for inspection; \`${report}\` lists it. Terminate it by hand once understood.`,
    );
  }
  const reprotect = onPremisesReprotectLine(result, plan, tracker);
  if (reprotect) lines.push(reprotect);
  const ec2Reprotect = ec2OriginReprotectLine(result, plan, tracker);
  if (ec2Reprotect) lines.push(ec2Reprotect);
  const afterFailback = result.waves.some((w) => w.afterFailback);
  const stopped = result.waves.find((w) => !failedBack(w.outcome));
  const again = continueCommand(result, rerun, stateDir);
  // --from-wave skips the waves listed before it; waves listed after it that failed back too
  // (side by side) would be checked again and refused: the plan must list them earlier first.
  const stoppedAt = result.waves.findIndex((w) => !failedBack(w.outcome));
  const fromWave = again.includes(' --from-wave ');
  const skips = fromWave ? result.waves.slice(0, stoppedAt).map((w) => w.name) : [];
  const doneAfter = fromWave
    ? result.waves
        .slice(stoppedAt + 1)
        .filter((w) => failedBack(w.outcome))
        .map((w) => w.name)
    : [];
  const steps = nextSteps(result.outcome, stopped?.name, again, skips);
  if (doneAfter.length > 0 && stopped) {
    steps.push(
      `Wave(s) ${doneAfter.join(', ')}, listed after ${stopped.name} in the plan, failed back too, but --from-wave skips only the waves listed before it: list them before ${stopped.name} in the plan (keep each wave's \`after\`) before you continue, or they are checked again and refused.`,
    );
  }
  for (const step of steps) {
    // With afterFailback steps, the waves above say what was re-protected and cleaned up.
    lines.push(
      `  - ${
        afterFailback && step.startsWith('Cleanup stays manual')
          ? 'Re-protect and clean-up ran as each wave above says; whatever it lists as skipped or left running stays manual — see docs/operations.md.'
          : step.replace('{report}', report)
      }`,
    );
  }
  return lines;
}

function waveLines(
  wave: WaveResult,
  plan: Plan,
  tracker: RunTracker,
  outcomeText: (o: string) => string,
): string[] {
  const place = wavePlaceByName(plan, wave.name);
  const lines = [`  wave ${wave.name}${place ? ` (${place})` : ''}: ${outcomeText(wave.outcome)}`];
  if (wave.jobIds.length > 0) lines.push(`    jobs: ${wave.jobIds.join(', ')}`);
  const crossing = tracker.crossings.get(wave.name);
  if (crossing) lines.push(`    ${crossingText(crossing)}`);
  if (wave.failure) lines.push(`    why: ${wave.failure.message}`);
  if (wave.backout) {
    const b = wave.backout;
    if (b.stopped.length > 0) lines.push(`    StopFailback: ${b.stopped.join(', ')}`);
    for (const f of b.stopFailures)
      lines.push(`    StopFailback failed${f.server ? ` for ${f.server}` : ''}: ${f.message}`);
    if (b.restoreJobIds.length > 0) lines.push(`    restore jobs: ${b.restoreJobIds.join(', ')}`);
  }
  const after = wave.afterFailback;
  if (after) {
    for (const r of after.reprotected)
      lines.push(`    re-protected ${r.sourceServerID}: ${r.reversedDirectionSourceServerArn}`);
    if (after.terminated.length > 0)
      lines.push(
        `    old recovery instances terminated: ${after.terminated.join(', ')} (jobs ${after.cleanupJobIds.join(', ') || '-'})`,
      );
    for (const skipped of after.skipped) lines.push(`    skipped: ${skipped}`);
    for (const f of after.failures) lines.push(`    after-failback step failed: ${f.message}`);
  }
  const servers = plan.waves.find((w) => w.name === wave.name)?.servers ?? [];
  for (const server of servers) {
    const id = server.sourceServerID;
    const failed = tracker.failedChecks.get(id);
    const progress = tracker.serverProgress.get(id);
    const detail = failed
      ? `failed checks: ${failed.join('; ')}`
      : wave.outcome === 'completed'
        ? 'failed back and verified'
        : wave.outcome === 'already-failed-back'
          ? 'failed back in an earlier run (FAILBACK_COMPLETED); skipped, nothing sent'
          : (progress ?? 'no job activity');
    lines.push(`    ${id}: ${detail}`);
    const [fate] = failedBack(wave.outcome) ? [] : serverFates(wave, [id]);
    if (fate && wave.outcome !== 'not-started') lines.push(`      ${describeFate(fate)}`);
  }
  return lines;
}

/** ` via terminal`; nothing for an answer logged before `via` was recorded. */
function viaText(via: string | undefined): string {
  return via ? ` via ${via}` : '';
}

/** The lag at a wave's crossing, for people: the run's real RPO for that wave. */
function crossingText(e: Extract<RunEvent, { type: 'cutover.drained' }>): string {
  return `RPO at the crossing: ${e.servers.length} server(s) drained, worst ${e.worst.server} ${humanDuration(e.worst.lagMs)} behind (cutover.maxLag ${humanDuration(e.maxLagMs)})`;
}
