// The EC2-origin part of the evidence report, per wave: the origin region, the reversed source
// servers, what StartRecovery launched there (and, on backout, that it was left there for
// inspection), re-protect and clean-up results, and what was left running. Built from the event
// log (checks, AWS requests, job log) and the wave results. Pure.
import { waveLifecycle } from '../../machines/lifecycle.js';
import type { AwsFailure } from '../../machines/types.js';
import type { RunEvent } from '../events.js';
import { checkData } from '../prechecks/check-data.js';

/** What the report needs of a wave's result (the run's result, or the last snapshot). */
export interface AfterFailbackLike {
  reprotected: { sourceServerID: string; reversedDirectionSourceServerArn: string }[];
  terminated: string[];
  cleanupJobIds: string[];
  failures: Pick<AwsFailure, 'message'>[];
  skipped: string[];
}

export interface Ec2OriginServerEvidence {
  sourceServerID: string;
  originRegion: string | null;
  /** The recovery instance in the DR region that served during the failover. */
  drRecoveryInstanceID: string | null;
  /** The reversed source server (in the origin region) StartRecovery launched from. */
  reversedSourceServerID: string | null;
  /** Last reverse-replication and lag checks of the precheck, as they read. */
  replication: string | null;
  lag: string | null;
  /** StartRecovery in the origin region was sent for it (the point of no return). */
  startRecoverySent: boolean;
  /** Launch jobs in the origin region that reported on it, and the last job log event. */
  launchJobIds: string[];
  lastJobEvent: string | null;
  /** `launched`, `failed` (LAUNCH_FAILED), `not-started`, or `unknown` (no job log seen). */
  launch: 'launched' | 'failed' | 'not-started' | 'unknown';
  /** Re-protect: the source server in the DR region that protects the new primary. */
  reprotectedAs: string | null;
}

export interface Ec2OriginEvidence {
  originRegions: string[];
  servers: Ec2OriginServerEvidence[];
  /**
   * Recovery instances the launch created in the origin region, as the run read them (verification
   * and re-protect name them), by region.
   */
  launchedInstances: { region: string; recoveryInstanceIDs: string[] }[];
  /** The wave backed out after launching in the origin region: those instances were left there. */
  leftForInspection: boolean;
  reprotect: { requested: boolean; results: AfterFailbackLike['reprotected'] };
  cleanup: { terminated: string[]; jobIds: string[] };
  /** Opt-in steps refused, skipped or failed. */
  skipped: string[];
  failures: string[];
  /** Old DR recovery instances still running after the wave (clean-up off, refused, or failed). */
  leftRunning: string[];
}

interface ServerFacts {
  ec2Origin: boolean;
  drRecoveryInstanceID: string | null;
  originRegion: string | null;
  reversedSourceServerID: string | null;
  replication: string | null;
  lag: string | null;
}

interface WaveFacts {
  servers: Map<string, ServerFacts>;
  requests: Extract<RunEvent, { type: 'aws.request' }>[];
  jobLog: Extract<RunEvent, { type: 'job.log' }>[];
  stepsAsked: Set<'reprotect' | 'cleanup'>;
}

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

function inputOf(event: Extract<RunEvent, { type: 'aws.request' }>): Record<string, unknown> {
  return typeof event.input === 'object' && event.input !== null
    ? (event.input as Record<string, unknown>)
    : {};
}

function serverFacts(wave: WaveFacts, server: string): ServerFacts {
  let facts = wave.servers.get(server);
  if (!facts) {
    facts = {
      ec2Origin: false,
      drRecoveryInstanceID: null,
      originRegion: null,
      reversedSourceServerID: null,
      replication: null,
      lag: null,
    };
    wave.servers.set(server, facts);
  }
  return facts;
}

/** Collects the facts of each wave; events between a wave's states belong to that wave. */
function collect(events: readonly RunEvent[]): Map<string, WaveFacts> {
  const waves = new Map<string, WaveFacts>();
  const waveFacts = (name: string) => {
    let facts = waves.get(name);
    if (!facts) {
      facts = { servers: new Map(), requests: [], jobLog: [], stepsAsked: new Set() };
      waves.set(name, facts);
    }
    return facts;
  };
  let current: string | null = null;
  for (const event of events) {
    switch (event.type) {
      case 'state':
        if (event.machine === 'wave' && event.wave !== undefined) {
          current = event.wave;
          // An opt-in step begins with its own approval (state meta `approval`).
          const step = waveLifecycle.approval(event.to);
          if (step === 'reprotect' || step === 'cleanup') waveFacts(event.wave).stepsAsked.add(step);
        }
        break;
      case 'check': {
        if (event.server === '*') break;
        const facts = serverFacts(waveFacts(event.wave), event.server);
        const instance = checkData(event, 'recovery-instance');
        const origin = checkData(event, 'origin');
        const reversal = checkData(event, 'reverse-replication');
        if (instance !== undefined && 'recoveryInstanceId' in instance && event.status === 'pass') {
          facts.drRecoveryInstanceID = instance.recoveryInstanceId ?? facts.drRecoveryInstanceID;
        } else if (origin !== undefined) {
          if (origin.flow === 'ec2-origin') facts.ec2Origin = true;
        } else if (event.name === 'reverse-replication') {
          facts.replication = event.detail;
          facts.reversedSourceServerID = reversal?.reversedSourceServerId ?? facts.reversedSourceServerID;
          facts.originRegion = reversal?.originRegion ?? facts.originRegion;
        } else if (event.name === 'rpo' && facts.ec2Origin) {
          facts.lag = event.detail;
        }
        break;
      }
      case 'aws.request':
        if (current !== null) waveFacts(current).requests.push(event);
        break;
      case 'job.log':
        waveFacts(event.wave).jobLog.push(event);
        break;
      default:
        break;
    }
  }
  return waves;
}

