// Continuing a plan whose earlier waves failed back in an earlier run (`run --from-wave <name>`).
// The operator names the wave to start at; DRS must confirm that every server of every wave before
// it failed back (its recovery instance FAILBACK_COMPLETED) before those waves are skipped. A wave
// DRS does not confirm whole (one server not failed back, an EC2-origin server whose failback the
// DR region cannot show) is not skipped: the run is refused before it exists, saying why, with
// nothing sent but the read.
import { FailbackState, type RecoveryInstance } from '@aws-sdk/client-drs';
import type { WavePlan } from '../../machines/types.js';
import { describeRecoveryInstances } from '../actors/describe-recovery-instances.js';
import type { DrsSender } from '../aws/clients.js';
import type { RunEventBody } from '../events.js';
import type { Plan } from '../plan/types.js';

/** The `check` of each server of a skipped wave. */
export const ALREADY_FAILED_BACK = 'already-failed-back';

export type AlreadyFailedBackData = {
  /** Every recovery instance DRS lists for the server (one is expected). */
  recoveryInstanceIds: string[];
  /** failback.state of the single recovery instance; null when absent or not exactly one. */
  failbackState: string | null;
  /** originEnvironment of the single recovery instance (`AWS`: EC2 origin); null when absent. */
  originEnvironment: string | null;
  fromWave: string;
};

export interface ServerJudgement {
  server: string;
  failedBack: boolean;
  detail: string;
  data: AlreadyFailedBackData;
}

export interface WaveJudgement {
  wave: string;
  /** Every server failed back: the wave is skipped. */
  failedBack: boolean;
  servers: ServerJudgement[];
}

/** What a run that starts at `fromWave` found about the waves before it. */
export interface EarlierWaves {
  fromWave: string;
  /** Index of `fromWave` in the plan: the plan machine's `startAtWave`. */
  startAtWave: number;
  waves: WaveJudgement[];
  /** The read's `aws.request`/`aws.response` and one `check` per server, unstamped, in order. */
  events: RunEventBody[];
}

/** Some wave before `--from-wave` is not (wholly) failed back: refused, exit 3, nothing changed. */
export class WavesNotFailedBackError extends Error {
  override name = 'WavesNotFailedBackError';
}

/** Index of the wave named `fromWave`, or -1. */
export const waveIndexOf = (plan: Pick<Plan, 'waves'>, fromWave: string): number =>
  plan.waves.findIndex((w) => w.name === fromWave);

/** Whether one server's recovery instances show a finished failback; pure. */
export function judgeServer(
  server: string,
  instances: RecoveryInstance[],
  fromWave: string,
): ServerJudgement {
  const mine = instances.filter((ri) => ri.sourceServerID === server);
  const only = mine.length === 1 ? mine[0] : undefined;
  const state = (only?.failback?.state as string | undefined) ?? null;
  const origin = (only?.originEnvironment as string | undefined) ?? null;
  const data: AlreadyFailedBackData = {
    recoveryInstanceIds: mine.map((ri) => ri.recoveryInstanceID ?? '').filter((id) => id !== ''),
    failbackState: state,
    originEnvironment: origin,
    fromWave,
  };
  const no = (detail: string): ServerJudgement => ({ server, failedBack: false, detail, data });
  if (!only) {
    return no(
      mine.length === 0
        ? 'DRS lists no recovery instance for it: not failed back by an earlier run'
        : `DRS lists ${mine.length} recovery instances for it: which one failed back is unclear`,
    );
  }
  if (origin === 'AWS') {
    // The EC2-origin flow launches in the origin region; the DR recovery instance's failback
    // state does not record it (ASSUMED from DRS's model: failback.state is the Failback Client's).
    return no(
      'it came from EC2: its failback (StartRecovery in the origin region) is not recorded in the DR region, so DRS cannot confirm it here',
    );
  }
  if (state !== FailbackState.FAILBACK_COMPLETED) {
    return no(
      `its recovery instance ${only.recoveryInstanceID} is ${state ?? 'in no failback state'}, not FAILBACK_COMPLETED`,
    );
  }
  return {
    server,
    failedBack: true,
    detail: `recovery instance ${only.recoveryInstanceID} is FAILBACK_COMPLETED: failed back by an earlier run; skipped (--from-wave ${fromWave})`,
    data,
  };
}

