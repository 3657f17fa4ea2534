// Reopens a stored run for `resume` and `backout`: refuses an unknown, finished or live-driven
// run before anything is sent, rebuilds its AWS (the same simulated world for a simulated run)
// and restores it with resumeRun.
import type { CallerIdentity } from '../aws/identity.js';
import { createStopGate, type StopGate } from '../aws/stop-gate.js';
import type { RunEvent } from '../events.js';
import { resumeRun } from '../resume.js';
import type { FailbackRun } from '../run.js';
import { RunFinishedError } from '../store/errors.js';
import type { RunStore, StoredRun } from '../store/run-store.js';
import { type AwsContext, createAwsContext } from './aws-context.js';
import { AwsSetupError } from './errors.js';
import { mfaPrompt, readCallerIdentity } from './identity.js';
import type { CliIO } from './io.js';
import { createCliLogger } from './logging.js';
import type { CommonOptions } from './options.js';
import { openStore, savedSimulation } from './run-state.js';

export interface ReopenOptions extends CommonOptions {
  runId: string;
  speed?: number;
}

export interface ReopenedRun {
  failback: FailbackRun;
  stored: StoredRun;
  aws: AwsContext;
  /** The run's event log as this process found it. */
  history: RunEvent[];
  /** Where the run stood: `wave databases: monitoringJob`, ... */
  state: string;
  /** Who this process acts as (GetCallerIdentity), read before anything else. */
  identities: CallerIdentity[];
  /** Refuses a call past the point of no return once a stop is asked for, until one was sent. */
  gate: StopGate;
}

export async function reopenRun(options: ReopenOptions, io: CliIO): Promise<ReopenedRun> {
  // Locks are stamped with the run's clock: the simulation's once it is loaded.
  let now: () => number = Date.now;
  const store = openStore(options.stateDir, () => now());
  const stored = store.open(options.runId);
  const history = stored.readEvents();
  const outcome = stored.finishedOutcome(history);
  if (outcome !== null) throw new RunFinishedError(options.runId, outcome);
  const state = stored.listing().state;
  // Refused here, before any AWS set-up, when a live process drives the run (RunLockedError).
  // resumeRun takes the same locks again: re-entrant for this process.
  stored.lock();
  try {
    return await reopenLocked(options, io, store, stored, history, state, (clock) => {
      now = clock;
    });
  } catch (error) {
    // Refused after taking the locks: undo only what this attempt took.
    stored.rollbackLocks();
    throw error;
  }
}

async function reopenLocked(
  options: ReopenOptions,
  io: CliIO,
  store: RunStore,
  stored: StoredRun,
  history: RunEvent[],
  state: string,
  useClock: (now: () => number) => void,
): Promise<ReopenedRun> {
  const plan = stored.plan();
  const simulation = savedSimulation(stored);
  if (simulation === null && options.speed !== undefined) {
    throw new AwsSetupError(`--speed only applies to simulated runs; run ${options.runId} runs against AWS`);
  }
  // The clients follow run.json's record: a simulated run gets its saved world and nothing else.
  const aws = await createAwsContext(plan, {
    ...(options.region !== undefined ? { region: options.region } : {}),
    ...(options.profile !== undefined ? { profile: options.profile } : {}),
    ...(options.speed !== undefined ? { speed: options.speed } : {}),
    ...(simulation === null ? {} : { simulatedWorld: simulation.world }),
    env: io.env,
    ...mfaPrompt(io),
  });
  if (simulation !== null && !aws.simulated) throw new Error('a simulated run was given real AWS clients');
  useClock(() => aws.clock.now());
  if (simulation !== null) aws.keepWorldIn(simulation.worldFile);
  // Who this process acts as, before anything else; the run logs the reads after its run.started.
  const identity = await readCallerIdentity(aws);
  const gate = createStopGate();
  for (const event of history) if (event.type === 'aws.request') gate.markSent(event.operation);
  const failback = await resumeRun({
    beforeSend: gate.beforeSend,
    store,
    runId: options.runId,
    clients: aws.clients,
    clock: aws.clock,
    log: createCliLogger(options, io),
    simulated: aws.simulated,
    identity,
    ...(aws.probes ? { probes: aws.probes } : {}),
    ...(aws.writes ? { writes: aws.writes } : {}),
  });
  return { failback, stored, aws, history, state, gate, identities: identity.identities };
}
