// `drs-failback run <plan>`: executes the failback as a durable run in the state directory.
// Guided on a terminal (asks before every point of no return, live view, Ctrl-C semantics); from
// a script nothing waits for input.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { DrsSender } from '../../aws/clients.js';
import { instrumentClient } from '../../aws/instrument.js';
import { createStopGate } from '../../aws/stop-gate.js';
import { ConfigError } from '../../config/index.js';
import type { EmitEvent, RunEventBody } from '../../events.js';
import { parsePlan } from '../../plan/load.js';
import type { Plan } from '../../plan/types.js';
import {
  type EarlierWaves,
  readEarlierWaves,
  WavesNotFailedBackError,
  waveIndexOf,
} from '../../run/continue.js';
import { createStoredRun } from '../../run/stored.js';
import type { FailbackRun } from '../../run.js';
import { newRunId } from '../../run-id.js';
import { processAlive } from '../../store/lock.js';
import type { RunStore } from '../../store/run-store.js';
import type { AwsContext } from '../aws-context.js';
import { type DriveSession, driveRun, type RunDeps, type RunSummary } from '../drive.js';
import { UsageError } from '../errors.js';
import { awsContextFromWave, checkFromWave, drsOfWave, type EarlierWorld } from '../from-wave.js';
import { identityLines, readCallerIdentity } from '../identity.js';
import { type CliIO, palette, useColor } from '../io.js';
import { createCliLogger } from '../logging.js';
import type { RunOptions } from '../options.js';
import { resumeCommand, runCommand } from '../pause.js';
import { planLines, summarizePlan } from '../render.js';
import { openStore, simulationRecord } from '../run-state.js';

export type { RunDeps, RunSummary } from '../drive.js';

/** The plan file's text, kept with the run (`plan.source`); a missing file is a plan problem. */
async function readPlanText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message = code === 'ENOENT' ? 'file not found' : `cannot read file: ${(error as Error).message}`;
    throw new ConfigError([{ file: path, path: '', message }]);
  }
}

/**
 * The store takes over locks whose process is gone, which is right for `resume`, but an
 * interrupted run keeps its locks precisely so that nothing else touches its servers before it is
 * resumed or backed out: a new run of the same plan, or of a shared server, is refused.
 */
function refuseOverInterruptedRun(store: RunStore, plan: Plan): void {
  const servers = new Set(plan.waves.flatMap((w) => w.servers.map((s) => s.sourceServerID)));
  for (const listing of store.list()) {
    const owner = listing.lockedBy;
    if (listing.outcome !== null || owner === null) continue;
    // A live owner (or one on another host) is refused by the store itself, naming host and pid.
    if (owner.host !== hostname() || processAlive(owner.pid)) continue;
    const meta = store.open(listing.id).meta();
    const shared = meta.sourceServerIDs.filter((id) => servers.has(id));
    if (meta.plan !== plan.name && shared.length === 0) continue;
    const what = meta.plan === plan.name ? `plan ${plan.name}` : `server ${shared.join(', ')}`;
    throw new UsageError(
      `${what} belongs to run ${listing.id}, which is unfinished (${listing.state}) and keeps its locks: ` +
        `\`${resumeCommand(listing.id, store.stateDir)}\` continues it, \`${runCommand('backout', listing.id, store.stateDir)}\` ends it; ` +
        'only one run at a time.',
    );
  }
}

/**
 * The simulation's seed-derived id keeps dry runs reproducible; when a run of the same scenario
 * already has it in this state directory, the new run gets a fresh id instead.
 */
function newStoredRunId(store: RunStore, aws: AwsContext): string {
  const taken = (id: string) => existsSync(join(store.runDir(id), 'run.json'));
  if (aws.runId !== undefined && !taken(aws.runId)) return aws.runId;
  let id = newRunId(aws.clock.now());
  while (taken(id)) id = newRunId(aws.clock.now());
  return id;
}

