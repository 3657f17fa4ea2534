// The state directory: one folder per run with the plan as it was at start, the newest
// machine snapshot and the append-only event log. Layout (docs/reliability.md):
//   <stateDir>/runs/<runId>/run.json        who, when, which plan
//   <stateDir>/runs/<runId>/plan.json       the validated plan
//   <stateDir>/runs/<runId>/plan.source     the plan file's text as it was
//   <stateDir>/runs/<runId>/snapshot.json   { formatVersion, machineVersion, runId, savedAt, snapshot }, replaced atomically;
//                                           refers to plan.json's waves and to waves/<index>.json
//   <stateDir>/runs/<runId>/waves/<index>.json  a finished wave's result, written once (src/store/snapshot-parts.ts)
//   <stateDir>/runs/<runId>/events.ndjson   one contract event a line, append-only
//   <stateDir>/locks/plan-<name>.lock, server-<id>.lock
import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  statSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Snapshot } from 'xstate';
import { isMutating } from '../aws/operations.js';
import { EVENT_FORMAT_VERSION, type RunEvent } from '../events.js';
import type { Plan } from '../plan/types.js';
import { isRunId } from '../run-id.js';
import { fsyncDirSync, removeTempFiles, writeAllSync, writeFileAtomicSync } from './atomic.js';
import { type LockOwner, RunIncompleteError, RunNotFoundError, StateFileError } from './errors.js';
import { faultPoint } from './fault.js';
import {
  MACHINE_VERSION,
  parseRunMeta,
  parseSnapshotFile,
  RUN_META_FORMAT_VERSION,
  type RunMeta,
  type RunSimulation,
  SNAPSHOT_FORMAT_VERSION,
  type SnapshotFile,
} from './format.js';
import { acquireRunLocks, type HeldLocks, type LockEnvironment, planLockOwner } from './lock.js';
import { SnapshotPartWriter, WAVE_RESULTS_DIR } from './snapshot-parts.js';
import { defaultStateDir } from './state-dir.js';

export { defaultStateDir } from './state-dir.js';

/**
 * Events worth an fsync: intents (requests of mutating operations, src/aws/operations.ts) and
 * their answers, transitions, approvals, start and end. An intent is on disk before its call leaves.
 */
export function isDurableEvent(event: RunEvent): boolean {
  switch (event.type) {
    case 'aws.request':
    case 'aws.response':
      return isMutating(event.operation);
    case 'state':
    case 'approval.given':
    case 'approval.refused':
    case 'run.started':
    case 'run.finished':
      return true;
    default:
      return false;
  }
}

export interface RunStoreOptions {
  /** Default `.drs-failback` in the working directory. */
  stateDir?: string;
  /** Lock owner identity; defaults to this host and process. */
  host?: string;
  pid?: number;
  isProcessAlive?: (pid: number) => boolean;
  /** Time of `run.json`'s createdAt; defaults to the wall clock. Pass the run's clock under simulation. */
  now?: () => number;
}

export interface RunListing {
  id: string;
  /** Plan name. */
  plan: string;
  /** ISO-8601: first `run.started`, else when the run was created (virtual time under simulation). */
  started: string;
  /** ISO-8601 wall-clock time the run was created (run.json's time for runs that predate it). */
  startedWallClock: string;
  /** A dry run against the simulated AWS. */
  simulated: boolean;
  /** `finished`, or the newest lifecycle state: `running`, `wave databases: monitoringJob`, ... */
  state: string;
  outcome: string | null;
  /** Who holds the plan lock for this run, when a process holds it. */
  lockedBy: LockOwner | null;
  /** Set when the run's files cannot be read: what is wrong (state is `damaged`). */
  problem?: string;
}

export interface CreateStoredRunOptions {
  /** A simulated run: recorded in run.json itself. */
  simulation?: RunSimulation;
  /** Writes the simulated world to the given file, before run.json exists. */
  writeWorld?: (file: string) => void;
  /** Absolute path of the plan file, kept in run.json for the next-step commands of later processes. */
  planFile?: string;
}

