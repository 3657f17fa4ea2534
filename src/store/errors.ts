// Errors of the state directory, each a sentence an operator can act on.

/** A snapshot or state file written by another (usually newer) version of drs-failback. */
export class SnapshotFormatError extends Error {
  override readonly name = 'SnapshotFormatError';
}

/** The run id names no run in the state directory. */
export class RunNotFoundError extends Error {
  override readonly name = 'RunNotFoundError';
}

/** The run already ended: there is nothing to resume. */
export class RunFinishedError extends Error {
  override readonly name = 'RunFinishedError';
  constructor(
    readonly runId: string,
    readonly outcome: string,
  ) {
    super(`run ${runId} already finished (${outcome}); nothing to resume. See: drs-failback report ${runId}`);
  }
}

/** Who holds a lock. */
export interface LockOwner {
  runId: string;
  host: string;
  pid: number;
  /** ISO-8601. */
  startedAt: string;
}

/** Another run holds the plan or one of its servers. */
export class RunLockedError extends Error {
  override readonly name = 'RunLockedError';
  constructor(
    /** What is locked, e.g. `plan payments` or `server s-1234567890abcdef0`. */
    readonly resource: string,
    readonly owner: LockOwner,
  ) {
    super(
      `${resource} is in use by run ${owner.runId} (host ${owner.host}, pid ${owner.pid}, since ${owner.startedAt}); ` +
        `only one run at a time. If that process is gone for good on another host, remove the lock under locks/ by hand.`,
    );
  }
}

/** The run's folder exists but its creation never completed (the process died): nothing was sent. */
export class RunIncompleteError extends Error {
  override readonly name = 'RunIncompleteError';
  constructor(
    readonly runId: string,
    readonly dir: string,
  ) {
    super(
      `run ${runId} was never completely created (${dir} has no run.json: the process died while creating it); ` +
        'nothing was sent; run again.',
    );
  }
}

/** A file of the state directory is unreadable, damaged or not writable: names the file and what is wrong. */
export class StateFileError extends Error {
  override readonly name = 'StateFileError';
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

/**
 * Resuming is refused because the saved state cannot say what was done, while the event log shows
 * calls that may have changed AWS: a person must look before anything else is sent (exit 4).
 */
export class ResumeRefusedError extends Error {
  override readonly name = 'ResumeRefusedError';
}
