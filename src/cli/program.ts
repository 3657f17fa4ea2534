// The command line's declarations only: commands, arguments, options and help examples.
// Commands are imported lazily by the entry point, so `--help` loads commander and nothing else.
import { Argument, Command, Option } from 'commander';
import { defaultStateDir } from '../store/state-dir.js';
import {
  type BackoutOptions,
  type CheckOptions,
  type CommonOptions,
  type DiagramOptions,
  type IamPolicyOptions,
  LOG_LEVELS,
  type PrepareOptions,
  parseDiagramFormat,
  parseDiagramMachine,
  parseHeartbeat,
  parseLogLevel,
  parsePort,
  parseRegion,
  parseReportFormat,
  parseSpeed,
  type ReportOptions,
  type ResumeOptions,
  type RunOptions,
  type StatusOptions,
  type ValidateOptions,
  type WatchOptions,
  type WebOptions,
} from './options.js';

export type ParsedCommand =
  | { command: 'validate'; options: ValidateOptions }
  | { command: 'check'; options: CheckOptions }
  | { command: 'run'; options: RunOptions }
  | { command: 'resume'; options: ResumeOptions }
  | { command: 'status'; options: StatusOptions }
  | { command: 'backout'; options: BackoutOptions }
  | { command: 'report'; options: ReportOptions }
  | { command: 'watch'; options: WatchOptions }
  | { command: 'diagram'; options: DiagramOptions }
  | { command: 'iam-policy'; options: IamPolicyOptions }
  | { command: 'prepare'; options: PrepareOptions }
  | { command: 'export'; options: ExportOptions }
  | { command: 'approve' | 'refuse'; options: AnswerCommandOptions };

/** `approve` / `refuse`: answer a pending approval of a run on Step Functions. */
export interface AnswerCommandOptions {
  runId: string;
  wave?: string;
  table: string;
  region?: string;
  profile?: string;
  json: boolean;
}

/** `export sfn`: where the generated Amazon States Language goes. */
export interface ExportOptions {
  what: 'sfn';
  out: string;
}

export interface ProgramOutput {
  writeOut(text: string): void;
  writeErr(text: string): void;
}

const RUN_ID_EXAMPLE = 'run-20260101T000000Z-k3x9q2';

function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}

/** `--origin-region a --origin-region b` : each checked, kept in order. */
function collectRegions(value: string, previous: string[] | undefined): string[] {
  const region = parseRegion(value);
  const list = previous ?? [];
  return list.includes(region) ? list : [...list, region];
}

/** Which of the common options a command takes: only those it uses appear in its --help. */
interface CommonUse {
  /** --region and --profile: the command talks to AWS. */
  aws?: boolean;
  /** --json, with what it prints: `stream` (NDJSON events) or `document` (one JSON document). */
  json?: 'stream' | 'document' | 'quiet';
  /** --log-file and --log-level. */
  log?: boolean;
  /** --state-dir. */
  stateDir?: boolean;
}

const JSON_HELP: Record<NonNullable<CommonUse['json']>, string> = {
  stream: 'machine-readable output: the event stream as NDJSON on stdout',
  document: 'machine-readable output: one JSON document on stdout',
  quiet: 'prints only the JSON document (no notes on stderr)',
};

function withCommonOptions(cmd: Command, use: CommonUse): Command {
  if (use.aws) {
    cmd
      .addOption(
        new Option('--region <region>', 'AWS region (default: the plan region)').argParser(parseRegion),
      )
      .option('--profile <name>', 'AWS shared-config profile (default: the usual credential chain)');
  }
  if (use.json) cmd.option('--json', JSON_HELP[use.json], false);
  if (use.log) {
    cmd
      .option('--log-file <path>', 'write logs to this file instead of stderr')
      .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS).argParser(parseLogLevel));
  }
  if (use.stateDir) {
    cmd.option(
      '--state-dir <dir>',
      'where runs keep their state (default: $DRS_FAILBACK_STATE_DIR, else $XDG_STATE_HOME/drs-failback or ~/.local/state/drs-failback)',
    );
  }
  return cmd;
}

const AWS_COMMAND: CommonUse = { aws: true, json: 'stream', log: true, stateDir: true };

