// `drs-failback prepare <plan>`: ReverseReplication of the plan's EC2-origin servers ahead of the
// failback (asked on a terminal, --yes from a script), then their replication back to the origin
// region; with --watch, polled until every one is CONTINUOUS within the RPO or Ctrl-C.
import { eventStamper, type RunEventBody } from '../../events.js';
import { loadPlan } from '../../plan/load.js';
import { planTargets } from '../../plan/targets.js';
import { type PreparedServer, type PrepareResult, prepareReverseReplication } from '../../prepare/index.js';
import { newRunId } from '../../run-id.js';
import { readReversals, recordReversals } from '../../store/reversals.js';
import { createAwsContext } from '../aws-context.js';
import { identityLines, mfaPrompt } from '../identity.js';
import { type CliIO, isInteractive, type Palette, palette, useColor, writeLine } from '../io.js';
import { createCliLogger } from '../logging.js';
import type { PrepareOptions } from '../options.js';
import { planLines, summarizePlan } from '../render.js';

export interface PrepareSummary extends PrepareResult {
  /** Id stamped on the command's events (no run is created). */
  runId: string;
}

/** What the command needs from its surroundings; defaults are the real ones. */
export interface PrepareDeps {
  /** Asks on the terminal; true: send. */
  confirm?: (message: string, io: CliIO) => Promise<boolean>;
  /** Where SIGINT/SIGTERM come from; tests pass an EventEmitter. */
  signals?: Pick<NodeJS.EventEmitter, 'on' | 'off'>;
}

const INTERRUPT_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** The question before ReverseReplication: which call, for what, where, and what it starts. */
export function reverseReplicationQuestion(drRegion: string, servers: readonly PreparedServer[]): string {
  const regions = [...new Set(servers.map((s) => s.originRegion ?? 'its origin region'))].join(', ');
  const ids = servers.map((s) => `${s.sourceServerID} (recovery instance ${s.recoveryInstanceID ?? '?'})`);
  return (
    `ReverseReplication in ${drRegion} for ${servers.length} server(s): ${ids.join(', ')}. ` +
    `DRS creates a source server in ${regions} for each and replicates the recovery instance back there; ` +
    'the recovery instances keep serving. Send it?'
  );
}

async function askOnTerminal(message: string, io: CliIO): Promise<boolean> {
  const { confirm, isCancel } = await import('@clack/prompts');
  const answer = await confirm({
    message,
    active: 'Yes, reverse the replication',
    inactive: 'No, send nothing',
    initialValue: false,
    input: io.stdin,
    output: io.stdout,
  });
  return !isCancel(answer) && answer === true;
}

function actionLine(s: PreparedServer, p: Palette): string {
  const paint =
    s.action === 'reversed' || s.action === 'already-reversed'
      ? p.green
      : s.action === 'not-applicable'
        ? p.dim
        : s.action === 'not-sent'
          ? p.yellow
          : p.red;
  const detail = s.action === 'unresolved' ? `unresolved: ${s.detail}` : s.detail;
  return `  ${s.wave}  ${s.sourceServerID}  ${paint(detail)}`;
}

/** The replication of the reversed servers, as a table. */
export function replicationLines(servers: readonly PreparedServer[], p: Palette): string[] {
  const rows = servers.flatMap((s) =>
    s.replication
      ? [
          {
            wave: s.wave,
            server: s.sourceServerID,
            region: s.replication.region,
            reversed: s.replication.reversedSourceServerID,
            state: s.replication.state ?? 'unknown',
            lag: s.replication.lagDuration ?? '-',
            ready: s.replication.ready,
            why: s.replication.ready
              ? ''
              : [s.replication.stateCheck, s.replication.lagCheck]
                  .filter((c) => c.status === 'fail')
                  .map((c) => c.detail)
                  .join('; '),
          },
        ]
      : [],
  );
  if (rows.length === 0) return [];
  const header = {
    wave: 'WAVE',
    server: 'SERVER',
    region: 'ORIGIN REGION',
    reversed: 'REVERSED SOURCE SERVER',
    state: 'STATE',
    lag: 'LAG',
  };
  type Key = keyof typeof header;
  const width = (k: Key) => Math.max(header[k].length, ...rows.map((r) => r[k].length));
  const keys: Key[] = ['wave', 'server', 'region', 'reversed', 'state', 'lag'];
  const line = (cells: Record<Key, string>) => keys.map((k) => cells[k].padEnd(width(k))).join('  ');
  return [
    p.bold(`${line(header)}  READY`),
    ...rows.map(
      (r) => `${line(r)}  ${r.ready ? p.green('yes') : `${p.yellow('not yet')}${r.why ? `: ${r.why}` : ''}`}`,
    ),
  ];
}

