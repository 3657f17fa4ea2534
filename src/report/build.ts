// The evidence report of a run, built from its event log (and its last snapshot when there is
// one): what happened, when, which AWS calls were made with which request ids, who approved,
// what was notified, the RPO at cutover and the RTO achieved. Pure: data in, data out.

import type { WaveResult } from '../../machines/plan.machine.js';
import type { FailureReason, RestoredServer } from '../../machines/types.js';
import type { BackoutRecord } from '../../machines/wave.machine.js';
import { isMutating } from '../aws/operations.js';
import type { RunEvent } from '../events.js';
import { hasRemoteTargets, waveTarget } from '../plan/targets.js';
import type { Plan } from '../plan/types.js';
import { checkData } from '../prechecks/check-data.js';
import { type AfterFailbackLike, type Ec2OriginEvidence, ec2OriginEvidence } from './ec2-origin.js';
import { type ServerFate, serverFates } from './serving.js';

export const REPORT_FORMAT_VERSION = 1;

export interface TransitionEntry {
  at: string;
  machine: 'plan' | 'wave';
  wave?: string;
  from: string | null;
  to: string;
}

export interface AwsCallEntry {
  at: string;
  service: string;
  region: string;
  operation: string;
  /** True for calls that change something (StartFailbackLaunch, StopFailback, StartRecovery, ...). */
  mutating: boolean;
  /** What was sent, for the calls that change something. */
  input?: unknown;
  /** Null while no answer was logged (the process died with the call in flight). */
  ok: boolean | null;
  requestId: string | null;
  error?: { name: string; message: string };
}

export interface ApprovalEntry {
  wave: string;
  requestedAt: string | null;
  pointOfNoReturn: string | null;
  decision: 'given' | 'refused' | 'pending';
  by: string | null;
  /** Who answered and through what (`terminal`, `web`, `api`); null in logs older than these fields. */
  approver?: string | null;
  via?: string | null;
  at: string | null;
}

export interface NotificationEntry {
  at: string;
  topicArn: string;
  subject: string;
  messageId: string | null;
  error: string | null;
}

export interface ServerEvidence {
  sourceServerID: string;
  /** Newest recovery point when the wave's precheck ran (the last precheck, i.e. at cutover). */
  newestRecoveryPointAt: string | null;
  recoveryPointAgeMs: number | null;
  /** The failback replication's lag at the precheck (on premises: the `rpo` check); null when unknown. */
  lagMs: number | null;
  failedChecks: string[];
  /** Last DRS job log event seen for the server (e.g. LAUNCH_START, LAUNCH_FAILED). */
  lastJobEvent: string | null;
  /** Backout: the recovery point the server was relaunched from. */
  restoredFrom: RestoredServer | null;
}

export interface WaveEvidence {
  name: string;
  outcome: string;
  failure: FailureReason | null;
  jobIds: string[];
  startedAt: string | null;
  endedAt: string | null;
  rpo: { objectiveMs: number | null; worstAgeMs: number | null; met: boolean | null };
  servers: ServerEvidence[];
  backout: {
    reason: FailureReason;
    stopped: string[];
    stopFailures: string[];
    restored: RestoredServer[];
    restoreJobIds: string[];
  } | null;
  /** Servers that came from EC2 (reverse replication, StartRecovery in the origin region); null when none. */
  ec2Origin: Ec2OriginEvidence | null;
  /** The lag of each server when the wave crossed its point of no return: the RPO achieved. */
  crossing: {
    maxLagMs: number;
    worst: { server: string; lagMs: number };
    servers: { server: string; lagMs: number }[];
  } | null;
  /** Per server: where its serving copy is and what data was lost (src/report/serving.ts). */
  serving: ServerFate[];
  /**
   * Where the wave acted, in a plan whose waves act in several accounts or regions (absent
   * otherwise): the `aws.accounts` name (absent: the plan's own account), its id, the DR region.
   */
  place?: { account?: string; accountId?: string; region: string };
}