/** Reads the common options from commander's parsed values. */
function common(opts: Record<string, unknown>): CommonOptions {
  const out: CommonOptions = {
    json: opts.json === true,
    stateDir: typeof opts.stateDir === 'string' ? opts.stateDir : defaultStateDir(),
  };
  if (typeof opts.region === 'string') out.region = opts.region;
  if (typeof opts.profile === 'string') out.profile = opts.profile;
  if (typeof opts.logFile === 'string') out.logFile = opts.logFile;
  if (typeof opts.logLevel === 'string') out.logLevel = parseLogLevel(opts.logLevel);
  return out;
}

type OnCommand = (parsed: ParsedCommand) => void;

/** `--heartbeat` of the commands that drive a run. */
const heartbeatOption = () =>
  new Option(
    '--heartbeat <duration>',
    'output redirected (no terminal, no --json): print the run status this often (default 1m)',
  ).argParser(parseHeartbeat);

/** `--speed` of the commands that continue a stored run. */
const speedOption = () =>
  new Option('--speed <factor>', 'simulated runs only: virtual seconds per real second').argParser(
    parseSpeed,
  );

/** `drs-failback validate`. */
function validateCommand(program: Command, onCommand: OnCommand): void {
  withCommonOptions(
    program
      .command('validate')
      .description('check the plan file alone; no AWS call')
      .argument('<plan>', 'plan file (YAML or JSON)'),
    { json: 'document', log: true },
  )
    .addHelpText('after', examples(['drs-failback validate examples/plans/payments.yaml']))
    .action((plan: string, opts: Record<string, unknown>) => {
      onCommand({ command: 'validate', options: { ...common(opts), plan } });
    });
}

/** `drs-failback check`. */
function checkCommand(program: Command, onCommand: OnCommand): void {
  withCommonOptions(
    program
      .command('check')
      .description('run every precheck read-only and print a readiness report')
      .argument('<plan>', 'plan file (YAML or JSON)')
      .option('--simulate <scenario>', 'use the simulated AWS described by this scenario file')
      .option(
        '--from-wave <name>',
        'check from this wave, as `run --from-wave` would run it: the waves before it must have failed back',
      ),
    AWS_COMMAND,
  )
    .addHelpText(
      'after',
      examples([
        'drs-failback check plan.yaml --profile dr-operator',
        'drs-failback check plan.yaml --simulate scenario.yaml',
        'drs-failback check plan.yaml --json | jq -c \'select(.type == "check")\'',
      ]),
    )
    .action((plan: string, opts: Record<string, unknown>) => {
      const options: CheckOptions = { ...common(opts), plan };
      if (typeof opts.simulate === 'string') options.simulate = opts.simulate;
      if (typeof opts.fromWave === 'string') options.fromWave = opts.fromWave;
      onCommand({ command: 'check', options });
    });
}

/** `--web` of the commands that drive a run. */
const webOption = () =>
  new Option(
    '--web',
    'serve a live view of the run, with its approvals, on 127.0.0.1 (URL with token on stderr)',
  );

const portOption = (withWeb: boolean) =>
  new Option('--port <n>', `${withWeb ? 'with --web: ' : ''}the port (default: any free one)`).argParser(
    parsePort,
  );

const webHostOption = (withWeb: boolean) =>
  new Option(
    '--web-host <address>',
    `${withWeb ? 'with --web: ' : ''}serve on this interface instead of loopback (warned: anyone who reaches it and learns the URL gets in)`,
  );

/** `--port` and `--web-host` mean nothing without `--web`: a usage error, never silently ignored. */
function webOptionsOf(opts: Record<string, unknown>, command: Command): WebOptions | undefined {
  if (opts.web === true) return webOptions(opts);
  const given = [
    opts.port !== undefined ? '--port' : '',
    opts.webHost !== undefined ? '--web-host' : '',
  ].filter(Boolean);
  if (given.length > 0)
    command.error(`error: ${given.join(' and ')} ${given.length > 1 ? 'apply' : 'applies'} only with --web`, {
      exitCode: 2,
    });
  return undefined;
}