/** `--from-wave`: reads the waves before it in DRS; refuses (exit 3) unless they all failed back. */
async function readSkippedWaves(
  options: RunOptions,
  plan: Plan,
  aws: AwsContext,
  earlierWorld: EarlierWorld | null,
): Promise<EarlierWaves | undefined> {
  if (options.fromWave === undefined || waveIndexOf(plan, options.fromWave) <= 0) return undefined;
  const events: RunEventBody[] = [];
  const collect: EmitEvent = (body) => {
    events.push(body);
  };
  const instrument = (drs: DrsSender, region: string, account?: string) =>
    instrumentClient(drs, {
      service: 'drs',
      region,
      emit:
        account === undefined
          ? collect
          : (body) => collect(body.type === 'aws.request' ? { ...body, account } : body),
    });
  const drs = instrument(aws.clients.drs, aws.region);
  const drsOf = drsOfWave(plan, aws, instrument);
  try {
    return await aws.drive(readEarlierWaves({ plan, fromWave: options.fromWave, drs, drsOf, events }));
  } catch (error) {
    if (error instanceof WavesNotFailedBackError && aws.simulated && earlierWorld === null) {
      error.message +=
        ' (Simulated: no finished run of this plan and scenario in the state directory left a world to continue in.)';
    }
    throw error;
  }
}

export async function run(options: RunOptions, io: CliIO, deps: RunDeps = {}): Promise<RunSummary> {
  const planText = await readPlanText(options.plan);
  const plan = parsePlan(planText, options.plan);
  checkFromWave(plan, options.fromWave);
  const log = createCliLogger(options, io);
  const { aws, earlierWorld } = await awsContextFromWave(plan, options, io);
  const store = openStore(options.stateDir, () => aws.clock.now());
  refuseOverInterruptedRun(store, plan);
  const runId = newStoredRunId(store, aws);
  // Who the run acts as, before anything else: a wrong account stops here, before the run exists.
  const identity = await readCallerIdentity(aws);
  // Then, with --from-wave, whether the waves before it did fail back: refused here when not.
  const earlierWaves = await readSkippedWaves(options, plan, aws, earlierWorld);
  // Takes the plan's and its servers' locks before anything is sent: a second run of the plan,
  // or of one sharing a server, is refused here with RunLockedError naming the active run.
  // A simulated run is recorded as one in run.json, with its world written before it: from the
  // instant the run exists it can only ever continue in that world.
  const stored = store.create(plan, planText, runId, {
    planFile: resolve(options.plan),
    ...(options.simulate !== undefined
      ? {
          simulation: simulationRecord(options.simulate),
          writeWorld: (file: string) => aws.keepWorldIn(file),
        }
      : {}),
  });
  let failback: FailbackRun;
  const gate = createStopGate();
  try {
    failback = createStoredRun(stored, {
      beforeSend: gate.beforeSend,
      clients: aws.clients,
      clock: aws.clock,
      log,
      region: aws.region,
      simulated: aws.simulated,
      identity,
      ...(earlierWaves ? { earlierWaves } : {}),
      ...(aws.probes ? { probes: aws.probes } : {}),
      ...(aws.writes ? { writes: aws.writes } : {}),
    });
  } catch (error) {
    stored.releaseLocks();
    stored.close();
    throw error;
  }
  const p = palette(useColor(io));
  const session: DriveSession = {
    failback,
    stored,
    aws,
    gate,
    json: options.json,
    ...(options.heartbeat !== undefined ? { heartbeatMs: options.heartbeat } : {}),
    yes: options.yes,
    rerun: { plan: options.plan, ...(options.simulate !== undefined ? { simulate: options.simulate } : {}) },
    intro: [...planLines(summarizePlan(plan), p), ...identityLines(identity.identities, aws, p), ''],
  };
  if (options.web === undefined) return driveRun(session, io, deps);
  // The web server loads only when asked for.
  const { driveWithWebView } = await import('../web.js');
  return driveWithWebView(session, options.web, io, deps);
}
