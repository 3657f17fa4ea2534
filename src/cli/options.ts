// Typed options of the commands, and the parsers commander uses for option values.
// Kept free of heavy imports: `--help` loads this file.

import { InvalidArgumentError } from 'commander';
import { parseDuration } from '../plan/duration.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type CliLogLevel = (typeof LOG_LEVELS)[number];

/** Options every command accepts (contract: common options). */
export interface CommonOptions {
  region?: string;
  profile?: string;
  json: boolean;
  logFile?: string;
  logLevel?: CliLogLevel;
  stateDir: string;
}

export interface ValidateOptions extends CommonOptions {
  plan: string;
}

export interface CheckOptions extends CommonOptions {
  plan: string;
  simulate?: string;
  /** Check from this wave; the waves before it are checked as failed back (`already-failed-back`). */
  fromWave?: string;
}

export interface RunOptions extends CommonOptions {
  plan: string;
  simulate?: string;
  yes: boolean;
  /** Virtual seconds per real second under --simulate; absent: as fast as possible. */
  speed?: number;
  /** Output redirected: a heartbeat line this often (ms of wall time); absent: 1 minute. */
  heartbeat?: number;
  /** Start at this wave; the waves before it must have failed back in an earlier run (DRS confirms). */
  fromWave?: string;
  /** `--web`: serve the live view of the run, with its approvals. */
  web?: WebOptions;
}

/** `--web [--port N] [--web-host ADDR]`: where the live view is served. */
export interface WebOptions {
  port?: number;
  /** Another interface than loopback: only when asked for, with a warning. */
  host?: string;
}

/** `watch <run-id> --web`: a read-only live view of a run in the state directory. */
export interface WatchOptions extends CommonOptions {
  runId: string;
  web: WebOptions;
}

/** `resume <run-id>`: continues an interrupted run; same approvals and live view as `run`. */
export interface ResumeOptions extends CommonOptions {
  runId: string;
  yes: boolean;
  /** Virtual seconds per real second, for a simulated run; absent: as fast as possible. */
  speed?: number;
  heartbeat?: number;
  /** `--web`: serve the live view of the run, with its approvals. */
  web?: WebOptions;
}

/** `backout <run-id>`: resumes the run and sends ABORT (abort before the point of no return, backout after). */
export interface BackoutOptions extends CommonOptions {
  runId: string;
  speed?: number;
  heartbeat?: number;
}

/** `status [<run-id>]`: every run, or one run in detail. */
export interface StatusOptions extends CommonOptions {
  runId?: string;
  /** `sfn`: a run on Step Functions, read from the deployment's table and execution. */
  engine?: 'local' | 'sfn';
  /** The deployment's run table (with `engine: 'sfn'`). */
  table?: string;
}

export const REPORT_FORMATS = ['md', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** `report <run-id>`: the evidence report, to stdout or `output`. */
export interface ReportOptions extends CommonOptions {
  runId: string;
  format: ReportFormat;
  output?: string;
}

export type DiagramMachine = 'wave' | 'plan';
export interface DiagramOptions extends CommonOptions {
  format: 'mermaid';
  machine: DiagramMachine | 'all';
}

export interface IamPolicyOptions extends CommonOptions {
  plan: string;
  /**
   * Regions EC2-origin servers came from (the plan cannot say: DRS tells at run time). Each adds
   * the reverse-replication flow's actions there; none: on-premises origin only.
   */
  originRegions: string[];
}

/** `prepare <plan>`: reverse replication of the plan's EC2-origin servers, ahead of the failback. */
export interface PrepareOptions extends CommonOptions {
  plan: string;
  simulate?: string;
  /** Send ReverseReplication without asking (scripts). */
  yes: boolean;
  /** Poll until every reversed server replicates CONTINUOUS within the RPO, or Ctrl-C. */
  watch: boolean;
}

export function parseHeartbeat(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined || ms < 1000) {
    throw new InvalidArgumentError('--heartbeat takes a duration of at least 1s, e.g. 30s, 1m, 5m.');
  }
  return ms;
}

export function parseSpeed(value: string): number {
  const speed = Number(value);
  if (value.trim() === '' || !Number.isFinite(speed) || speed <= 0) {
    throw new InvalidArgumentError('--speed takes a positive number (virtual seconds per real second).');
  }
  return speed;
}

export function parseLogLevel(value: string): CliLogLevel {
  const level = LOG_LEVELS.find((l) => l === value);
  if (!level) throw new InvalidArgumentError(`--log-level takes one of ${LOG_LEVELS.join(', ')}.`);
  return level;
}

export function parseRegion(value: string): string {
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(value)) {
    throw new InvalidArgumentError(`'${value}' is not an AWS region name (e.g. us-east-1).`);
  }
  return value;
}

export function parseReportFormat(value: string): ReportFormat {
  const format = REPORT_FORMATS.find((f) => f === value);
  if (!format) throw new InvalidArgumentError(`--format takes: ${REPORT_FORMATS.join(' or ')}.`);
  return format;
}

export function parseDiagramFormat(value: string): 'mermaid' {
  if (value !== 'mermaid') throw new InvalidArgumentError('--format takes: mermaid.');
  return value;
}

export function parseDiagramMachine(value: string): DiagramMachine | 'all' {
  if (value === 'wave' || value === 'plan' || value === 'all') return value;
  throw new InvalidArgumentError('--machine takes: wave, plan or all.');
}

export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError('expected a port number from 0 to 65535 (0: any free port)');
  }
  return port;
}