/** `--port` and `--web-host` of `--web`. */
function webOptions(opts: Record<string, unknown>): WebOptions {
  const web: WebOptions = {};
  if (typeof opts.port === 'number') web.port = opts.port;
  if (typeof opts.webHost === 'string') web.host = opts.webHost;
  return web;
}

/** `drs-failback run`. */
function runCommand(program: Command, onCommand: OnCommand): void {
  withCommonOptions(
    program
      .command('run')
      .description('execute the failback; guided on a terminal')
      .argument('<plan>', 'plan file (YAML or JSON)')
      .option('--simulate <scenario>', 'use the simulated AWS described by this scenario file')
      .option('--yes', 'approve every point of no return without asking (scripts)', false)
      .option(
        '--from-wave <name>',
        'start at this wave: the waves before it failed back in an earlier run (DRS must show every server FAILBACK_COMPLETED)',
      )
      .addOption(
        new Option('--speed <factor>', 'simulation only: virtual seconds per real second').argParser(
          parseSpeed,
        ),
      )
      .addOption(heartbeatOption())
      .addOption(webOption())
      .addOption(portOption(true))
      .addOption(webHostOption(true)),
    AWS_COMMAND,
  )
    .addHelpText(
      'after',
      examples([
        'drs-failback run plan.yaml                       # guided: asks before each point of no return',
        'drs-failback run plan.yaml --yes --json > events.ndjson',
        'drs-failback run plan.yaml --simulate scenario.yaml --speed 600',
        'drs-failback run plan.yaml --from-wave app       # waves before app failed back in an earlier run',
        'drs-failback run plan.yaml --web                 # and a live page with the approvals (URL on stderr)',
      ]) +
        '\nWith --from-wave, the waves before it are read first (DescribeRecoveryInstances) and skipped only\n' +
        'when every server is FAILBACK_COMPLETED; otherwise nothing is sent and the run is refused (exit 3).\n' +
        'Under --simulate it continues in the world of the latest run of the plan and scenario in the state directory.\n',
    )
    .action((plan: string, opts: Record<string, unknown>, command: Command) => {
      const options: RunOptions = { ...common(opts), plan, yes: opts.yes === true };
      if (typeof opts.fromWave === 'string') options.fromWave = opts.fromWave;
      if (typeof opts.simulate === 'string') options.simulate = opts.simulate;
      if (typeof opts.speed === 'number') options.speed = opts.speed;
      const web = webOptionsOf(opts, command);
      if (web) options.web = web;
      if (typeof opts.heartbeat === 'number') options.heartbeat = opts.heartbeat;
      onCommand({ command: 'run', options });
    });
}

/** `drs-failback resume`. */
function resumeCommand(program: Command, onCommand: OnCommand): void {
  withCommonOptions(
    program
      .command('resume')
      .description('continue an interrupted run from its saved state')
      .argument('<run-id>', 'the run to continue (drs-failback status lists them)')
      .option('--yes', 'approve every point of no return without asking (scripts)', false)
      .addOption(speedOption())
      .addOption(heartbeatOption())
      .addOption(webOption())
      .addOption(portOption(true))
      .addOption(webHostOption(true)),
    AWS_COMMAND,
  )
    .addHelpText(
      'after',
      examples([
        `drs-failback resume ${RUN_ID_EXAMPLE}  # guided: asks again before each point of no return`,
        `drs-failback resume ${RUN_ID_EXAMPLE} --yes --json > resumed.ndjson`,
        `drs-failback resume ${RUN_ID_EXAMPLE} --state-dir /srv/failback/state`,
      ]) +
        '\nA simulated run continues in its saved simulated world. A finished run, an unknown run, or one\n' +
        'that a live process still drives is refused (exit 2); nothing is sent to AWS then.\n',
    )
    .action((runId: string, opts: Record<string, unknown>, command: Command) => {
      const options: ResumeOptions = { ...common(opts), runId, yes: opts.yes === true };
      if (typeof opts.speed === 'number') options.speed = opts.speed;
      if (typeof opts.heartbeat === 'number') options.heartbeat = opts.heartbeat;
      const web = webOptionsOf(opts, command);
      if (web) options.web = web;
      onCommand({ command: 'resume', options });
    });
}

