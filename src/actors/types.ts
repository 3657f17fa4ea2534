import type { Logger } from 'pino';
import type { MarkerCall } from '../../machines/cutover.js';
import type {
  AssessDrSideInput,
  AssessDrSideOutput,
  CleanupInput,
  CleanupOutput,
  MeasureDrainInput,
  MeasureDrainOutput,
  PollJobsInput,
  PollJobsOutput,
  PrecheckInput,
  PrecheckOutput,
  Probe,
  QuiesceInput,
  QuiesceOutput,
  ReprotectInput,
  ReprotectOutput,
  RestoreRecoveryPointInput,
  RestoreRecoveryPointOutput,
  StartFailbackInput,
  StartFailbackOutput,
  StopFailbackInput,
  StopFailbackOutput,
  VerifyFailbackInput,
  VerifyOutput,
} from '../../machines/types.js';
import type { AwsClockReader } from '../aws/aws-clock.js';
import type { DrsSender, Ec2Sender, RegionalClients, ServiceQuotasSender } from '../aws/clients.js';
import type { QuotaRead } from '../aws/quotas.js';
import type { Clock } from '../clock.js';
import type { EmitEvent } from '../events.js';

export interface ProbeResult {
  ok: boolean;
  detail: string;
}

/** What reading the wave's marker on the primary side found. */
export interface MarkerReading {
  /** found: the marker is there; missing: the endpoint answered without it; unreachable: no answer yet. */
  status: 'found' | 'missing' | 'unreachable';
  detail: string;
}

/**
 * The application's endpoints: the plan's HTTP and TCP probes, and the cutover marker (plan
 * `cutover.marker`). Injected so the simulated AWS can answer them too.
 */
export interface ProbeRunner {
  run(probe: Probe): Promise<ProbeResult>;
  /**
   * Writes the wave's marker on the DR side (its recovery instances; the real endpoint knows its
   * own application); absent: this runner cannot, and a plan with a marker ends before crossing.
   */
  writeMarker?(call: MarkerCall, recoveryInstanceIDs: readonly string[]): Promise<ProbeResult>;
  /** Reads the wave's marker on the primary side. */
  readMarker?(call: MarkerCall): Promise<MarkerReading>;
}

/** Stops the application's writes on recovery instances: only the simulated world can. */
export interface WriteControl {
  stopWrites(recoveryInstanceIDs: readonly string[]): void | Promise<void>;
}

export interface ActorDeps {
  /** Clients of the DR region (the plan's region). */
  drs: DrsSender;
  ec2: Ec2Sender;
  /** Clients of another region (EC2-origin failback); absent: `drs` and `ec2` answer for every region. */
  regional?: (region: string) => RegionalClients;
  /** DRS's job quotas in the DR region (GetServiceQuota); absent: not read, the plan's values apply. */
  serviceQuotas?: ServiceQuotasSender;
  /** The quotas read so far, by region ('' for the DR region): read once per run. */
  quotaReads?: Map<string, Promise<QuotaRead>>;
  /**
   * Start requests of this process still awaiting DRS's answer, by `runId/wave`: a backout's read
   * of an in-doubt start waits for them (a start in flight may not show its job yet).
   */
  startsInFlight?: Map<string, Set<Promise<unknown>>>;
  log: Logger;
  clock: Clock;
  /** AWS's clock from the responses' `Date` header (absent or unknown: `clock`). */
  awsClock?: AwsClockReader;
  /** Reports `check` and `job.log` events to the run's event stream. */
  emit: EmitEvent;
  probes: ProbeRunner;
  /** Absent against real AWS: a person stops the writes (cutover.quiesce). */
  writes?: WriteControl;
}

/**
 * The I/O of a failback, one function per step of the lifecycle. The machine invokes them by
 * name; `createAwsActors(deps)` builds them on the real DRS and EC2 APIs.
 * They resolve with typed outcomes (failures included) and reject only on programming errors.
 */
export interface FailbackActivities {
  precheck(input: PrecheckInput): Promise<PrecheckOutput>;
  /** The cutover: the writes on the DR side stop (real AWS: nothing to call). */
  quiesceWrites(input: QuiesceInput): Promise<QuiesceOutput>;
  /** The cutover: one reading of every server's replication home. */
  measureDrain(input: MeasureDrainInput): Promise<MeasureDrainOutput>;
  /** `signal`: aborted when the wave left the start; nothing more is sent then. */
  startFailback(input: StartFailbackInput, signal?: AbortSignal): Promise<StartFailbackOutput>;
  pollJobs(input: PollJobsInput): Promise<PollJobsOutput>;
  verifyFailback(input: VerifyFailbackInput): Promise<VerifyOutput>;
  stopFailback(input: StopFailbackInput): Promise<StopFailbackOutput>;
  assessDrSide(input: AssessDrSideInput): Promise<AssessDrSideOutput>;
  restoreRecoveryPoint(input: RestoreRecoveryPointInput): Promise<RestoreRecoveryPointOutput>;
  /** EC2 origin, after a verified failback and an approval: ReverseReplication of the new primary. */
  reprotect(input: ReprotectInput): Promise<ReprotectOutput>;
  /** After a verified failback and an approval: TerminateRecoveryInstances of the old DR instances. */
  cleanup(input: CleanupInput): Promise<CleanupOutput>;
}
