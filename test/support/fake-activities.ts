import type { FailbackActivities } from '../../src/actors/types.js';

/** Scripted answers for each activity: a queue per activity; the last answer repeats. */
export type Script = {
  [K in keyof FailbackActivities]?: Partial<Awaited<ReturnType<FailbackActivities[K]>>>[];
};
export type ActivityName = keyof FailbackActivities;
export interface ActivityCall {
  name: ActivityName;
  input: unknown;
}

const S1 = 's-00000000000000001';
const I1 = 'i-00000000000000001';

const defaults: { [K in ActivityName]: Omit<Awaited<ReturnType<FailbackActivities[K]>>, 'now'> } = {
  precheck: { ok: true, checks: [], servers: [{ sourceServerID: S1, recoveryInstanceID: I1 }] },
  quiesceWrites: {},
  measureDrain: {
    drained: true,
    servers: [{ sourceServerID: S1, lagMs: 2000, drained: true, detail: 'lag 2s' }],
  },
  startFailback: { jobIds: ['drsjob-00000000000000001'] },
  pollJobs: { verdict: 'launched', detail: 'all launched', servers: [], logCursor: {} },
  verifyFailback: { verdict: 'healthy', servers: [] },
  stopFailback: { stopped: [I1], failures: [] },
  assessDrSide: { verdict: 'healthy', servers: [], needsRestore: [] },
  restoreRecoveryPoint: { jobIds: ['drsjob-00000000000000002'], restored: [] },
  reprotect: { reversed: [], failures: [] },
  cleanup: { jobIds: [], terminated: [], failures: [] },
};

/**
 * Activities that answer from a script, stamp `now` from Date.now() (fake timers move it)
 * and record every call, so machine tests need no AWS at all.
 */
export function scriptedActivities(script: Script, calls: ActivityCall[] = []): FailbackActivities {
  const counters = new Map<ActivityName, number>();
  const answer = <K extends ActivityName>(name: K, input: unknown) => {
    calls.push({ name, input });
    const i = counters.get(name) ?? 0;
    counters.set(name, i + 1);
    const queue = (script[name] ?? []) as object[];
    const scripted = queue[Math.min(i, queue.length - 1)] ?? {};
    return Promise.resolve({ ...defaults[name], ...scripted, now: Date.now() } as Awaited<
      ReturnType<FailbackActivities[K]>
    >);
  };
  return {
    precheck: (input) => answer('precheck', input),
    quiesceWrites: (input) => answer('quiesceWrites', input),
    measureDrain: (input) => answer('measureDrain', input),
    startFailback: (input) => answer('startFailback', input),
    pollJobs: (input) => answer('pollJobs', input),
    verifyFailback: (input) => answer('verifyFailback', input),
    stopFailback: (input) => answer('stopFailback', input),
    assessDrSide: (input) => answer('assessDrSide', input),
    restoreRecoveryPoint: (input) => answer('restoreRecoveryPoint', input),
    reprotect: (input) => answer('reprotect', input),
    cleanup: (input) => answer('cleanup', input),
  };
}