/** `drs-failback status`. */
function statusCommand(program: Command, onCommand: OnCommand): void {
  withCommonOptions(
    program
      .command('status')
      .description("list runs, or show one run's waves, servers and state")
      .argument('[run-id]', 'the run to show; without it, every run of the state directory')
      .addOption(
        new Option('--engine <engine>', 'where the run runs: local (the state directory) or sfn').choices([
          'local',
          'sfn',
        ]),
      )
      .option('--table <name>', 'the run table of the Step Functions deployment (with --engine sfn)'),
    { json: 'document', stateDir: true },
  )
    .addHelpText(
      'after',
      examples([
        'drs-failback status',
        `drs-failback status ${RUN_ID_EXAMPLE}`,
        'drs-failback status --json | jq -r \'.runs[] | select(.activity == "interrupted") | .id\'',
      ]),
    )
    .action((runId: string | undefined, opts: Record<string, unknown>) => {
      const options: StatusOptions = { ...common(opts) };
      if (runId !== undefined) options.runId = runId;
      if (opts.engine === 'sfn' || opts.engine === 'local') options.engine = opts.engine;
      if (typeof opts.table === 'string') options.table = opts.table;
      onCommand({ command: 'status', options });
    });
}

/** `drs-failback backout`. */
function backoutCommand(program: Command, onCommand: OnCommand): void {
  withCommonOptions(
    program
      .command('backout')
      .description('operator-initiated backout of an interrupted run')
      .argument('<run-id>', 'the run to back out')
      .addOption(speedOption())
      .addOption(heartbeatOption()),
    AWS_COMMAND,
  )
    .addHelpText(
      'after',
      examples([
        `drs-failback backout ${RUN_ID_EXAMPLE}`,
        `drs-failback backout ${RUN_ID_EXAMPLE} --json > backout.ndjson`,
      ]) +
        '\nBefore the point of no return the wave aborts (exit 3, nothing changed); after it, StopFailback\n' +
        'keeps the DR side serving (exit 1 backed out, 4 if the backout failed). A run that a live\n' +
        'process drives is refused (exit 2): press Ctrl-C there and choose "Back out now".\n',
    )
    .action((runId: string, opts: Record<string, unknown>) => {
      const options: BackoutOptions = { ...common(opts), runId };
      if (typeof opts.speed === 'number') options.speed = opts.speed;
      if (typeof opts.heartbeat === 'number') options.heartbeat = opts.heartbeat;
      onCommand({ command: 'backout', options });
    });
}

/** `drs-failback report`. */
function reportCommand(program: Command, onCommand: OnCommand): void {
  withCommonOptions(
    program
      .command('report')
      .description('the evidence report of a run')
      .argument('<run-id>', 'the run to report on')
      .addOption(
        new Option('--format <format>', 'md or json (default: md; json with --json)').argParser(
          parseReportFormat,
        ),
      )
      .option('--output <file>', 'write the report to this file instead of stdout'),
    { json: 'document', stateDir: true },
  )
    .addHelpText(
      'after',
      examples([
        `drs-failback report ${RUN_ID_EXAMPLE} > evidence.md`,
        `drs-failback report ${RUN_ID_EXAMPLE} --format json --output evidence.json`,
        `drs-failback report ${RUN_ID_EXAMPLE} --format json | jq '.awsCalls[] | select(.mutating)'`,
      ]),
    )
    .action((runId: string, opts: Record<string, unknown>) => {
      const base = common(opts);
      const options: ReportOptions = {
        ...base,
        runId,
        format: typeof opts.format === 'string' ? parseReportFormat(opts.format) : base.json ? 'json' : 'md',
      };
      if (typeof opts.output === 'string') options.output = opts.output;
      onCommand({ command: 'report', options });
    });
}

/** `drs-failback watch <run-id> --web`. */
function watchCommand(program: Command, onCommand: OnCommand): void {
  withCommonOptions(
    program
      .command('watch')
      .description('a read-only live web view of a run in the state directory (live or finished)')
      .argument('<run-id>', 'the run to watch')
      .requiredOption('--web', 'serve the view on 127.0.0.1 (the only view so far)')
      .addOption(portOption(false))
      .addOption(webHostOption(false)),
    { stateDir: true },
  )
    .addHelpText('after', examples([`drs-failback watch ${RUN_ID_EXAMPLE} --web --port 8080`]))
    .action((runId: string, opts: Record<string, unknown>) => {
      onCommand({ command: 'watch', options: { ...common(opts), runId, web: webOptions(opts) } });
    });
}

