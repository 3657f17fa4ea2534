// One run at a time: a lock file per plan name and per source server under `locks/`.
// A lock is created complete and exclusively (written to a temp file, then hard-linked into
// place, which fails if the name exists), so a reader never sees a half-written lock.
import { createHash } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { join } from 'node:path';
import { fsyncDirSync, tempPathFor, writeAllSync } from './atomic.js';
import { type LockOwner, RunLockedError } from './errors.js';

export interface LockEnvironment {
  host: string;
  pid: number;
  /** Whether a process of this host runs; defaults to `process.kill(pid, 0)`. */
  isProcessAlive?: (pid: number) => boolean;
}

export interface HeldLocks {
  readonly paths: readonly string[];
  /** Removes the locks that still name this run. */
  release(): void;
  /**
   * Undoes this acquisition only: removes the locks it created and gives the ones it took over
   * back to their previous holder; locks the run already held before stay held.
   */
  rollback(): void;
}

/** What taking a lock found: nothing (created), this very owner (kept), or a dead holder (taken over). */
type Taken = { kind: 'created' } | { kind: 'kept' } | { kind: 'takenOver'; previous: LockOwner | null };

/** ESRCH: no such process. EPERM means it exists but belongs to someone else. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** File-name-safe: plan names come from user files. */
function safeName(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100);
  if (safe === name) return safe;
  return `${safe}-${createHash('sha256').update(name).digest('hex').slice(0, 8)}`;
}

export function planLockName(planName: string): string {
  return `plan-${safeName(planName)}.lock`;
}

export function serverLockName(sourceServerID: string): string {
  return `server-${safeName(sourceServerID)}.lock`;
}

function readOwner(path: string): LockOwner | null | 'missing' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockOwner>;
    if (
      typeof parsed.runId === 'string' &&
      typeof parsed.host === 'string' &&
      typeof parsed.pid === 'number'
    ) {
      return {
        runId: parsed.runId,
        host: parsed.host,
        pid: parsed.pid,
        startedAt: typeof parsed.startedAt === 'string' ? parsed.startedAt : '',
      };
    }
  } catch {
    // Unreadable: treated below like a lock of a dead process.
  }
  return null;
}