function launchOf(
  reversedId: string | null,
  sent: boolean,
  jobLog: readonly Extract<RunEvent, { type: 'job.log' }>[],
): Pick<Ec2OriginServerEvidence, 'launchJobIds' | 'lastJobEvent' | 'launch'> {
  if (!sent || reversedId === null) return { launchJobIds: [], lastJobEvent: null, launch: 'not-started' };
  const mine = jobLog.filter((e) => e.server === reversedId);
  const launchJobIds = [...new Set(mine.map((e) => e.jobId))];
  const lastJobEvent = mine.at(-1)?.event ?? null;
  const ended = jobLog.some((e) => launchJobIds.includes(e.jobId) && e.event === 'JOB_END');
  const launch = mine.some((e) => e.event === 'LAUNCH_FAILED')
    ? 'failed'
    : ended && mine.some((e) => e.event === 'LAUNCH_START')
      ? 'launched'
      : 'unknown';
  return { launchJobIds, lastJobEvent, launch };
}

/**
 * The EC2-origin evidence of each wave that had EC2-origin servers. `drRegion` is the plan's
 * region; `outcomes` and `afterFailback` come from the wave results when known.
 */
export function ec2OriginEvidence(
  events: readonly RunEvent[],
  drRegion: string | null,
  results: ReadonlyMap<
    string,
    {
      outcome: string;
      afterFailback?: AfterFailbackLike | null;
      launch?: readonly { recoveryInstanceID?: string; region?: string }[];
    }
  >,
): Map<string, Ec2OriginEvidence> {
  const out = new Map<string, Ec2OriginEvidence>();
  for (const [wave, facts] of collect(events)) {
    const ec2Servers = [...facts.servers].filter(([, f]) => f.ec2Origin);
    if (ec2Servers.length === 0) continue;
    const reversedIds = new Set(
      ec2Servers.flatMap(([, f]) => (f.reversedSourceServerID ? [f.reversedSourceServerID] : [])),
    );
    const startRecovery = facts.requests.filter(
      (r) =>
        r.operation === 'StartRecovery' &&
        strings(
          (inputOf(r).sourceServers as { sourceServerID?: unknown }[] | undefined)?.map(
            (s) => s.sourceServerID,
          ),
        ).some((id) => reversedIds.has(id)),
    );
    const startedFor = new Set(
      startRecovery.flatMap((r) =>
        strings(
          (inputOf(r).sourceServers as { sourceServerID?: unknown }[] | undefined)?.map(
            (s) => s.sourceServerID,
          ),
        ),
      ),
    );
    const originRegions = new Set(ec2Servers.flatMap(([, f]) => (f.originRegion ? [f.originRegion] : [])));
    // Verification reads the launched recovery instances by id in the origin region; re-protect names them.
    const launched = new Map<string, Set<string>>();
    for (const r of facts.requests) {
      if (!originRegions.has(r.region) || r.region === drRegion) continue;
      const ids =
        r.operation === 'DescribeRecoveryInstances'
          ? strings(
              (inputOf(r).filters as { recoveryInstanceIDs?: unknown } | undefined)?.recoveryInstanceIDs,
            )
          : r.operation === 'ReverseReplication'
            ? strings([inputOf(r).recoveryInstanceID])
            : [];
      if (ids.length === 0) continue;
      const set = launched.get(r.region) ?? new Set<string>();
      for (const id of ids) set.add(id);
      launched.set(r.region, set);
    }
    const result = results.get(wave);
    // What the launch jobs reported: the instances created in the origin region, launched or not.
    for (const l of result?.launch ?? []) {
      if (!l.region || !l.recoveryInstanceID || l.region === drRegion) continue;
      const set = launched.get(l.region) ?? new Set<string>();
      set.add(l.recoveryInstanceID);
      launched.set(l.region, set);
    }
    const after = result?.afterFailback ?? null;
    const terminated = after?.terminated ?? [];
    const servers: Ec2OriginServerEvidence[] = ec2Servers.map(([id, f]) => ({
      sourceServerID: id,
      originRegion: f.originRegion,
      drRecoveryInstanceID: f.drRecoveryInstanceID,
      reversedSourceServerID: f.reversedSourceServerID,
      replication: f.replication,
      lag: f.lag,
      startRecoverySent: f.reversedSourceServerID !== null && startedFor.has(f.reversedSourceServerID),
      ...launchOf(
        f.reversedSourceServerID,
        f.reversedSourceServerID !== null && startedFor.has(f.reversedSourceServerID),
        facts.jobLog,
      ),
      reprotectedAs:
        after?.reprotected.find((r) => r.sourceServerID === id)?.reversedDirectionSourceServerArn ?? null,
    }));
    const backedOut = result !== undefined && result.outcome !== 'completed';
    const drInstances = servers.flatMap((s) => (s.drRecoveryInstanceID ? [s.drRecoveryInstanceID] : []));
    out.set(wave, {
      originRegions: [...originRegions],
      servers,
      launchedInstances: [...launched].map(([region, ids]) => ({ region, recoveryInstanceIDs: [...ids] })),
      leftForInspection: backedOut && servers.some((s) => s.startRecoverySent),
      reprotect: { requested: facts.stepsAsked.has('reprotect'), results: after?.reprotected ?? [] },
      cleanup: { terminated, jobIds: after?.cleanupJobIds ?? [] },
      skipped: after?.skipped ?? [],
      failures: (after?.failures ?? []).map((f) => f.message),
      leftRunning: drInstances.filter((i) => !terminated.includes(i)),
    });
  }
  return out;
}