/** `drs-failback diagram`. */
function diagramCommand(program: Command, onCommand: OnCommand): void {
  withCommonOptions(
    program
      .command('diagram')
      .description('the lifecycle statechart, generated from the machine')
      .addOption(
        new Option('--format <format>', 'output format').default('mermaid').argParser(parseDiagramFormat),
      )
      .addOption(
        new Option('--machine <machine>', 'which machine: wave, plan or all')
          .default('wave')
          .argParser(parseDiagramMachine),
      ),
    {},
  )
    .addHelpText(
      'after',
      examples(['drs-failback diagram > wave.mmd', 'drs-failback diagram --machine plan']),
    )
    .action((opts: Record<string, unknown>) => {
      onCommand({
        command: 'diagram',
        options: {
          ...common(opts),
          format: 'mermaid',
          machine: parseDiagramMachine(typeof opts.machine === 'string' ? opts.machine : 'wave'),
        },
      });
    });
}

/** `drs-failback iam-policy`. */
function iamPolicyCommand(program: Command, onCommand: OnCommand): void {
  withCommonOptions(
    program
      .command('iam-policy')
      .description('the least-privilege IAM policy the plan needs')
      .argument('<plan>', 'plan file (YAML or JSON)')
      .addOption(
        new Option(
          '--origin-region <region>',
          'a region EC2-origin servers came from (repeatable); adds the reverse-replication flow there',
        ).argParser(collectRegions),
      ),
    { json: 'quiet' },
  )
    .addHelpText(
      'after',
      examples([
        'drs-failback iam-policy plan.yaml > policy.json',
        'drs-failback iam-policy plan.yaml --origin-region us-west-2 > policy.json',
        'aws iam create-policy --policy-name drs-failback-payments --policy-document file://policy.json',
      ]) +
        '\nThe plan cannot say which servers came from EC2 (DRS tells at run time): name their origin\n' +
        'regions with --origin-region. Without it the policy covers on-premises-origin servers only.\n',
    )
    .action((plan: string, opts: Record<string, unknown>) => {
      const originRegions = Array.isArray(opts.originRegion) ? (opts.originRegion as string[]) : [];
      onCommand({ command: 'iam-policy', options: { ...common(opts), plan, originRegions } });
    });
}

/** `drs-failback prepare`. */
function prepareCommand(program: Command, onCommand: OnCommand): void {
  withCommonOptions(
    program
      .command('prepare')
      .description('EC2-origin servers: start reverse replication ahead of the failback')
      .argument('<plan>', 'plan file (YAML or JSON)')
      .option('--simulate <scenario>', 'use the simulated AWS described by this scenario file')
      .option('--yes', 'send ReverseReplication without asking (scripts)', false)
      .option(
        '--watch',
        "poll until every reversed server replicates CONTINUOUS within the RPO (the plan's polling.interval), or Ctrl-C",
        false,
      ),
    AWS_COMMAND,
  )
    .addHelpText(
      'after',
      examples([
        'drs-failback prepare plan.yaml                 # asks before ReverseReplication',
        'drs-failback prepare plan.yaml --yes --watch   # then waits for CONTINUOUS within the RPO',
        'drs-failback prepare plan.yaml --simulate scenario.yaml --yes --json',
      ]) +
        '\nServers already reversed are never reversed again; on-premises-origin servers are not\n' +
        'applicable (they fail back through the Failback Client). Exit 0 when every EC2-origin server\n' +
        'replicates CONTINUOUS within the RPO, 3 when not yet (or when nothing was sent).\n',
    )
    .action((plan: string, opts: Record<string, unknown>) => {
      const options: PrepareOptions = {
        ...common(opts),
        plan,
        yes: opts.yes === true,
        watch: opts.watch === true,
      };
      if (typeof opts.simulate === 'string') options.simulate = opts.simulate;
      onCommand({ command: 'prepare', options });
    });
}