/** A wave is skipped only when every one of its servers failed back; pure. */
export function judgeWave(wave: WavePlan, instances: RecoveryInstance[], fromWave: string): WaveJudgement {
  const servers = wave.servers.map((s) => judgeServer(s.sourceServerID, instances, fromWave));
  return { wave: wave.name, failedBack: servers.every((s) => s.failedBack), servers };
}

/** The sentence of a refusal: each wave not skipped, and why. */
export function notFailedBackMessage(earlier: Pick<EarlierWaves, 'fromWave' | 'waves'>): string {
  const refused = earlier.waves.filter((w) => !w.failedBack);
  const lines = refused.map((w) => {
    const done = w.servers.filter((s) => s.failedBack).length;
    const partly = done > 0 ? ` (only ${done} of ${w.servers.length} server(s) failed back)` : '';
    const why = w.servers
      .filter((s) => !s.failedBack)
      .map((s) => `${s.server}: ${s.detail}`)
      .join('; ');
    return `wave ${w.wave} is not skipped${partly}: ${why}.`;
  });
  return (
    `--from-wave ${earlier.fromWave}: the waves before it must have failed back whole, as DRS shows; ${lines.join(' ')} ` +
    'Nothing was sent (only DescribeRecoveryInstances). Start from the first wave that did not fail back; a wave ' +
    'that failed back in part needs a plan that lists only its servers still to fail back.'
  );
}

export interface ReadEarlierWavesOptions {
  plan: Plan;
  fromWave: string;
  /** DRS of the DR region, instrumented with an emit that collects into `events`. */
  drs: DrsSender;
  /**
   * DRS where a wave acts (its account and region, plan keys waves[].account/region), instrumented
   * likewise; absent: every wave is read with `drs`.
   */
  drsOf?: (wave: WavePlan) => DrsSender;
  /** Where the instrumented client's events went (the same array `events` of the result holds). */
  events: RunEventBody[];
}

/**
 * Reads the recovery instances of every server of the waves before `fromWave` (one paged
 * DescribeRecoveryInstances per account and region they act in) and judges each wave. Throws WavesNotFailedBackError when one is not
 * wholly failed back; `fromWave` must name a wave of the plan (the caller checks it).
 */
export async function readEarlierWaves(options: ReadEarlierWavesOptions): Promise<EarlierWaves> {
  const earlier = await judgeEarlierWaves(options);
  if (earlier.waves.some((w) => !w.failedBack))
    throw new WavesNotFailedBackError(notFailedBackMessage(earlier));
  return earlier;
}

/** As readEarlierWaves, without refusing: `check --from-wave` reports each wave's judgement. */
export async function judgeEarlierWaves(options: ReadEarlierWavesOptions): Promise<EarlierWaves> {
  const { plan, fromWave, drs, events } = options;
  const startAtWave = waveIndexOf(plan, fromWave);
  if (startAtWave < 0) throw new Error(`no wave ${fromWave} in plan ${plan.name}`);
  const before = plan.waves.slice(0, startAtWave);
  // One paged read per account and region the waves act in, in the order of the waves.
  const byDrs = new Map<DrsSender, string[]>();
  for (const wave of before) {
    const sender = options.drsOf?.(wave) ?? drs;
    byDrs.set(sender, [...(byDrs.get(sender) ?? []), ...wave.servers.map((s) => s.sourceServerID)]);
  }
  const instances: RecoveryInstance[] = [];
  for (const [sender, ids] of byDrs) {
    if (ids.length > 0)
      instances.push(...(await describeRecoveryInstances(sender, { sourceServerIDs: ids })));
  }
  const waves = before.map((w) => judgeWave(w, instances, fromWave));
  for (const w of waves) {
    for (const s of w.servers) {
      events.push({
        type: 'check',
        wave: w.wave,
        server: s.server,
        name: ALREADY_FAILED_BACK,
        status: s.failedBack ? 'pass' : 'fail',
        detail: s.detail,
        data: s.data,
      });
    }
  }
  return { fromWave, startAtWave, waves, events };
}