export interface EvidenceReport {
  formatVersion: typeof REPORT_FORMAT_VERSION;
  runId: string;
  plan: string | null;
  simulated: boolean;
  /**
   * Who the run acted as, per region, from each `run.started` (a resume may act as someone
   * else: each start is listed); empty for runs logged before the identity was recorded.
   */
  identities?: { at: string; region: string; account: string; principal: string }[];
  startedAt: string | null;
  finishedAt: string | null;
  outcome: string | null;
  /** How many times the run was resumed after an interruption. */
  resumes: number;
  rto: {
    objectiveMs: number | null;
    deadlineAt: string | null;
    achievedMs: number | null;
    met: boolean | null;
  };
  rpo: { objectiveMs: number | null; worstAgeMs: number | null; met: boolean | null };
  timeline: TransitionEntry[];
  awsCalls: AwsCallEntry[];
  approvals: ApprovalEntry[];
  notifications: NotificationEntry[];
  waves: WaveEvidence[];
  /** Facts the report could not establish, said plainly. */
  gaps: string[];
}

export interface ReportInput {
  runId: string;
  events: readonly RunEvent[];
  /** The run's last persisted snapshot (plan machine), when there is one. */
  snapshot?: unknown;
  plan?: Plan;
  /** The run's wave results when the caller holds them (a run that just finished, in memory). */
  results?: readonly WaveResultLike[];
}

export interface WaveResultLike {
  name: string;
  outcome: string;
  failure: FailureReason | null;
  jobIds: string[];
  backout: BackoutRecord | null;
  /** Re-protect and clean-up after a verified EC2-origin failback (absent in older snapshots). */
  afterFailback?: AfterFailbackLike | null;
  /** Servers whose primary was converted when the wave failed (absent in older snapshots). */
  converted?: readonly string[];
  /** What the launch jobs last reported per server (absent in older snapshots). */
  launch?: readonly {
    sourceServerID: string;
    recoveryInstanceID?: string;
    region?: string;
    launchStatus: string;
  }[];
}