/** The commands, in the order `--help` lists them. */
const COMMANDS = [
  validateCommand,
  checkCommand,
  runCommand,
  resumeCommand,
  statusCommand,
  backoutCommand,
  reportCommand,
  watchCommand,
  diagramCommand,
  answerCommands,
  exportCommand,
  iamPolicyCommand,
  prepareCommand,
];

/**
 * Declares the program. `onCommand` receives the typed options of the command the user chose;
 * what happens next (lazy import, execution, exit code) is the entry point's business.
 */
export function buildProgram(onCommand: OnCommand, output?: ProgramOutput): Command {
  const program = new Command('drs-failback')
    .description('Guided, observable failback from AWS Elastic Disaster Recovery')
    .version('0.1.0', '-V, --version')
    .showSuggestionAfterError(true)
    .exitOverride();
  if (output) program.configureOutput(output);
  program.addHelpText(
    'after',
    examples([
      'drs-failback validate plan.yaml',
      'drs-failback check plan.yaml',
      'drs-failback run plan.yaml',
      'drs-failback run plan.yaml --simulate scenario.yaml --yes --json',
      'drs-failback status',
      `drs-failback resume ${RUN_ID_EXAMPLE}`,
      `drs-failback report ${RUN_ID_EXAMPLE} --output evidence.md`,
    ]) +
      '\nExit codes: 0 ok, 1 backed out, 2 bad input, 3 not ready/aborted, 4 a person must act, 130 interrupted.\n',
  );
  for (const declare of COMMANDS) declare(program, onCommand);
  return program;
}

/**
 * Parses argv (without `node` and the script) into the chosen command and its typed options.
 * Throws commander's `CommanderError` on bad usage or after `--help`/`--version`.
 */
export async function parseArgs(argv: readonly string[], output?: ProgramOutput): Promise<ParsedCommand> {
  let parsed: ParsedCommand | undefined;
  const program = buildProgram((p) => {
    parsed = p;
  }, output);
  await program.parseAsync([...argv], { from: 'user' });
  if (!parsed) throw new Error('no command was chosen');
  return parsed;
}

/** `drs-failback approve` and `refuse`: answers to a run on Step Functions. */
function answerCommands(program: Command, onCommand: OnCommand): void {
  for (const decision of ['approve', 'refuse'] as const) {
    program
      .command(decision)
      .description(`${decision} the pending approval of a run on Step Functions (records your AWS principal)`)
      .argument('<run-id>', 'the run')
      .option('--wave <name>', 'the wave, when more than one waits')
      .option('--table <name>', 'the DynamoDB table of the deployment', 'drs-failback-runs')
      .addOption(new Option('--region <region>', 'AWS region of the deployment').argParser(parseRegion))
      .option('--profile <name>', 'AWS shared-config profile')
      .option('--json', 'print the answer as JSON', false)
      .addHelpText('after', examples([`drs-failback ${decision} ${RUN_ID_EXAMPLE} --wave databases`]))
      .action((runId: string, opts: Record<string, unknown>) => {
        const options: AnswerCommandOptions = {
          runId,
          table: typeof opts.table === 'string' ? opts.table : 'drs-failback-runs',
          json: opts.json === true,
        };
        if (typeof opts.wave === 'string') options.wave = opts.wave;
        if (typeof opts.region === 'string') options.region = opts.region;
        if (typeof opts.profile === 'string') options.profile = opts.profile;
        onCommand({ command: decision, options });
      });
  }
}

/** `drs-failback export sfn`. */
function exportCommand(program: Command, onCommand: OnCommand): void {
  program
    .command('export')
    .description('the Amazon States Language generated from the machines (Step Functions engine)')
    .addArgument(new Argument('<what>', 'what to export').choices(['sfn']))
    .option('--out <dir>', 'directory the definitions are written to', 'sfn')
    .addHelpText('after', examples(['drs-failback export sfn', 'drs-failback export sfn --out build/sfn']))
    .action((what: string, opts: Record<string, unknown>) => {
      onCommand({
        command: 'export',
        options: { what: what as 'sfn', out: typeof opts.out === 'string' ? opts.out : 'sfn' },
      });
    });
}
