// The actor Lambda around the activities: the run's own AWS clients (the plan's member-account
// roles assumed), its events appended to the run's log (a mutating call's `aws.request` is in the
// log before the call is sent), and the operator's abort honoured before a point-of-no-return call.
import type { FailbackActivities } from '../actors/types.js';
import { assumedRoleProvider, type CredentialProvider } from '../aws/assume-role.js';
import type { DrTarget, RegionalClients, StsSender, TargetClients } from '../aws/clients.js';
import { operationName } from '../aws/instrument.js';
import { isMutating } from '../aws/operations.js';
import { type BeforeSend, crossesPointOfNoReturn } from '../aws/stop-gate.js';
import type { Clock } from '../clock.js';
import type { EmitEvent } from '../events.js';
import type { Plan, PlanRole } from '../plan/types.js';
import type { TimedEvent } from './event-log.js';
import { type ActorRequest, createActorHandler } from './lambda.js';
import type { AbortRecord } from './runs.js';
import { launchWaitOf, type WaitRegistry } from './waker.js';

/** Refused before sending, named as the CLI's stop gate names its refusal: the wave ends before its point of no return. */
export class AbortRequestedError extends Error {
  override readonly name = 'StopRequestedError';
  constructor(operation: string, abort: AbortRecord) {
    super(
      `not sent: ${abort.by} asked to abort the run before ${operation}${abort.reason ? ` (${abort.reason})` : ''}`,
    );
  }
}

/** A point-of-no-return call refused because its intent could not be logged: nothing was sent. */
export class IntentNotLoggedError extends Error {
  // Named as a refused stop: the machine then knows nothing was sent (src/aws/errors.ts).
  override readonly name = 'StopRequestedError';
  constructor(operation: string, cause: unknown) {
    super(`not sent: the run's event log could not record ${operation} first (${String(cause)})`);
  }
}

/** What one activity invocation gets: where its events go and the looks before each call. */
export interface InvocationIO {
  runId: string;
  emit: EmitEvent;
  beforeSend: BeforeSend;
  /** Appends the events emitted so far: called before every mutating call (`operation`) is sent. */
  writeAhead: (operation: string) => Promise<void>;
}

export interface RunActorDeps {
  clock: Pick<Clock, 'now'>;
  append?: (runId: string, events: readonly TimedEvent[]) => Promise<unknown>;
  abortOf?: (runId: string) => Promise<AbortRecord | undefined>;
  activitiesFor: (io: InvocationIO) => FailbackActivities | Promise<FailbackActivities>;
  /** Every event also goes here (the function's log): a copy when the table cannot be written. */
  onEvent?: (runId: string, body: TimedEvent['body']) => void;
  /** The table refused the events after its retries; they stay in the function's log. */
  onLogError?: (error: unknown) => void;
  /**
   * The wait registry (events wake the waits): each StartFailbackLaunch's recovery instances are
   * registered for its wave as the call is sent. Best effort: a failure is reported, never thrown.
   */
  waits?: Pick<WaitRegistry, 'register'> & { onError?: (error: unknown) => void };
}

/** The actor Lambda: one activity per invocation, its events in the run's log. */
export function createRunActorHandler(deps: RunActorDeps) {
  return async (request: ActorRequest): Promise<unknown> => {
    const runId = (request.input as { runId?: unknown } | null)?.runId;
    if (typeof runId !== 'string') throw new Error(`actor ${request.actor}: the input names no run`);
    const pending: TimedEvent[] = [];
    const registering: Promise<void>[] = [];
    const emit: EmitEvent = (body) => {
      pending.push({ body, at: deps.clock.now() });
      deps.onEvent?.(runId, body);
      const wait = deps.waits ? launchWaitOf(body) : null;
      if (wait && deps.waits) {
        const { register, onError } = deps.waits;
        registering.push(
          register({ runId, wave: wait.wave }, wait.resources).catch((error: unknown) => onError?.(error)),
        );
      }
    };
    const flush = async () => {
      const batch = pending.splice(0);
      if (batch.length === 0 || !deps.append) return;
      try {
        await deps.append(runId, batch);
      } catch (error) {
        pending.unshift(...batch);
        throw error;
      }
    };
    // Past the point of no return nothing goes out unlogged; a backout's calls go out regardless.
    const writeAhead = async (operation: string) => {
      try {
        await flush();
      } catch (error) {
        if (crossesPointOfNoReturn(operation)) throw new IntentNotLoggedError(operation, error);
        deps.onLogError?.(error);
      }
    };
    // As the CLI's stop gate: until this invocation sent a point-of-no-return call, an abort refuses it.
    let crossed = false;
    const beforeSend: BeforeSend = async (operation) => {
      if (!crossesPointOfNoReturn(operation) || crossed) return;
      const abort = deps.abortOf ? await deps.abortOf(runId) : undefined;
      if (abort) throw new AbortRequestedError(operation, abort);
      crossed = true;
    };
    const activities = await deps.activitiesFor({ runId, emit, beforeSend, writeAhead });
    try {
      return await createActorHandler(activities)(request);
    } finally {
      // The activity's result stands even when its events cannot be written (they are in the log).
      await flush().catch((error: unknown) => deps.onLogError?.(error));
      await Promise.all(registering);
    }
  };
}

