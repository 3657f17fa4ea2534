// What every precheck is: a typed name and a pure function over the wave's reads (what the
// precheck actor fetched). No I/O, no clock: `reads.now` is when the reads were taken.
import type { Job, RecoveryInstance, RecoverySnapshot, SourceServer } from '@aws-sdk/client-drs';
import type { AwsFailureKind, CheckData, CheckStatus, PrecheckInput } from '../../machines/types.js';
import type { Ec2Observation } from '../actors/describe-ec2.js';
import type { QuotaRead } from '../aws/quotas.js';

/** One read: what AWS answered, or the error it threw (classified by the check that reports it). */
export type Read<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** The reads of one origin region (EC2 origin), where the reversed source servers replicate to. */
export interface OriginRegionReads {
  /** DescribeSourceServers of the reversed source servers, by id. */
  sourceServers?: Read<ReadonlyMap<string, SourceServer>>;
  /** DescribeJobs of the last day in that region. */
  jobs?: Read<readonly Job[]>;
}

/**
 * Everything the precheck actor read for a wave. A field is absent until its read ran (a check
 * that needs it is not run before: see the stages of src/prechecks/index.ts).
 */
export interface WaveReads {
  /** When the precheck began (epoch ms), from the injected clock. */
  now: number;
  /**
   * AWS's clock (epoch ms) when the reads were taken: the newest response's `Date` header, where
   * known; absent: `now`. Ages of AWS timestamps are measured against it (clock skew).
   */
  awsNow?: number;
  input: PrecheckInput;
  /** DescribeSourceServers in the DR region, by id. */
  sourceServers?: Read<ReadonlyMap<string, SourceServer>>;
  /** DescribeRecoveryInstances in the DR region, grouped by source server id. */
  recoveryInstances?: Read<ReadonlyMap<string, readonly RecoveryInstance[]>>;
  /**
   * EC2 origin, DR source servers without `reversedDirectionSourceServerArn` (an UNVERIFIED
   * field): the reversed source server's ARN found in the origin region by documented fields
   * (`findReversedSourceServer`), by DR source server id.
   */
  reversalLookups?: ReadonlyMap<string, string>;
  /** EC2 origin: the reads of each origin region, in first-seen order. */
  originRegions: ReadonlyMap<string, OriginRegionReads>;
  /** Newest recovery point of each on-premises server (DescribeRecoverySnapshots; when a relaunch is allowed). */
  recoverySnapshots: ReadonlyMap<string, Read<RecoverySnapshot | undefined>>;
  /** DescribeJobs of the last day in the DR region. */
  jobs?: Read<readonly Job[]>;
  /** DescribeInstances of the plan's `verify.ec2InstanceId` targets, by instance id. */
  ec2Instances?: ReadonlyMap<string, Ec2Observation>;
  /**
   * DRS's job quotas from Service Quotas, per region the wave launches in (the DR region first),
   * when the plan reads them (`input.jobs.readQuotas`); absent: not read.
   */
  quotas?: readonly QuotaRead[];
}

/** A failed read, as check `data`: which operation, where, and how AWS failed. */
export type ReadFailedData = {
  readFailed: { operation: string; region: string | null; kind: AwsFailureKind; name: string };
};

/** One result of a check, before the actor stamps its name. */
export interface CheckOutcome<D extends CheckData = CheckData> {
  /** sourceServerID, or '*' for the whole wave. */
  server: string;
  status: CheckStatus;
  /** For a person; wording may change at any time. */
  detail: string;
  /** For programs (report, `check` output, tests): the facts the check judged. */
  data: D;
}

/** Where a check runs: once per origin region or per server for the reads made that way, else once per wave. */
export interface CheckScope {
  region?: string;
  /** For the reads made one server at a time (DescribeRecoverySnapshots). */
  server?: string;
}

export interface Precheck<N extends string = string, D extends CheckData = CheckData> {
  /** The check's name in `check` events (the public contract: never renamed). */
  readonly name: N;
  evaluate(reads: WaveReads, scope: CheckScope): CheckOutcome<D>[];
}
