// `drs-failback check <plan>`: every wave's precheck, read-only, as a readiness report.

import type { Logger } from 'pino';
import { isEc2Origin } from '../../../machines/types.js';
import { createAwsActors, createNetworkProbeRunner } from '../../actors/index.js';
import type { FailbackActivities } from '../../actors/types.js';
import { AwsClock } from '../../aws/aws-clock.js';
import type { DrsSender } from '../../aws/clients.js';
import { instrumentAwsClients } from '../../aws/instrument.js';
import { type EmitEvent, eventStamper, type RunEventBody } from '../../events.js';
import { jobSettings } from '../../plan/jobs.js';
import { loadPlan } from '../../plan/load.js';
import type { Plan } from '../../plan/types.js';
import { judgeEarlierWaves, waveIndexOf } from '../../run/continue.js';
import { planActivities } from '../../run/targets.js';
import { newRunId } from '../../run-id.js';
import type { AwsContext } from '../aws-context.js';
import { awsContextFromWave, checkFromWave, drsOfWave } from '../from-wave.js';
import { identityLines } from '../identity.js';
import { type CliIO, palette, useColor, writeLine } from '../io.js';
import { createCliLogger } from '../logging.js';
import type { CheckOptions } from '../options.js';
import {
  type Ec2OriginServer,
  ec2OriginLines,
  planLines,
  type ReportRow,
  summarizePlan,
  tableLines,
} from '../render.js';

export interface CheckReport {
  /** Id stamped on the check's events (no run is created). */
  runId: string;
  ready: boolean;
  rows: ReportRow[];
  waves: { name: string; ready: boolean }[];
  /** Servers that came from EC2: where they fail back to, and their reversed replication. */
  ec2Origin: Ec2OriginServer[];
}

/** Each wave is checked where it acts (its account and region, plan keys waves[].account/region). */
function checkActivities(
  plan: Plan,
  region: string,
  aws: AwsContext,
  emit: EmitEvent,
  awsClock: AwsClock,
  log: Logger,
): FailbackActivities {
  return planActivities(plan, region, aws.clients, (clients, clientsRegion, account) => {
    const emitHere: EmitEvent =
      account === undefined
        ? emit
        : (body) => emit(body.type === 'aws.request' ? { ...body, account } : body);
    const { drs, ec2, regional } = instrumentAwsClients(
      clients,
      clientsRegion,
      emitHere,
      undefined,
      awsClock,
    );
    return createAwsActors({
      drs,
      ec2,
      ...(regional ? { regional } : {}),
      log,
      clock: aws.clock,
      awsClock,
      emit: emitHere,
      probes: aws.probes ?? createNetworkProbeRunner(),
    });
  });
}

export async function check(options: CheckOptions, io: CliIO): Promise<CheckReport> {
  const plan = await loadPlan(options.plan);
  checkFromWave(plan, options.fromWave);
  const log = createCliLogger(options, io);
  const { aws } = await awsContextFromWave(plan, options, io);
  const runId = newRunId(aws.clock.now());
  const rows: ReportRow[] = [];
  const stamp = eventStamper(runId, aws.clock);
  const emit = (body: RunEventBody): void => {
    const event = stamp(body);
    if (event.type === 'check') {
      rows.push({
        wave: event.wave,
        server: event.server,
        check: event.name,
        status: event.status,
        detail: event.detail,
        data: event.data,
      });
    }
    if (options.json) writeLine(io.stdout, JSON.stringify(event));
  };
  // Who the checks act as, before anything else (a wrong account stops here).
  const identities = await aws.identify(emit);
  const region = aws.region;
  const awsClock = new AwsClock(aws.clock);
  const activities = checkActivities(
    plan,
    region,
    aws,
    emit,
    awsClock,
    log.child({ runId, command: 'check' }),
  );

  const p = palette(useColor(io));
  if (!options.json) {
    for (const line of planLines(summarizePlan(plan), p)) writeLine(io.stdout, line);
    for (const line of identityLines(identities, aws, p)) writeLine(io.stdout, line);
    writeLine(io.stdout);
  }
  const rtoDeadlineAt = aws.clock.now() + plan.objectives.rtoMs;
  const waves: CheckReport['waves'] = [];
  const ec2Origin: Ec2OriginServer[] = [];
  const startAt = options.fromWave !== undefined ? waveIndexOf(plan, options.fromWave) : 0;
  if (options.fromWave !== undefined && startAt > 0) {
    // The waves before it: failed back whole, as `run --from-wave` requires (one read, a check each).
    const checks: RunEventBody[] = [];
    // Each earlier wave is read where it acts (its account and region).
    const instrument = (drs: DrsSender, drsRegion: string, account?: string) =>
      instrumentAwsClients(
        { drs, ec2: aws.clients.ec2 },
        drsRegion,
        account === undefined
          ? emit
          : (body) => emit(body.type === 'aws.request' ? { ...body, account } : body),
        undefined,
        awsClock,
      ).drs;
    const drs = instrument(aws.clients.drs, region);
    const drsOf = drsOfWave(plan, aws, instrument);
    const earlier = await aws.drive(
      judgeEarlierWaves({ plan, fromWave: options.fromWave, drs, drsOf, events: checks }),
    );
    for (const body of checks) emit(body);
    for (const w of earlier.waves) waves.push({ name: w.wave, ready: w.failedBack });
  }
  for (const wave of plan.waves.slice(startAt)) {
    const output = await aws.drive(
      activities.precheck({
        runId,
        wave: wave.name,
        servers: wave.servers,
        rpoMs: plan.objectives.rpoMs,
        rtoDeadlineAt,
        jobs: jobSettings(plan),
      }),
    );
    waves.push({ name: wave.name, ready: output.ok });
    for (const server of output.servers.filter(isEc2Origin)) {
      const entry: Ec2OriginServer = { wave: wave.name, sourceServerID: server.sourceServerID };
      if (server.originRegion) entry.originRegion = server.originRegion;
      if (server.reversedSourceServerID) entry.reversedSourceServerID = server.reversedSourceServerID;
      ec2Origin.push(entry);
    }
  }
  const ready = waves.every((w) => w.ready);
  if (!options.json) {
    for (const line of tableLines(rows, p)) writeLine(io.stdout, line);
    writeLine(io.stdout);
    const origin = ec2OriginLines(ec2Origin, rows, p);
    for (const line of origin) writeLine(io.stdout, line);
    if (origin.length > 0) writeLine(io.stdout);
    const failed = rows.filter((r) => r.status === 'fail').length;
    const warned = rows.filter((r) => r.status === 'warn').length;
    writeLine(
      io.stdout,
      ready
        ? `${p.green('READY')}: every precheck passed${warned ? ` (${warned} warning(s))` : ''}${aws.simulated ? ' (simulated)' : ''}; nothing was changed.`
        : `${p.red('NOT READY')}: ${failed} check(s) failed in wave(s) ${waves
            .filter((w) => !w.ready)
            .map((w) => w.name)
            .join(', ')}; nothing was changed.`,
    );
  }
  return { runId, ready, rows, waves, ec2Origin };
}