export interface EventLog {
  events: RunEvent[];
  /** Lines that could not be read (a line torn by a crash mid-write). */
  damagedLines: number;
}

/** Creates, opens and lists the runs of one state directory. */
export class RunStore {
  readonly stateDir: string;
  readonly #env: LockEnvironment;
  readonly #now: () => number;

  constructor(options: RunStoreOptions = {}) {
    this.stateDir = options.stateDir ?? defaultStateDir();
    this.#env = {
      host: options.host ?? hostname(),
      pid: options.pid ?? process.pid,
      ...(options.isProcessAlive ? { isProcessAlive: options.isProcessAlive } : {}),
    };
    this.#now = options.now ?? Date.now;
  }

  runDir(runId: string): string {
    // Run ids name folders: nothing that could step outside runs/.
    if (!isRunId(runId) && !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(runId)) {
      throw new RunNotFoundError(`'${runId}' is not a run id`);
    }
    return join(this.stateDir, 'runs', runId);
  }

  /**
   * Records a new run and takes its locks (plan name and every server), before anything is
   * sent to AWS. Throws RunLockedError when another run holds one of them.
   */
  create(plan: Plan, planText: string, runId: string, options: CreateStoredRunOptions = {}): StoredRun {
    const dir = this.runDir(runId);
    if (existsSync(join(dir, 'run.json'))) throw new Error(`run ${runId} already exists in ${this.stateDir}`);
    const servers = plan.waves.flatMap((w) => w.servers.map((s) => s.sourceServerID));
    const locks = notWritable(this.stateDir, () => this.#lock(runId, plan.name, servers));
    try {
      mkdirSync(dir, { recursive: true });
      fsyncDirSync(join(this.stateDir, 'runs'));
      writeFileAtomicSync(join(dir, 'plan.json'), `${JSON.stringify(plan, null, 2)}\n`);
      faultPoint('create:plan.json');
      writeFileAtomicSync(join(dir, 'plan.source'), planText);
      faultPoint('create:plan.source');
      if (options.simulation) {
        // The world before the run exists: a simulated run is never without its world.
        options.writeWorld?.(join(dir, options.simulation.world));
        faultPoint('create:sim-world.json');
      }
      const meta: RunMeta = {
        formatVersion: RUN_META_FORMAT_VERSION,
        runId,
        plan: plan.name,
        createdAt: new Date(this.#now()).toISOString(),
        createdAtWallClock: new Date().toISOString(),
        host: this.#env.host,
        pid: this.#env.pid,
        sourceServerIDs: servers,
        eventFormatVersion: EVENT_FORMAT_VERSION,
        ...(options.planFile !== undefined ? { planFile: options.planFile } : {}),
        ...(options.simulation ? { simulation: options.simulation } : {}),
      };
      // run.json last: a run folder without it is an aborted creation, never listed, refused by
      // resume. Whether the run is simulated is in it: one rename decides both.
      writeFileAtomicSync(join(dir, 'run.json'), `${JSON.stringify(meta, null, 2)}\n`);
      faultPoint('create:run.json');
    } catch (error) {
      locks.release();
      throw permissionProblem(this.stateDir, error) ?? error;
    }
    const run = new StoredRun(this, runId, dir, (id, name, ids) => this.#lock(id, name, ids));
    run.adoptLocks(locks);
    return run;
  }

  /** An existing run (to resume, report or show). Takes no lock. */
  open(runId: string): StoredRun {
    const dir = this.runDir(runId);
    if (!existsSync(join(dir, 'run.json'))) {
      if (existsSync(dir)) throw new RunIncompleteError(runId, dir);
      throw new RunNotFoundError(`no run ${runId} in ${this.stateDir} (drs-failback status lists the runs)`);
    }
    return new StoredRun(this, runId, dir, (id, name, ids) => this.#lock(id, name, ids));
  }

  /** Every run, newest first. */
  list(): RunListing[] {
    const runsDir = join(this.stateDir, 'runs');
    let ids: string[];
    try {
      ids = readdirSync(runsDir);
    } catch {
      return [];
    }
    const out: RunListing[] = [];
    for (const id of ids) {
      if (!existsSync(join(runsDir, id, 'run.json'))) continue;
      try {
        out.push(this.open(id).listing());
      } catch (error) {
        // One damaged run must not hide the others: listed with what is wrong.
        out.push({
          id,
          plan: '?',
          started: '',
          startedWallClock: '',
          simulated: false,
          state: 'damaged',
          outcome: null,
          lockedBy: null,
          problem: error instanceof Error ? error.message : String(error),
        });
      }
    }
    return out.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  }

  #lock(runId: string, planName: string, sourceServerIDs: readonly string[]): HeldLocks {
    return acquireRunLocks(
      this.stateDir,
      { planName, sourceServerIDs },
      { runId, host: this.#env.host, pid: this.#env.pid, startedAt: new Date(this.#now()).toISOString() },
      this.#env,
    );
  }
}

/** What the store needs of a run: its id and its event stream (the run itself sits above the store). */
export interface EventSource {
  readonly id: string;
  on(listener: (event: RunEvent) => void): () => void;
}

type Locker = (runId: string, planName: string, sourceServerIDs: readonly string[]) => HeldLocks;

/** One run's folder. Writes are synchronous and durable where it matters (see isDurableEvent). */
export class StoredRun {
  readonly runId: string;
  readonly dir: string;
  readonly store: RunStore;
  readonly #locker: Locker;
  #locks: HeldLocks | null = null;
  #eventsFd: number | null = null;
  #lastSnapshotJson: string | null = null;
  readonly #parts: SnapshotPartWriter;

  constructor(store: RunStore, runId: string, dir: string, locker: Locker) {
    this.store = store;
    this.runId = runId;
    this.dir = dir;
    this.#locker = locker;
    this.#parts = new SnapshotPartWriter(dir, runId, () => this.#planWavesJson());
  }

  get eventsPath(): string {
    return join(this.dir, 'events.ndjson');
  }

  get snapshotPath(): string {
    return join(this.dir, 'snapshot.json');
  }

  meta(): RunMeta {
    const file = join(this.dir, 'run.json');
    return parseRunMeta(readStateFile(file), file);
  }

  /** The validated plan as it was when the run started. */
  plan(): Plan {
    const file = join(this.dir, 'plan.json');
    const text = readStateFile(file);
    try {
      const plan = JSON.parse(text) as Plan;
      if (typeof plan !== 'object' || plan === null || !Array.isArray(plan.waves))
        throw new Error('no waves');
      return plan;
    } catch (error) {
      throw new StateFileError(
        file,
        `damaged (${error instanceof Error ? error.message : String(error)}); the run's plan cannot be read`,
      );
    }
  }

  /** The plan file's text as it was when the run started. */
  planText(): string {
    return readFileSync(join(this.dir, 'plan.source'), 'utf8');
  }

  /** Takes the run's locks again (resume); a lock left by this run's dead process is taken over. */
  lock(): void {
    if (this.#locks) return;
    const meta = this.meta();
    this.#locks = this.#locker(this.runId, meta.plan, meta.sourceServerIDs);
    // Only the holder of the locks cleans temp files a crash left: a reader (status, report)
    // must not delete the temp file of a process that is about to rename it.
    removeTempFiles(this.dir);
    removeTempFiles(join(this.dir, WAVE_RESULTS_DIR));
  }

  /** @internal hands the locks taken at creation to the run. */
  adoptLocks(locks: HeldLocks): void {
    this.#locks = locks;
  }

  get holdsLocks(): boolean {
    return this.#locks !== null;
  }

  releaseLocks(): void {
    this.#locks?.release();
    this.#locks = null;
  }

  /** Undoes `lock()`: only what it took; the locks the run held before stay with it. */
  rollbackLocks(): void {
    this.#locks?.rollback();
    this.#locks = null;
  }

  /** Appends one event as one line; fsyncs intents and transitions. */
  appendEvent = (event: RunEvent): void => {
    const fd = this.#openEvents();
    writeAllSync(fd, `${JSON.stringify(event)}\n`);
    if (isDurableEvent(event)) fsyncSync(fd);
    // The request is on disk (an intent, for a mutating call) and not yet sent: the instant the
    // kill test aims at.
    if (event.type === 'aws.request') faultPoint(`request:${event.operation}`);
    // The call was sent and answered, the answer is on disk; the machine has not recorded it yet.
    if (event.type === 'aws.response') faultPoint(`response:${event.operation}`);
  };

  /**
   * Replaces snapshot.json atomically; an unchanged snapshot is not written again. Only a live
   * or finished run is saved: stopping the actor (a pause, a shutdown) reports a `stopped`
   * snapshot without its wave, which must never replace the resumable one. What the step did
   * not change stays out of it (format 3): the plan's waves are plan.json's, and a finished
   * wave's result is written once to waves/<index>.json, before the snapshot that refers to it.
   */
  saveSnapshot = (snapshot: Snapshot<unknown>): void => {
    if (snapshot.status !== 'active' && snapshot.status !== 'done') return;
    const stored = this.#parts.dehydrate(snapshot);
    const json = JSON.stringify(stored);
    if (json === this.#lastSnapshotJson) return;
    const file: Omit<SnapshotFile, 'snapshot'> = {
      formatVersion: SNAPSHOT_FORMAT_VERSION,
      machineVersion: MACHINE_VERSION,
      runId: this.runId,
      savedAt: new Date().toISOString(),
    };
    // Hand-built so the snapshot is serialised once.
    const text = `{"formatVersion":${file.formatVersion},"machineVersion":${file.machineVersion},"runId":${JSON.stringify(file.runId)},"savedAt":${JSON.stringify(file.savedAt)},"snapshot":${json}}\n`;
    writeFileAtomicSync(this.snapshotPath, text);
    this.#lastSnapshotJson = json;
  };

  /** The newest snapshot, or undefined when the run never got to its first step. */
  loadSnapshot(): Snapshot<unknown> | undefined {
    return this.loadSnapshotFile()?.snapshot;
  }

  loadSnapshotFile(): SnapshotFile | undefined {
    let text: string;
    try {
      text = readFileSync(this.snapshotPath, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const read = new Set<string>();
    const file = parseSnapshotFile(text, this.runId, this.snapshotPath, undefined, (part) => {
      const partText = readFileSync(join(this.dir, part), 'utf8');
      read.add(part);
      return partText;
    });
    this.#parts.loaded(file.snapshot, read);
    return file;
  }

  /** plan.json's waves as the run's context holds them, serialised; undefined when unreadable. */
  #planWavesJson(): string | undefined {
    try {
      return JSON.stringify(this.plan().waves);
    } catch {
      return undefined;
    }
  }

  readEvents(): RunEvent[] {
    return this.readEventLog().events;
  }

  readEventLog(): EventLog {
    let text: string;
    try {
      text = readFileSync(this.eventsPath, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { events: [], damagedLines: 0 };
      throw error;
    }
    const events: RunEvent[] = [];
    let damagedLines = 0;
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        const event = JSON.parse(line) as RunEvent;
        if (typeof event === 'object' && event !== null && typeof event.type === 'string') {
          // A log written before events had `seq` (event format 1): each event's place in it.
          if (typeof event.seq !== 'number') event.seq = (events.at(-1)?.seq ?? 0) + 1;
          events.push(event);
        } else damagedLines += 1;
      } catch {
        damagedLines += 1;
      }
    }
    return { events, damagedLines };
  }

  /** The run's outcome when it finished, from its event log. */
  finishedOutcome(events: readonly RunEvent[] = this.readEvents()): string | null {
    for (let i = events.length - 1; i >= 0; i--) {
      const event = events[i];
      if (event?.type === 'run.finished') return event.outcome;
    }
    return null;
  }

  /**
   * Appends every event of the run to the log and releases the locks when it finishes (any
   * outcome). A paused or killed run keeps them. The run saves its snapshots here when created
   * with `onSnapshot: saveSnapshot` (`createStoredRun` in src/run/stored.ts does both).
   */
  attach(run: EventSource): () => void {
    if (run.id !== this.runId)
      throw new Error(`run ${run.id} cannot be attached to the folder of ${this.runId}`);
    return run.on((event) => {
      this.appendEvent(event);
      if (event.type === 'run.finished') {
        this.releaseLocks();
        this.close();
      }
    });
  }

  /** Closes the event log (the run goes on being readable). */
  close(): void {
    if (this.#eventsFd !== null) {
      closeSync(this.#eventsFd);
      this.#eventsFd = null;
    }
  }

  listing(): RunListing {
    const meta = this.meta();
    const events = this.readEvents();
    const outcome = this.finishedOutcome(events);
    const runStarted = events.find((e) => e.type === 'run.started');
    const started = runStarted?.at ?? meta.createdAt;
    const simulated =
      meta.simulation !== undefined || (runStarted?.type === 'run.started' && runStarted.simulated);
    const startedWallClock = meta.createdAtWallClock ?? this.#createdOnDisk() ?? started;
    const owner = planLockOwner(this.store.stateDir, meta.plan);
    return {
      id: this.runId,
      plan: meta.plan,
      started,
      startedWallClock,
      simulated,
      state: outcome !== null ? 'finished' : currentState(events),
      outcome,
      lockedBy: owner !== null && owner.runId === this.runId ? owner : null,
    };
  }

  /** run.json's modification time: it is written once, when the run is created. */
  #createdOnDisk(): string | null {
    try {
      return statSync(join(this.dir, 'run.json')).mtime.toISOString();
    } catch {
      return null;
    }
  }

  #openEvents(): number {
    if (this.#eventsFd !== null) return this.#eventsFd;
    const fd = openSync(this.eventsPath, 'a', 0o644);
    // A crash mid-line leaves a torn last line: start on a fresh one so only that line is lost.
    const size = fstatSync(fd).size;
    if (size > 0) {
      const last = Buffer.alloc(1);
      const rfd = openSync(this.eventsPath, 'r');
      try {
        readSync(rfd, last, 0, 1, size - 1);
      } finally {
        closeSync(rfd);
      }
      if (last.toString('utf8') !== '\n') writeAllSync(fd, '\n');
    } else {
      fsyncDirSync(this.dir);
    }
    this.#eventsFd = fd;
    return fd;
  }
}

/** A state directory that cannot be written: a sentence naming it (exit 2), nothing was sent. */
function permissionProblem(stateDir: string, error: unknown): StateFileError | null {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (!['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'ENOTDIR'].includes(code ?? '')) return null;
  const path = (error as NodeJS.ErrnoException).path ?? stateDir;
  return new StateFileError(
    path,
    `cannot be written (${code}): the state directory must be writable (--state-dir or DRS_FAILBACK_STATE_DIR); nothing was sent`,
  );
}

function notWritable<T>(stateDir: string, work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw permissionProblem(stateDir, error) ?? error;
  }
}

/** A state file's text; an unreadable one is a sentence naming it, not a stack trace. */
function readStateFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new StateFileError(
      file,
      code === 'ENOENT' ? 'missing' : `cannot be read (${code ?? String(error)})`,
    );
  }
}

/** The newest lifecycle state seen in the log, wave first. */
function currentState(events: readonly RunEvent[]): string {
  let plan: string | null = null;
  let wave: string | null = null;
  for (const event of events) {
    if (event.type !== 'state') continue;
    if (event.machine === 'plan') plan = event.to;
    else wave = `wave ${event.wave ?? '?'}: ${event.to}`;
  }
  if (plan !== null && plan !== 'running') return plan;
  return wave ?? plan ?? 'created';
}