interface SnapshotFacts {
  rpoMs: number | null;
  rtoMs: number | null;
  rtoDeadlineAt: number | null;
  results: WaveResultLike[];
  /** The wave running when the snapshot was taken. */
  current:
    | (WaveResultLike & { resolved: { sourceServerID: string; newestRecoveryPointAt?: string }[] })
    | null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

const num = (value: unknown): number | null => (typeof value === 'number' ? value : null);

function snapshotFacts(snapshot: unknown): SnapshotFacts {
  const facts: SnapshotFacts = { rpoMs: null, rtoMs: null, rtoDeadlineAt: null, results: [], current: null };
  if (!isRecord(snapshot) || !isRecord(snapshot.context)) return facts;
  const ctx = snapshot.context;
  facts.rpoMs = num(ctx.rpoMs);
  facts.rtoMs = num(ctx.rtoMs);
  facts.rtoDeadlineAt = num(ctx.rtoDeadlineAt);
  if (Array.isArray(ctx.results)) facts.results = ctx.results as WaveResultLike[];
  // One wave at a time: the child `wave`; side by side: the first wave still running.
  const children = isRecord(snapshot.children) ? snapshot.children : {};
  const wave =
    children.wave ??
    Object.values(children).find(
      (c) => isRecord(c) && isRecord(c.snapshot) && c.snapshot.status === 'active',
    );
  const waveCtx = isRecord(wave) && isRecord(wave.snapshot) ? wave.snapshot.context : undefined;
  if (isRecord(waveCtx) && isRecord(waveCtx.wave) && typeof waveCtx.wave.name === 'string') {
    facts.current = {
      name: waveCtx.wave.name,
      outcome: typeof waveCtx.outcome === 'string' ? waveCtx.outcome : 'in progress',
      failure: (waveCtx.failure as FailureReason | null) ?? null,
      jobIds: Array.isArray(waveCtx.jobIds) ? (waveCtx.jobIds as string[]) : [],
      backout: (waveCtx.backout as BackoutRecord | null) ?? null,
      afterFailback: (waveCtx.afterFailbackRecord as AfterFailbackLike | undefined) ?? null,
      resolved: Array.isArray(waveCtx.resolved)
        ? (waveCtx.resolved as { sourceServerID: string; newestRecoveryPointAt?: string }[])
        : [],
    };
  }
  return facts;
}

const ms = (iso: string | null | undefined): number | null => {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
};

/**
 * Per server, from its checks: the failback replication's lag (the `rpo` check: the RPO is the data
 * that goes home) and the newest recovery point (the `backout-point` check: what a relaunch restores).
 */
interface RpoFacts {
  point: string | null;
  ageMs: number | null;
  lagMs: number | null;
}

/** A check's facts the report keeps: the lag and recovery point judged, and failed checks per server. */
function recordCheck(
  event: Extract<RunEvent, { type: 'check' }>,
  rpoByWave: Map<string, Map<string, RpoFacts>>,
  failedChecks: Map<string, string[]>,
): void {
  // On premises (EC2 origin: the reversed replication's lag, see ec2-origin.ts).
  const perServer = rpoByWave.get(event.wave) ?? new Map<string, RpoFacts>();
  const known = perServer.get(event.server) ?? { point: null, ageMs: null, lagMs: null };
  if (event.name === 'rpo') {
    const rpo = checkData(event, 'rpo');
    perServer.set(event.server, {
      ...known,
      lagMs: rpo?.basis === 'failback-replication' ? rpo.lagMs : null,
    });
    rpoByWave.set(event.wave, perServer);
  }
  if (event.name === 'backout-point') {
    const point = checkData(event, 'backout-point')?.snapshotAt ?? null;
    const pointMs = ms(point);
    const atMs = ms(event.at);
    perServer.set(event.server, {
      ...known,
      point,
      ageMs: pointMs !== null && atMs !== null ? atMs - pointMs : null,
    });
    rpoByWave.set(event.wave, perServer);
  }
  const key = `${event.wave}|${event.server}`;
  if (event.status === 'fail')
    failedChecks.set(key, [...(failedChecks.get(key) ?? []), `${event.name}: ${event.detail}`]);
}

/** What the event log says, read in one pass: timeline, calls, approvals, notifications, checks. */
function readEventLog(events: readonly RunEvent[]) {
  const timeline: TransitionEntry[] = [];
  const awsCalls: AwsCallEntry[] = [];
  const approvals: ApprovalEntry[] = [];
  const notifications: NotificationEntry[] = [];
  const pendingCalls = new Map<string, AwsCallEntry[]>();
  const waveSpan = new Map<string, { startedAt: string | null; endedAt: string | null }>();
  const rpoByWave = new Map<string, Map<string, RpoFacts>>();
  const failedChecks = new Map<string, string[]>();
  const lastJobEvent = new Map<string, string>();

  for (const event of events) {
    switch (event.type) {
      case 'state': {
        timeline.push({
          at: event.at,
          machine: event.machine,
          ...(event.wave !== undefined ? { wave: event.wave } : {}),
          from: event.from,
          to: event.to,
        });
        if (event.machine === 'wave' && event.wave !== undefined) {
          const span = waveSpan.get(event.wave) ?? { startedAt: event.at, endedAt: null };
          span.endedAt = event.at;
          waveSpan.set(event.wave, span);
        }
        break;
      }
      case 'aws.request': {
        const key = `${event.service}:${event.operation}`;
        const mutating = isMutating(event.operation);
        const entry: AwsCallEntry = {
          at: event.at,
          service: event.service,
          region: event.region,
          operation: event.operation,
          mutating,
          ...(mutating ? { input: event.input } : {}),
          ok: null,
          requestId: null,
        };
        awsCalls.push(entry);
        const queue = pendingCalls.get(key) ?? [];
        queue.push(entry);
        pendingCalls.set(key, queue);
        break;
      }
      case 'aws.response': {
        // Answers come back in the order the calls of one operation were sent (FIFO per operation).
        const entry = pendingCalls.get(`${event.service}:${event.operation}`)?.shift();
        if (entry) {
          entry.ok = event.ok;
          entry.requestId = event.requestId;
          if (event.error) entry.error = event.error;
        }
        break;
      }
      case 'run.started':
        // A resumed run starts again: calls in flight at the crash never got an answer.
        pendingCalls.clear();
        break;
      case 'approval.requested':
        approvals.push({
          wave: event.wave,
          requestedAt: event.at,
          pointOfNoReturn: event.pointOfNoReturn,
          decision: 'pending',
          by: null,
          at: null,
        });
        break;
      case 'approval.given':
      case 'approval.refused': {
        const open = [...approvals].reverse().find((a) => a.wave === event.wave && a.decision === 'pending');
        const decision = event.type === 'approval.given' ? 'given' : 'refused';
        const who = { approver: event.approver ?? null, via: event.via ?? null };
        if (open) Object.assign(open, { decision, by: event.by, ...who, at: event.at });
        else
          approvals.push({
            wave: event.wave,
            requestedAt: null,
            pointOfNoReturn: null,
            decision,
            by: event.by,
            ...who,
            at: event.at,
          });
        break;
      }
      case 'notification':
        notifications.push({
          at: event.at,
          topicArn: event.topicArn,
          subject: event.subject,
          messageId: event.messageId ?? null,
          error: event.error ?? null,
        });
        break;
      case 'check':
        recordCheck(event, rpoByWave, failedChecks);
        break;
      case 'job.log':
        if (event.server) lastJobEvent.set(`${event.wave}|${event.server}`, event.event);
        break;
      default:
        break;
    }
  }

  return { timeline, awsCalls, approvals, notifications, waveSpan, rpoByWave, failedChecks, lastJobEvent };
}

interface WaveEvidenceSources {
  crossings: Map<string, Extract<RunEvent, { type: 'cutover.drained' }>>;
  plan: ReportInput['plan'];
  facts: ReturnType<typeof snapshotFacts>;
  results: Map<string, WaveResultLike>;
  finishedWaves: Map<string, string>;
  rpoByWave: Map<string, Map<string, RpoFacts>>;
  failedChecks: Map<string, string[]>;
  lastJobEvent: Map<string, string>;
  waveSpan: Map<string, { startedAt: string | null; endedAt: string | null }>;
  rpoObjective: number | null;
  ec2Origin: ReturnType<typeof ec2OriginEvidence>;
}

/** One wave's evidence, from the log's facts, the wave's result and the plan. */
function waveEvidence(name: string, sources: WaveEvidenceSources): WaveEvidence {
  const {
    plan,
    facts,
    results,
    finishedWaves,
    rpoByWave,
    failedChecks,
    lastJobEvent,
    waveSpan,
    rpoObjective,
    ec2Origin,
    crossings,
  } = sources;
  const result = results.get(name);
  const planned = plan?.waves.find((w) => w.name === name)?.servers.map((s) => s.sourceServerID);
  const rpo = rpoByWave.get(name) ?? new Map<string, RpoFacts>();
  const resolved = facts.current?.name === name ? facts.current.resolved : [];
  const serverIds =
    planned ??
    [...new Set([...rpo.keys(), ...resolved.map((r) => r.sourceServerID)])].filter((s) => s !== '*');
  const backout = result?.backout ?? null;
  const servers: ServerEvidence[] = serverIds.map((id) => {
    const fromCheck = rpo.get(id);
    const fromSnapshot = resolved.find((r) => r.sourceServerID === id)?.newestRecoveryPointAt ?? null;
    return {
      sourceServerID: id,
      newestRecoveryPointAt: fromCheck?.point ?? fromSnapshot,
      recoveryPointAgeMs: fromCheck?.ageMs ?? null,
      lagMs: fromCheck?.lagMs ?? null,
      failedChecks: failedChecks.get(`${name}|${id}`) ?? [],
      lastJobEvent: lastJobEvent.get(`${name}|${id}`) ?? null,
      restoredFrom: backout?.restored.find((r) => r.sourceServerID === id) ?? null,
    };
  });
  // The RPO is the data that goes home: the failback replication's lag (never a snapshot's age).
  const ages = servers.map((s) => s.lagMs).filter((a): a is number => a !== null);
  const worst = ages.length > 0 ? Math.max(...ages) : null;
  const span = waveSpan.get(name);
  const planWave = plan?.waves.find((w) => w.name === name);
  const target = plan && planWave && hasRemoteTargets(plan) ? waveTarget(plan, planWave) : undefined;
  return {
    ...(target
      ? {
          place: {
            ...(target.account !== undefined ? { account: target.account } : {}),
            ...(target.accountId !== undefined ? { accountId: target.accountId } : {}),
            region: target.region,
          },
        }
      : {}),
    name,
    outcome: finishedWaves.get(name) ?? result?.outcome ?? (span ? 'in progress' : 'not-started'),
    failure: result?.failure ?? null,
    jobIds: result?.jobIds ?? [],
    startedAt: span?.startedAt ?? null,
    endedAt: span?.endedAt ?? null,
    rpo: {
      objectiveMs: rpoObjective,
      worstAgeMs: worst,
      met: worst === null || rpoObjective === null ? null : worst <= rpoObjective,
    },
    servers,
    backout: backout && {
      reason: backout.reason,
      stopped: backout.stopped,
      stopFailures: backout.stopFailures.map((f) => f.message),
      restored: backout.restored,
      restoreJobIds: backout.restoreJobIds,
    },
    ec2Origin: ec2Origin.get(name) ?? null,
    crossing: crossingOf(crossings.get(name)),
    serving: result
      ? serverFates(
          {
            name,
            outcome: (finishedWaves.get(name) ?? result.outcome) as WaveResult['outcome'],
            failure: result.failure,
            jobIds: result.jobIds,
            backout: result.backout,
            ...(result.converted ? { converted: [...result.converted] } : {}),
          },
          serverIds,
        )
      : [],
  };
}

function crossingOf(e: Extract<RunEvent, { type: 'cutover.drained' }> | undefined): WaveEvidence['crossing'] {
  return e ? { maxLagMs: e.maxLagMs, worst: e.worst, servers: e.servers } : null;
}

/** What the event log cannot tell, for the report's gaps. */
function logGaps(
  events: readonly RunEvent[],
  awsCalls: readonly { ok: boolean | null; mutating: boolean; operation: string; at: string }[],
): string[] {
  const gaps: string[] = [];
  if (events.some((e) => e.type === 'check' && e.data === undefined)) {
    gaps.push(
      'some check events carry no data (logged by an older version): recovery points and EC2-origin facts are not read from their text',
    );
  }
  if (!events.some((e) => e.type === 'run.started'))
    gaps.push('the event log has no run.started: the run never started, or its log was lost');
  if (!events.some((e) => e.type === 'run.finished'))
    gaps.push('the run has not finished (or was interrupted): outcome and RTO achieved are not known yet');
  for (const call of awsCalls.filter((c) => c.ok === null && c.mutating)) {
    gaps.push(
      `${call.operation} sent at ${call.at} has no logged answer (interrupted); the resumed run re-read AWS before acting again`,
    );
  }
  return gaps;
}

/** Who the run acted as, per start or resume. */
function identitiesOf(started: readonly RunEvent[]) {
  return started.flatMap((e) =>
    e.type === 'run.started'
      ? (e.identities ?? []).map(({ region, account, principal }) => ({
          at: e.at,
          region,
          account,
          principal,
        }))
      : [],
  );
}

export function buildReport(input: ReportInput): EvidenceReport {
  const { events, plan } = input;
  const facts = snapshotFacts(input.snapshot);
  const gaps: string[] = [];

  const started = events.filter((e) => e.type === 'run.started');
  const finished = events.find((e) => e.type === 'run.finished');
  const first = started[0];

  const { timeline, awsCalls, approvals, notifications, waveSpan, rpoByWave, failedChecks, lastJobEvent } =
    readEventLog(events);

  const rpoObjective = plan?.objectives.rpoMs ?? facts.rpoMs;
  const rtoObjective = plan?.objectives.rtoMs ?? facts.rtoMs;

  // Waves: the plan's order; results from run.finished, the snapshot, or the event log.
  const results = new Map<string, WaveResultLike>();
  for (const r of input.results ?? facts.results) results.set(r.name, r);
  if (facts.current && !results.has(facts.current.name)) results.set(facts.current.name, facts.current);
  const firstRequest = events.find((e) => e.type === 'aws.request');
  const drRegion = plan?.region ?? (firstRequest?.type === 'aws.request' ? firstRequest.region : null);
  const finishedWaves = new Map(finished?.waves.map((w) => [w.name, w.outcome]) ?? []);
  const ec2Origin = ec2OriginEvidence(
    events,
    drRegion,
    new Map(
      [...new Set([...results.keys(), ...finishedWaves.keys()])].map((name) => {
        const r = results.get(name);
        return [
          name,
          {
            outcome: finishedWaves.get(name) ?? r?.outcome ?? 'in progress',
            afterFailback: r?.afterFailback ?? null,
            // The launch the wave recorded names the instances it created, even after a backout.
            ...(r?.launch ? { launch: r.launch } : {}),
          },
        ] as const;
      }),
    ),
  );
  const waveNames = plan?.waves.map((w) => w.name) ?? [
    ...new Set([...results.keys(), ...finishedWaves.keys(), ...waveSpan.keys()]),
  ];

  const waves: WaveEvidence[] = waveNames.map((name) =>
    waveEvidence(name, {
      plan,
      facts,
      results,
      finishedWaves,
      rpoByWave,
      failedChecks,
      lastJobEvent,
      waveSpan,
      rpoObjective,
      ec2Origin,
      // The last drain of each wave is the one its crossing followed.
      crossings: new Map(events.flatMap((e) => (e.type === 'cutover.drained' ? [[e.wave, e] as const] : []))),
    }),
  );

  const startMs = ms(first?.at);
  const endMs = ms(finished?.at);
  const achieved = startMs !== null && endMs !== null ? endMs - startMs : null;
  const deadline =
    facts.rtoDeadlineAt ?? (startMs !== null && rtoObjective !== null ? startMs + rtoObjective : null);
  const allAges = waves.map((w) => w.rpo.worstAgeMs).filter((a): a is number => a !== null);
  const worstRpo = allAges.length > 0 ? Math.max(...allAges) : null;

  gaps.push(...logGaps(events, awsCalls));

  return {
    formatVersion: REPORT_FORMAT_VERSION,
    runId: input.runId,
    plan: plan?.name ?? (first?.type === 'run.started' ? first.plan : null),
    simulated: first?.type === 'run.started' ? first.simulated : false,
    identities: identitiesOf(started),
    startedAt: first?.at ?? null,
    finishedAt: finished?.at ?? null,
    outcome: finished?.outcome ?? null,
    resumes: Math.max(0, started.length - 1),
    rto: {
      objectiveMs: rtoObjective,
      deadlineAt: deadline !== null ? new Date(deadline).toISOString() : null,
      achievedMs: achieved,
      // The objective is a completed failback within the RTO: a run that ended otherwise missed it.
      met:
        finished !== undefined && finished.outcome !== 'completed'
          ? false
          : achieved === null || rtoObjective === null
            ? null
            : achieved <= rtoObjective,
    },
    rpo: {
      objectiveMs: rpoObjective,
      worstAgeMs: worstRpo,
      met: worstRpo === null || rpoObjective === null ? null : worstRpo <= rpoObjective,
    },
    timeline,
    awsCalls,
    approvals,
    notifications,
    waves,
    gaps,
  };
}