export async function prepare(
  options: PrepareOptions,
  io: CliIO,
  deps: PrepareDeps = {},
): Promise<PrepareSummary> {
  const plan = await loadPlan(options.plan);
  const log = createCliLogger(options, io);
  const aws = await createAwsContext(plan, {
    ...options,
    env: io.env,
    ...mfaPrompt(io),
    stateDir: options.stateDir,
    keepScenarioWorld: true,
  });
  const runId = newRunId(aws.clock.now());
  const p = palette(useColor(io));
  const say = (line = '') => {
    if (!options.json) writeLine(io.stdout, line);
  };
  const stamp = eventStamper(runId, aws.clock);
  const emit = (body: RunEventBody): void => {
    if (options.json) writeLine(io.stdout, JSON.stringify(stamp(body)));
  };
  if (aws.preparedWorld !== undefined && !options.json) {
    writeLine(
      io.stderr,
      `simulation: continuing in the world an earlier prepare left (${aws.preparedWorld})`,
    );
  }
  // Who the command acts as, before anything else (a wrong account stops here).
  const identities = await aws.identify(emit);
  for (const line of planLines(summarizePlan(plan), p)) say(line);
  for (const line of identityLines(identities, aws, p)) say(line);
  say();

  const interactive = !options.json && isInteractive(io);
  let blocked = false;
  const confirm = async (toReverse: readonly PreparedServer[]): Promise<boolean> => {
    if (options.yes) return true;
    const question = reverseReplicationQuestion(aws.region, toReverse);
    if (!interactive) {
      blocked = true;
      return false;
    }
    return (deps.confirm ?? askOnTerminal)(question, io);
  };

  const controller = new AbortController();
  const signals = deps.signals ?? process;
  const onSignal = () => controller.abort();
  if (options.watch) for (const s of INTERRUPT_SIGNALS) signals.on(s, onSignal);
  // The ARNs earlier prepares of this plan recorded (in this DR region): the documented pointer to
  // each reversed source server (docs/operations.md).
  const regions = new Set(planTargets(plan, aws.region).map((t) => t.region));
  const recorded = new Map(
    [...readReversals(options.stateDir, plan.name)]
      .filter(([, r]) => regions.has(r.region))
      .map(([id, r]) => [id, r.reversedDirectionSourceServerArn] as const),
  );
  let result: PrepareResult;
  try {
    result = await aws.drive(
      prepareReverseReplication({
        plan,
        clients: aws.clients,
        clock: aws.clock,
        emit,
        log: log.child({ runId, command: 'prepare' }),
        region: aws.region,
        confirm,
        recorded,
        onReversal: (servers, drRegion) =>
          recordReversals(
            options.stateDir,
            plan.name,
            servers.flatMap((s) =>
              s.reversedDirectionSourceServerArn
                ? [
                    {
                      sourceServerID: s.sourceServerID,
                      region: drRegion,
                      ...(s.recoveryInstanceID ? { recoveryInstanceID: s.recoveryInstanceID } : {}),
                      reversedDirectionSourceServerArn: s.reversedDirectionSourceServerArn,
                      at: new Date(aws.clock.now()).toISOString(),
                    },
                  ]
                : [],
            ),
          ),
        ...(options.watch
          ? { watch: { intervalMs: plan.polling.intervalMs, signal: controller.signal } }
          : {}),
        onReading: (servers) => {
          if (!options.watch) return;
          const reversed = servers.filter((s) => s.replication);
          const ready = reversed.filter((s) => s.replication?.ready).length;
          say(
            `${new Date(aws.clock.now()).toISOString()}  ${ready}/${reversed.length} reversed server(s) CONTINUOUS within the RPO`,
          );
        },
      }),
    );
  } finally {
    if (options.watch) for (const s of INTERRUPT_SIGNALS) signals.off(s, onSignal);
    aws.saveWorld();
  }

  if (options.watch) say();
  for (const s of result.servers) say(actionLine(s, p));
  const table = replicationLines(result.servers, p);
  if (table.length > 0) {
    say();
    say(`Replication back to the origin region, at ${new Date(aws.clock.now()).toISOString()}:`);
    for (const line of table) say(line);
  }
  say();
  const ec2Origin = result.servers.filter((s) => s.action !== 'not-applicable');
  if (blocked) {
    writeLine(
      io.stderr,
      `drs-failback: prepare would send ReverseReplication for ${ec2Origin.filter((s) => s.action === 'not-sent').length} server(s), ` +
        'and without a terminal nothing can ask first. Re-run with --yes to send it, or run it on a terminal to be asked. ' +
        'Nothing was sent.',
    );
  } else if (result.declined) {
    say(p.yellow('Declined: no ReverseReplication was sent; nothing was changed.'));
  } else if (ec2Origin.length === 0) {
    say(
      'No EC2-origin server in this plan: nothing to prepare (on-premises servers use the Failback Client).',
    );
  } else if (result.ready) {
    say(
      `${p.green('READY')}: every EC2-origin server replicates back to its origin region, CONTINUOUS within the RPO` +
        `${aws.simulated ? ' (simulated)' : ''}. \`drs-failback check ${options.plan}\` confirms it.`,
    );
  } else {
    const failed = ec2Origin.filter((s) => s.action === 'failed' || s.action === 'unresolved');
    say(
      `${p.yellow('NOT READY YET')}: ${failed.length > 0 ? `${failed.length} server(s) could not be reversed (see above); ` : ''}` +
        (result.interrupted
          ? 'the watch was stopped before every server was CONTINUOUS within the RPO. '
          : 'replication is catching up. ') +
        `\`drs-failback prepare ${options.plan} --watch\` waits for it; running prepare again never reverses a server twice.`,
    );
  }
  return { ...result, ready: result.ready && !blocked, runId };
}
