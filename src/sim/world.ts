// The simulated AWS's state: DRS, EC2 and SNS of the DR region and of the servers' origin
// regions, as one in-memory container. Every record carries its region; lookups and listings
// see only the region of the call being handled. The world knows no operation: `dispatch.ts`
// answers requests through the domain files (which read and change the world), and
// `populate.ts` fills a new world from its scenario. Nothing here imports them.

import type { DrsServiceException } from '@aws-sdk/client-drs';
import type { Clock } from '../clock.js';
import { type DrsErrorExtras, type DrsErrorName, drsError, fieldError } from './errors.js';
import { Rng, seedState } from './rng.js';
import { knownRegions, type Scenario } from './scenario.js';
import type {
  Ec2InstanceRecord,
  JobRecord,
  RecordedCall,
  RecoveryInstanceRecord,
  SourceServerRecord,
  WorldState,
} from './state.js';

export class World {
  readonly state: WorldState;
  readonly clock: Clock;
  readonly rng: Rng;
  #sourceServers = new Map<string, SourceServerRecord>();
  #recoveryInstances = new Map<string, RecoveryInstanceRecord>();
  #jobs = new Map<string, JobRecord>();
  #ec2 = new Map<string, Ec2InstanceRecord>();
  /** Recovery instances by the source server they recover (every region). */
  #recoveryInstancesByServer = new Map<string, RecoveryInstanceRecord[]>();
  /** Creation order of every record, so a lookup by ids lists in the order a full listing would. */
  #created = new WeakMap<object, number>();
  #nextCreated = 0;
  /** Request id of the call being handled. */
  #requestId = '';
  /** Region of the call being handled (the DR region outside a call). */
  #region: string;
  /** The call being handled, so a domain file can note what it allowed. */
  #call: RecordedCall | undefined;
  /** The scenario never changes in a world, so neither do its regions. */
  readonly #regions: readonly string[];
  /** Told of every call once it is answered (the journal appends it). */
  #callListeners: ((call: RecordedCall) => void)[] = [];
  /** Told of every change of the application's writes (the journal appends it: no call records it). */
  #writeListeners: ((change: WritesChange) => void)[] = [];
  /** Whether the record of calls keeps each call's input (see keepCallInputs). */
  #keepCallInputs = true;

  private constructor(state: WorldState, clock: Clock) {
    this.state = state;
    this.clock = clock;
    this.rng = new Rng(state.rngState);
    this.#region = state.scenario.region;
    this.#regions = knownRegions(state.scenario);
    for (const s of state.sourceServers) this.#sourceServers.set(s.sourceServerID, s);
    for (const r of state.recoveryInstances) this.#indexRecoveryInstance(r);
    for (const j of state.jobs) this.#jobs.set(j.jobID, j);
    for (const e of state.ec2Instances) this.#ec2.set(e.instanceId, e);
  }

  /**
   * A world of nothing but the scenario (no servers yet: `createWorld` of populate.ts builds
   * the scenario's); the clock should stand at `scenario.startAt`.
   */
  static empty(scenario: Scenario, clock: Clock): World {
    const state: WorldState = {
      format: 'drs-failback-sim-world',
      version: 1,
      scenario,
      now: clock.now(),
      rngState: seedState(scenario.seed),
      sourceServers: [],
      recoveryInstances: [],
      jobs: [],
      ec2Instances: [],
      published: [],
      faultHits: scenario.faults.map(() => 0),
      calls: [],
    };
    return new World(state, clock);
  }

  /** A world from saved state; the clock should stand at `state.now`. */
  static load(state: WorldState, clock: Clock): World {
    if (state.format !== 'drs-failback-sim-world' || state.version !== 1) {
      throw new Error('not a saved simulated world (format drs-failback-sim-world, version 1)');
    }
    return new World(withRegions(structuredClone(state)), clock);
  }

  get scenario(): Scenario {
    return this.state.scenario;
  }

  get now(): number {
    return this.clock.now();
  }

  get startAt(): number {
    return Date.parse(this.state.scenario.startAt);
  }

  get requestId(): string {
    return this.#requestId;
  }

  /** The region of the call being handled; the DR region outside a call. */
  get region(): string {
    return this.#region;
  }

  /** Regions whose DRS is initialised: the DR region and the servers' origin regions. */
  get regions(): readonly string[] {
    return this.#regions;
  }

  /** Runs `work` as if a call to `region` were being handled (cross-region effects). */
  inRegion<T>(region: string, work: () => T): T {
    const previous = this.#region;
    this.#region = region;
    try {
      return work();
    } finally {
      this.#region = previous;
    }
  }

