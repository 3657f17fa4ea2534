// The reversed source servers `prepare` created, kept in the state directory: the ARN that
// ReverseReplication returns is the only documented pointer to the source server it creates in
// the origin region (docs/operations.md). One small JSON file per plan, keyed by source server,
// replaced atomically on every change (temp file, fsync, rename).
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from './atomic.js';

export const REVERSALS_FORMAT_VERSION = 1;

export interface ReversalRecord {
  /** The DR source server (the plan's `sourceServerID`). */
  sourceServerID: string;
  /** The DR region the ReverseReplication was sent in. */
  region: string;
  recoveryInstanceID?: string;
  /** What ReverseReplication answered: the reversed source server in the origin region. */
  reversedDirectionSourceServerArn: string;
  /** When it was recorded (ISO-8601, the run's clock). */
  at: string;
}

interface ReversalsFile {
  version: typeof REVERSALS_FORMAT_VERSION;
  plan: string;
  servers: Record<string, ReversalRecord>;
}

/** `<stateDir>/reversals/<plan>.json`; the plan name is made safe for a file name. */
export function reversalsPath(stateDir: string, planName: string): string {
  const safe = planName.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_') || '_';
  return join(stateDir, 'reversals', `${safe}.json`);
}

const isRecord = (value: unknown): value is ReversalRecord => {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return (
    typeof r.sourceServerID === 'string' &&
    typeof r.region === 'string' &&
    typeof r.reversedDirectionSourceServerArn === 'string' &&
    typeof r.at === 'string'
  );
};

/**
 * The reversals recorded for `planName`, by source server. A missing file is none; a file this
 * version cannot read throws (it is never overwritten silently).
 */
export function readReversals(stateDir: string, planName: string): Map<string, ReversalRecord> {
  const path = reversalsPath(stateDir, planName);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw err;
  }
  const parsed = JSON.parse(text) as Partial<ReversalsFile>;
  if (parsed.version !== REVERSALS_FORMAT_VERSION || typeof parsed.servers !== 'object' || !parsed.servers) {
    throw new Error(`${path}: not a reversals file of format ${REVERSALS_FORMAT_VERSION}`);
  }
  return new Map(Object.values(parsed.servers).flatMap((r) => (isRecord(r) ? [[r.sourceServerID, r]] : [])));
}

/** Adds (or replaces) reversals of `planName`, atomically. */
export function recordReversals(
  stateDir: string,
  planName: string,
  records: readonly ReversalRecord[],
): void {
  if (records.length === 0) return;
  const known = readReversals(stateDir, planName);
  for (const r of records) known.set(r.sourceServerID, r);
  const path = reversalsPath(stateDir, planName);
  mkdirSync(join(stateDir, 'reversals'), { recursive: true });
  const file: ReversalsFile = {
    version: REVERSALS_FORMAT_VERSION,
    plan: planName,
    servers: Object.fromEntries([...known].sort(([a], [b]) => a.localeCompare(b))),
  };
  writeFileAtomicSync(path, `${JSON.stringify(file, null, 2)}\n`);
}