type Sender = { send: (...args: never[]) => Promise<unknown> };

/** The client, with the events emitted so far appended to the log before each mutating call. */
export function writingAhead<T extends Sender>(
  client: T,
  writeAhead: (operation: string) => Promise<void>,
): T {
  const forward = client.send.bind(client) as (...args: unknown[]) => Promise<unknown>;
  const send = async (command: unknown, ...rest: unknown[]) => {
    const operation = operationName(command);
    if (isMutating(operation)) await writeAhead(operation);
    return forward(command, ...rest);
  };
  return { send } as unknown as T;
}

export interface RoleClientsDeps {
  /** SDK clients of a region, with these credentials (absent: the Lambda's own role). */
  make: (region: string, credentials?: CredentialProvider) => RegionalClients;
  /** The Lambda's own STS client of a region: it assumes the plan's roles. */
  sts: (region: string) => StsSender;
  now?: () => number;
}

/**
 * The clients of one plan: per region (the function), and per wave target (`forTarget`, a wave in
 * another `aws.accounts` account or DR region), as the in-process engine's `forTarget` gives them.
 */
export type PlanRoleClients = ((region: string) => RegionalClients) & {
  forTarget: (target: DrTarget) => TargetClients;
};

/**
 * Clients per region for a plan, as the CLI builds them: the DR region as the plan's `aws.role`
 * (when set), an origin region as its `aws.origins.<region>.role`, else as the DR region; a wave
 * in another account as its `aws.accounts` entry's role (else as `aws.role`). Built once per
 * region and role for the life of the Lambda container; credentials renewed before they expire.
 */
export function createRoleClients(deps: RoleClientsDeps) {
  const cache = new Map<string, RegionalClients>();
  const providers = new Map<string, CredentialProvider>();
  const provider = (stsRegion: string, role: PlanRole): CredentialProvider => {
    const key = `${stsRegion}|${role.arn}|${role.externalId ?? ''}`;
    let p = providers.get(key);
    if (!p) {
      p = assumedRoleProvider(role, deps.sts(stsRegion), deps.now);
      providers.set(key, p);
    }
    return p;
  };
  /** The clients of `region` acting as `role` (assumed through STS in `stsRegion`), else as the Lambda. */
  const clientsAs = (region: string, role: PlanRole | undefined, stsRegion: string): RegionalClients => {
    const key = `${region}|${role?.arn ?? ''}|${role?.externalId ?? ''}`;
    let clients = cache.get(key);
    if (!clients) {
      clients = deps.make(region, role ? provider(stsRegion, role) : undefined);
      cache.set(key, clients);
    }
    return clients;
  };
  return (plan: Pick<Plan, 'region' | 'aws'> | undefined, drRegion: string): PlanRoleClients => {
    const dr = plan?.region ?? drRegion;
    const planRole = plan?.aws?.role;
    // An origin region without its own role acts as the DR role (assumed in the DR region).
    const forRegion = (region: string): RegionalClients => {
      const role = region === dr ? planRole : (plan?.aws?.origins?.[region]?.role ?? planRole);
      return clientsAs(region, role, role === planRole ? dr : region);
    };
    // Another account: its entry's role (the member stack's drs-failback-member, with its external
    // id), assumed with the Lambda's own credentials in the target's region, as the member role
    // trusts the orchestrator account; an entry without a role acts as the plan's DR role.
    const forTarget = (target: DrTarget): TargetClients => {
      if (target.account === undefined) return { ...forRegion(target.region), forRegion };
      const inAccount = (region: string) =>
        target.role ? clientsAs(region, target.role, target.region) : clientsAs(region, planRole, dr);
      return { ...inAccount(target.region), forRegion: inAccount };
    };
    return Object.assign(forRegion, { forTarget });
  };
}
