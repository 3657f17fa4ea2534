// `--from-wave <name>` of `run` and `check`: the name must be one of the plan's waves, and under
// --simulate the command continues in the world the latest finished run of the plan left, where
// the waves before it did fail back (as AWS keeps what a run did).
import { resolve } from 'node:path';
import type { WavePlan } from '../../machines/types.js';
import type { DrsSender } from '../aws/clients.js';
import { targetKey, waveTarget } from '../plan/targets.js';
import type { Plan } from '../plan/types.js';
import { waveIndexOf } from '../run/continue.js';
import { clientsForTarget } from '../run/targets.js';
import { type AwsContext, type AwsContextOptions, createAwsContext } from './aws-context.js';
import { UsageError } from './errors.js';
import { mfaPrompt } from './identity.js';
import { type CliIO, writeLine } from './io.js';
import { openStore, savedSimulation } from './run-state.js';

/** `--from-wave`: the name must be one of the plan's waves (exit 2, naming them, before any call). */
export function checkFromWave(plan: Plan, fromWave: string | undefined): void {
  if (fromWave === undefined || waveIndexOf(plan, fromWave) >= 0) return;
  throw new UsageError(
    `--from-wave ${fromWave}: plan ${plan.name} has no wave of that name; its waves are: ${plan.waves.map((w) => w.name).join(', ')}`,
  );
}

/** The world an earlier simulated run left: a simulated run continued with --from-wave goes on in it. */
export interface EarlierWorld {
  runId: string;
  world: string;
}

/**
 * The latest simulated run of this plan and scenario in the state directory, whose world a
 * `--from-wave` run continues in (as AWS keeps what the earlier run did); null: none.
 */
export function earlierSimulatedWorld(stateDir: string, plan: Plan, scenario: string): EarlierWorld | null {
  const store = openStore(stateDir);
  const scenarioPath = resolve(scenario);
  const candidates = store
    .list()
    .filter((l) => l.plan === plan.name && l.simulated && l.outcome !== null)
    .sort((a, b) => a.startedWallClock.localeCompare(b.startedWallClock) || a.id.localeCompare(b.id));
  for (const listing of candidates.reverse()) {
    try {
      const saved = savedSimulation(store.open(listing.id));
      if (saved?.record.scenario === scenarioPath) return { runId: listing.id, world: saved.world };
    } catch {
      // A damaged earlier run is no world to continue in; an older one may be.
    }
  }
  return null;
}

/**
 * The AWS context of `run` and `check`: with `--from-wave` under `--simulate`, in the world the
 * earlier run left. Says on stderr which saved world a simulated command continues in.
 */
export async function awsContextFromWave(
  plan: Plan,
  options: AwsContextOptions & { stateDir: string; fromWave?: string; json?: boolean },
  io: CliIO,
): Promise<{ aws: AwsContext; earlierWorld: EarlierWorld | null }> {
  const earlierWorld =
    options.fromWave !== undefined && options.simulate !== undefined
      ? earlierSimulatedWorld(options.stateDir, plan, options.simulate)
      : null;
  const aws = await createAwsContext(plan, {
    ...options,
    env: io.env,
    ...mfaPrompt(io),
    ...(earlierWorld ? { simulatedWorld: earlierWorld.world } : {}),
  });
  if (aws.preparedWorld !== undefined && !options.json) {
    writeLine(io.stderr, `simulation: continuing in the world \`prepare\` left (${aws.preparedWorld})`);
  }
  if (earlierWorld !== null && !options.json) {
    writeLine(io.stderr, `simulation: continuing in the world run ${earlierWorld.runId} left (--from-wave)`);
  }
  return { aws, earlierWorld };
}

/**
 * `--from-wave`: DRS where each earlier wave acts (its account and region), instrumented by
 * `instrument` (built once per account and region), so the waves before it are read where their
 * recovery instances are.
 */
export function drsOfWave(
  plan: Plan,
  aws: Pick<AwsContext, 'clients' | 'region'>,
  instrument: (drs: DrsSender, region: string, account?: string) => DrsSender,
): (wave: WavePlan) => DrsSender {
  const built = new Map<string, DrsSender>();
  return (wave) => {
    const target = waveTarget(plan, wave, aws.region);
    const key = targetKey(target);
    let drs = built.get(key);
    if (!drs) {
      drs = instrument(clientsForTarget(aws.clients, target, aws.region).drs, target.region, target.account);
      built.set(key, drs);
    }
    return drs;
  };
}