  /** Records on the current call something the world allowed that the real service might not. */
  note(text: string): void {
    if (!this.#call) return;
    this.#call.notes = [...(this.#call.notes ?? []), text];
  }

  /** JSON snapshot of the world, including virtual time and the generator's state. */
  save(): WorldState {
    this.state.now = this.clock.now();
    this.state.rngState = this.rng.state;
    return structuredClone(this.state);
  }

  // ---- lookups and registration, used by the domain files. Lookups see one region: the
  // current one unless named (an id of another region is unknown here, as in AWS).

  sourceServer(id: string, region = this.#region): SourceServerRecord | undefined {
    return inRegion(this.#sourceServers.get(id), region);
  }
  recoveryInstance(id: string, region = this.#region): RecoveryInstanceRecord | undefined {
    return inRegion(this.#recoveryInstances.get(id), region);
  }
  job(id: string, region = this.#region): JobRecord | undefined {
    return inRegion(this.#jobs.get(id), region);
  }
  ec2Instance(id: string, region = this.#region): Ec2InstanceRecord | undefined {
    return inRegion(this.#ec2.get(id), region);
  }

  /** The current region's records, in creation order. */
  sourceServers(): SourceServerRecord[] {
    return this.#here(this.state.sourceServers);
  }
  recoveryInstances(): RecoveryInstanceRecord[] {
    return this.#here(this.state.recoveryInstances);
  }
  jobs(): JobRecord[] {
    return this.#here(this.state.jobs);
  }
  ec2Instances(): Ec2InstanceRecord[] {
    return this.#here(this.state.ec2Instances);
  }

  #here<T extends { region: string }>(records: T[]): T[] {
    // One-region worlds (the common case, up to thousands of servers) skip the copy.
    const region = this.#region;
    return records.every((r) => r.region === region) ? records : records.filter((r) => r.region === region);
  }

  addSourceServer(record: SourceServerRecord): void {
    this.state.sourceServers.push(record);
    this.#sourceServers.set(record.sourceServerID, record);
  }
  addRecoveryInstance(record: RecoveryInstanceRecord): void {
    this.state.recoveryInstances.push(record);
    this.#indexRecoveryInstance(record);
  }

  #indexRecoveryInstance(record: RecoveryInstanceRecord): void {
    this.#recoveryInstances.set(record.recoveryInstanceID, record);
    this.#created.set(record, this.#nextCreated++);
    const ofServer = this.#recoveryInstancesByServer.get(record.sourceServerID);
    if (ofServer) ofServer.push(record);
    else this.#recoveryInstancesByServer.set(record.sourceServerID, [record]);
  }

  /**
   * The current region's recovery instances among those with these ids or recovering these
   * source servers, in creation order: a filtered listing without a scan of every instance.
   */
  recoveryInstancesAmong(ids: {
    recoveryInstanceIDs?: Iterable<string>;
    sourceServerIDs?: Iterable<string>;
  }): RecoveryInstanceRecord[] {
    const found: RecoveryInstanceRecord[] = [];
    for (const id of ids.recoveryInstanceIDs ?? []) {
      const record = this.recoveryInstance(id);
      if (record) found.push(record);
    }
    for (const id of ids.sourceServerIDs ?? []) {
      for (const record of this.#recoveryInstancesByServer.get(id) ?? []) {
        if (record.region === this.#region) found.push(record);
      }
    }
    const order = (r: RecoveryInstanceRecord) => this.#created.get(r) ?? 0;
    return [...new Set(found)].sort((a, b) => order(a) - order(b));
  }
  addJob(record: JobRecord): void {
    this.state.jobs.push(record);
    this.#jobs.set(record.jobID, record);
  }
  addEc2Instance(record: Ec2InstanceRecord): void {
    this.state.ec2Instances.push(record);
    this.#ec2.set(record.instanceId, record);
  }

  /** Whether an id is already taken by anything in the world (generated ids never collide). */
  idTaken(id: string): boolean {
    return (
      this.#recoveryInstances.has(id) ||
      this.#ec2.has(id) ||
      this.#jobs.has(id) ||
      this.#sourceServers.has(id)
    );
  }

  /** Draws ids until one is free. */
  freshId(generate: (rng: Rng) => string): string {
    for (;;) {
      const id = generate(this.rng);
      if (!this.idTaken(id)) return id;
    }
  }

  arn(resource: string, region = this.#region): string {
    return `arn:aws:drs:${region}:${this.scenario.accountId}:${resource}`;
  }

  // ---- errors stamped with the current request id

  drsError(name: DrsErrorName, message: string, extras?: DrsErrorExtras): DrsServiceException {
    return drsError(name, message, this.#requestId, extras);
  }

  fieldError(field: string, message: string): DrsServiceException {
    return fieldError(field, message, this.#requestId);
  }

  // ---- the call being handled (opened and closed by dispatch.ts)

  /** Records `call` and makes it current: lookups see its region, errors carry its request id. */
  beginCall(call: RecordedCall): void {
    this.state.calls.push(call);
    this.#requestId = call.requestId;
    this.#region = call.region;
    this.#call = call;
  }

  /**
   * Back to the DR region outside a call; the saved time and generator state catch up, and
   * the listeners learn of the answered call before its answer leaves the world.
   */
  endCall(): void {
    const call = this.#call;
    this.#region = this.scenario.region;
    this.#call = undefined;
    this.state.now = this.now;
    this.state.rngState = this.rng.state;
    if (!call) return;
    for (const listener of this.#callListeners) listener(call);
    if (!this.#keepCallInputs) this.#dropInput(call);
  }

  /**
   * The record of `call` again, without its input: a copy, as deleting the property would turn
   * the record into a slow dictionary object several times its size.
   */
  #dropInput(call: RecordedCall): void {
    const calls = this.state.calls;
    const at = calls.lastIndexOf(call);
    if (at === -1) return;
    const { input: _input, ...record } = call;
    calls[at] = record;
  }

  /**
   * Whether the record of calls (`calls()`, `save()`) keeps each call's input (by default it
   * does). Off, a call's record drops its input once the listeners heard it: for a process that
   * only counts the calls, or whose journal already has them on disk. The inputs (id lists of up
   * to 200 ids) were about a tenth of a 5,000-server dry run's memory (docs/performance.md).
   */
  keepCallInputs(keep: boolean): void {
    this.#keepCallInputs = keep;
  }

  /** Calls `listener` with every call once it is answered (synchronously, before the caller hears). */
  onCall(listener: (call: RecordedCall) => void): () => void {
    this.#callListeners.push(listener);
    return () => {
      this.#callListeners = this.#callListeners.filter((l) => l !== listener);
    };
  }

  // ---- the application on the DR side (not an AWS call: the person or hook that stops it)

  /**
   * The application's writes on these recovery instances stop now (quiescing before the cutover);
   * the failback replication then drains. Unknown ids are ignored; an instance already stopped
   * keeps its first instant.
   */
  stopWrites(recoveryInstanceIds: readonly string[]): void {
    const now = this.now;
    for (const id of recoveryInstanceIds) {
      const ri = this.#recoveryInstances.get(id);
      if (ri && ri.writesStoppedAt === undefined) ri.writesStoppedAt = now;
    }
    this.state.now = now;
    this.#writesChanged({ writes: 'stop', ids: [...recoveryInstanceIds], at: now });
  }

  /**
   * The cutover marker is written into the application's data on these recovery instances now: one
   * more write, which the failback replication must carry home like any other (src/sim/marker.ts).
   */
  writeMarker(
    recoveryInstanceIds: readonly string[],
    marker: string,
    unreplicated: readonly string[] = [],
  ): void {
    const now = this.now;
    for (const id of recoveryInstanceIds) {
      const ri = this.#recoveryInstances.get(id);
      if (!ri) continue;
      // A scenario's unreplicated volume: the write succeeds, but never reaches a replicated disk.
      ri.marker = unreplicated.includes(id)
        ? { value: marker, at: now, unreplicated: true }
        : { value: marker, at: now };
    }
    this.state.now = now;
    this.#writesChanged({
      writes: 'marker',
      ids: [...recoveryInstanceIds],
      at: now,
      marker,
      ...(unreplicated.length > 0 ? { unreplicated: [...unreplicated] } : {}),
    });
  }

  /** Calls `listener` with every stopWrites/resumeWrites/writeMarker, as it happens. */
  onWrites(listener: (change: WritesChange) => void): () => void {
    this.#writeListeners.push(listener);
    return () => {
      this.#writeListeners = this.#writeListeners.filter((l) => l !== listener);
    };
  }

  #writesChanged(change: WritesChange): void {
    for (const listener of this.#writeListeners) listener(change);
  }

  /** The application's writes resume on these instances (a cutover that aborted re-enables them). */
  resumeWrites(recoveryInstanceIds: readonly string[]): void {
    for (const id of recoveryInstanceIds) {
      const ri = this.#recoveryInstances.get(id);
      if (ri?.writesStoppedAt !== undefined && ri.writeRate) {
        // Writes stopped then resumed: the newest write is now again; the stop is forgotten.
        delete ri.writesStoppedAt;
      }
    }
    this.#writesChanged({ writes: 'resume', ids: [...recoveryInstanceIds], at: this.now });
  }

  calls(): RecordedCall[] {
    return structuredClone(this.state.calls);
  }
}

/** A change of the application's writes on the DR side, as the journal keeps it. */
export interface WritesChange {
  writes: 'stop' | 'resume' | 'marker';
  /** `marker`: the value written. */
  marker?: string;
  /** `marker`: the recovery instances where it landed on a volume DRS does not replicate. */
  unreplicated?: string[];
  ids: string[];
  at: number;
}

function inRegion<T extends { region: string }>(record: T | undefined, region: string): T | undefined {
  return record?.region === region ? record : undefined;
}

/**
 * Worlds saved before regions existed hold one region's records without a `region`: they
 * belong to the scenario's region. Same format version: nothing else changed.
 */
function withRegions(state: WorldState): WorldState {
  const region = state.scenario.region;
  const fill = <T extends { region: string }>(records: T[]) => {
    for (const r of records) (r as { region?: string }).region ??= region;
  };
  fill(state.sourceServers);
  fill(state.recoveryInstances);
  fill(state.jobs);
  fill(state.ec2Instances);
  fill(state.calls);
  return state;
}