function writeTemp(path: string, owner: LockOwner): string {
  const temp = tempPathFor(path);
  const fd = openSync(temp, 'wx', 0o644);
  try {
    writeAllSync(fd, `${JSON.stringify(owner)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return temp;
}

const sameOwner = (a: LockOwner, b: LockOwner): boolean =>
  a.runId === b.runId && a.host === b.host && a.pid === b.pid;

/**
 * Takes one lock. Re-entrant for the same run in the same process; a lock left by a dead
 * process of this host is taken over (new lock written aside, renamed over, read back).
 */
function takeLock(path: string, resource: string, owner: LockOwner, env: LockEnvironment): Taken {
  const alive = env.isProcessAlive ?? processAlive;
  for (let attempt = 0; attempt < 5; attempt++) {
    const temp = writeTemp(path, owner);
    try {
      linkSync(temp, path);
      fsyncDirSync(join(path, '..'));
      return { kind: 'created' };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      rmSync(temp, { force: true });
    }
    const holder = readOwner(path);
    if (holder === 'missing') continue; // released in between: try again
    if (holder !== null && sameOwner(holder, owner)) return { kind: 'kept' };
    const stale = holder === null || (holder.host === env.host && !alive(holder.pid));
    if (!stale) throw new RunLockedError(resource, holder);
    return takeOver(path, resource, owner, env) ?? { kind: 'takenOver', previous: holder };
  }
  throw new Error(`could not take the lock ${path}: it keeps changing`);
}

function takeOver(path: string, resource: string, owner: LockOwner, env: LockEnvironment): Taken | undefined {
  // Only one process may take over at a time: the guard is created exclusively.
  const guard = `${path}.takeover`;
  const guardTemp = writeTemp(guard, owner);
  try {
    linkSync(guardTemp, guard);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const guardOwner = readOwner(guard);
    const alive = env.isProcessAlive ?? processAlive;
    if (
      guardOwner === 'missing' ||
      guardOwner === null ||
      (guardOwner.host === env.host && !alive(guardOwner.pid))
    ) {
      rmSync(guard, { force: true });
      rmSync(guardTemp, { force: true });
      return takeLock(path, resource, owner, env);
    }
    throw new RunLockedError(resource, guardOwner);
  } finally {
    rmSync(guardTemp, { force: true });
  }
  try {
    // Re-check under the guard: the holder may have been replaced by a live run meanwhile.
    const holder = readOwner(path);
    const alive = env.isProcessAlive ?? processAlive;
    if (holder !== 'missing' && holder !== null && !sameOwner(holder, owner)) {
      if (!(holder.host === env.host && !alive(holder.pid))) throw new RunLockedError(resource, holder);
    }
    const temp = writeTemp(path, owner);
    renameSync(temp, path);
    fsyncDirSync(join(path, '..'));
    const confirmed = readOwner(path);
    if (confirmed === 'missing' || confirmed === null || !sameOwner(confirmed, owner)) {
      if (confirmed !== 'missing' && confirmed !== null) throw new RunLockedError(resource, confirmed);
      throw new Error(`could not take over the lock ${path}`);
    }
  } finally {
    rmSync(guard, { force: true });
  }
  return undefined;
}

/** Gives a taken-over lock back to its previous (dead) holder, if this owner still has it. */
function restoreLock(path: string, owner: LockOwner, previous: LockOwner | null): void {
  const holder = readOwner(path);
  if (holder === 'missing' || holder === null || !sameOwner(holder, owner)) return;
  if (previous === null) {
    rmSync(path, { force: true });
    return;
  }
  const temp = writeTemp(path, previous);
  renameSync(temp, path);
  fsyncDirSync(join(path, '..'));
}

function undo(path: string, taken: Taken, owner: LockOwner): void {
  if (taken.kind === 'created') releaseLock(path, owner);
  else if (taken.kind === 'takenOver') restoreLock(path, owner, taken.previous);
}

function releaseLock(path: string, owner: LockOwner): void {
  const holder = readOwner(path);
  if (holder === 'missing') return;
  if (holder !== null && holder.runId !== owner.runId) return; // someone else's now: leave it
  rmSync(path, { force: true });
}

/**
 * Locks the plan name and every source server of a run, all or nothing. Throws
 * RunLockedError naming the active run and where it runs.
 */
export function acquireRunLocks(
  stateDir: string,
  request: { planName: string; sourceServerIDs: readonly string[] },
  owner: LockOwner,
  env: LockEnvironment,
): HeldLocks {
  const dir = join(stateDir, 'locks');
  mkdirSync(dir, { recursive: true });
  const wanted: { path: string; resource: string }[] = [
    { path: join(dir, planLockName(request.planName)), resource: `plan ${request.planName}` },
    // Sorted, so two runs that share servers always contend on the same lock first.
    ...[...new Set(request.sourceServerIDs)]
      .sort()
      .map((id) => ({ path: join(dir, serverLockName(id)), resource: `server ${id}` })),
  ];
  const held: { path: string; taken: Taken }[] = [];
  const rollback = () => {
    for (const { path, taken } of [...held].reverse()) undo(path, taken, owner);
  };
  try {
    for (const lock of wanted)
      held.push({ path: lock.path, taken: takeLock(lock.path, lock.resource, owner, env) });
  } catch (error) {
    // Only what this attempt took: a lock the run held before (a resume taking back its own
    // locks) stays with the run, so nothing else can touch its servers.
    rollback();
    throw error;
  }
  return {
    paths: held.map((h) => h.path),
    release: () => {
      for (const { path } of held) releaseLock(path, owner);
    },
    rollback,
  };
}

/** Who holds the plan lock, if anyone (for `status`). */
export function planLockOwner(stateDir: string, planName: string): LockOwner | null {
  const owner = readOwner(join(stateDir, 'locks', planLockName(planName)));
  return owner === 'missing' ? null : owner;
}
