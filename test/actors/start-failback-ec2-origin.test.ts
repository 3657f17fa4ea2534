import {
  DescribeJobsCommand,
  DescribeRecoveryInstancesCommand,
  DrsClient,
  InitiatedBy,
  JobStatus,
  JobType,
  StartFailbackLaunchCommand,
  StartRecoveryCommand,
} from '@aws-sdk/client-drs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ResolvedServer } from '../../machines/types.js';
import { startFailback } from '../../src/actors/start-failback.js';
import {
  DRS_ERROR_TABLE,
  expectNothingSent,
  iso,
  jid,
  makeRegionalDeps,
  mockOriginRegion,
  NOW,
  ORIGIN_REGION,
  type OriginMocks,
  restoreOriginRegion,
  rid,
  sid,
} from './helpers.js';

const drsMock = mockClient(DrsClient);
let origin: OriginMocks;

const TAGS = { 'drs-failback:run': 'run-1', 'drs-failback:wave': 'app' };
const RUN_STARTED_AT = NOW - 30 * 60_000;
/** DR source server n, its old recovery instance and its reversed source server in the origin region. */
const ec2Server = (n: number, over: Partial<ResolvedServer> = {}): ResolvedServer => ({
  sourceServerID: sid(n),
  recoveryInstanceID: rid(n),
  origin: 'AWS',
  originRegion: ORIGIN_REGION,
  reversedSourceServerID: sid(9000 + n),
  ...over,
});
const base = { runId: 'run-1', wave: 'app', runStartedAt: RUN_STARTED_AT };

beforeEach(() => {
  origin = mockOriginRegion();
  drsMock.reset();
  origin.drs.on(DescribeJobsCommand).resolves({ items: [] });
});
afterEach(() => restoreOriginRegion(origin));

describe('startFailback, EC2 origin', () => {
  it('sends StartRecovery of the reversed source server to the origin region only, and says where the job runs', async () => {
    origin.drs.on(StartRecoveryCommand).resolves({ job: { jobID: jid(1) } });
    const { deps, regions } = makeRegionalDeps(origin.clients);
    const out = await startFailback(deps, { ...base, recoveryInstanceIDs: [], ec2Origin: [ec2Server(1)] });
    expect(out).toEqual({ now: NOW, jobIds: [jid(1)], jobRegions: { [jid(1)]: ORIGIN_REGION } });
    expect(origin.drs).toHaveReceivedCommandTimes(StartRecoveryCommand, 1);
    // Latest data: no recoverySnapshotID.
    expect(origin.drs.commandCalls(StartRecoveryCommand)[0]?.args[0].input).toEqual({
      sourceServers: [{ sourceServerID: sid(9001) }],
      isDrill: false,
      tags: TAGS,
    });
    expect(origin.drs).toHaveReceivedCommandWith(DescribeJobsCommand, {
      filters: { fromDate: iso(RUN_STARTED_AT) },
    });
    // Nothing goes to the DR region: no StartFailbackLaunch, no StartRecovery there.
    expectNothingSent(drsMock);
    expect(regions.every((r) => r === ORIGIN_REGION)).toBe(true);
  });

  it('starts both flows of a mixed wave, each in its own region', async () => {
    drsMock.on(DescribeRecoveryInstancesCommand).resolves({ items: [] });
    drsMock.on(DescribeJobsCommand).resolves({ items: [] });
    drsMock.on(StartFailbackLaunchCommand).resolves({ job: { jobID: jid(1) } });
    origin.drs.on(StartRecoveryCommand).resolves({ job: { jobID: jid(2) } });
    const { deps } = makeRegionalDeps(origin.clients);
    const out = await startFailback(deps, {
      ...base,
      recoveryInstanceIDs: [rid(1)],
      ec2Origin: [ec2Server(2)],
    });
    expect(out).toEqual({ now: NOW, jobIds: [jid(1), jid(2)], jobRegions: { [jid(2)]: ORIGIN_REGION } });
    expect(drsMock).toHaveReceivedCommandWith(StartFailbackLaunchCommand, { recoveryInstanceIDs: [rid(1)] });
    expect(drsMock).not.toHaveReceivedCommand(StartRecoveryCommand);
    expect(origin.drs).not.toHaveReceivedCommand(StartFailbackLaunchCommand);
  });

  it('splits 250 servers into 200/50 StartRecovery calls with job.maxServers 200', async () => {
    let n = 0;
    origin.drs.on(StartRecoveryCommand).callsFake(() => ({ job: { jobID: jid(++n) } }));
    const servers = Array.from({ length: 250 }, (_, i) => ec2Server(i + 1));
    const { deps } = makeRegionalDeps(origin.clients);
    const out = await startFailback(deps, {
      ...base,
      recoveryInstanceIDs: [],
      ec2Origin: servers,
      limits: { maxServers: 200, maxInFlight: 500, maxJobs: 20 },
    });
    expect(out.jobIds).toEqual([jid(1), jid(2)]);
    expect(out.jobRegions).toEqual({ [jid(1)]: ORIGIN_REGION, [jid(2)]: ORIGIN_REGION });
    expect(origin.drs).toHaveReceivedCommandTimes(StartRecoveryCommand, 2);
    expect(origin.drs).toHaveReceivedNthCommandWith(StartRecoveryCommand, 1, {
      sourceServers: servers.slice(0, 200).map((s) => ({ sourceServerID: s.reversedSourceServerID })),
    });
    expect(origin.drs).toHaveReceivedNthCommandWith(StartRecoveryCommand, 2, {
      sourceServers: servers.slice(200).map((s) => ({ sourceServerID: s.reversedSourceServerID })),
    });
  });

  it('adopts a launch this run already started in the origin region instead of starting again', async () => {
    origin.drs.on(DescribeJobsCommand).resolves({
      items: [
        {
          jobID: jid(5),
          type: JobType.LAUNCH,
          initiatedBy: InitiatedBy.START_RECOVERY,
          status: JobStatus.STARTED,
          creationDateTime: iso(RUN_STARTED_AT + 60_000),
          participatingServers: [{ sourceServerID: sid(9001) }],
        },
        {
          // Tagged with this run: adopted whatever DRS says initiated it.
          jobID: jid(6),
          type: JobType.LAUNCH,
          tags: TAGS,
          participatingServers: [{ sourceServerID: sid(9002) }],
        },
        {
          // A drill somebody else started: never adopted.
          jobID: jid(7),
          type: JobType.LAUNCH,
          initiatedBy: InitiatedBy.START_DRILL,
          creationDateTime: iso(RUN_STARTED_AT + 60_000),
          participatingServers: [{ sourceServerID: sid(9003) }],
        },
      ],
    });
    origin.drs.on(StartRecoveryCommand).resolves({ job: { jobID: jid(8) } });
    const { deps } = makeRegionalDeps(origin.clients);
    const out = await startFailback(deps, {
      ...base,
      recoveryInstanceIDs: [],
      ec2Origin: [ec2Server(1), ec2Server(2), ec2Server(3)],
    });
    expect(out.jobIds).toEqual([jid(5), jid(6), jid(8)]);
    expect(out.jobRegions).toEqual({
      [jid(5)]: ORIGIN_REGION,
      [jid(6)]: ORIGIN_REGION,
      [jid(8)]: ORIGIN_REGION,
    });
    expect(origin.drs).toHaveReceivedCommandTimes(StartRecoveryCommand, 1);
    expect(origin.drs).toHaveReceivedCommandWith(StartRecoveryCommand, {
      sourceServers: [{ sourceServerID: sid(9003) }],
    });
  });

  it('starts nothing when it cannot read what already runs in the origin region', async () => {
    const [throttling] = DRS_ERROR_TABLE;
    origin.drs.on(DescribeJobsCommand).rejects(throttling?.make());
    const { deps } = makeRegionalDeps(origin.clients);
    const out = await startFailback(deps, { ...base, recoveryInstanceIDs: [], ec2Origin: [ec2Server(1)] });
    expect(out.jobIds).toEqual([]);
    expect(out.failure).toMatchObject({ kind: 'throttled', operation: 'DescribeJobs', retryable: true });
    expect(out.failure?.message).toMatch(
      new RegExp(`^DescribeJobs in ${ORIGIN_REGION} for ${sid(1)} failed`),
    );
    expect(origin.drs).not.toHaveReceivedCommand(StartRecoveryCommand);
  });

  it('stops after a failed batch and never sends it again', async () => {
    const [throttling] = DRS_ERROR_TABLE;
    origin.drs
      .on(StartRecoveryCommand)
      .resolvesOnce({ job: { jobID: jid(1) } })
      .rejectsOnce(throttling?.make());
    const servers = Array.from({ length: 450 }, (_, i) => ec2Server(i + 1));
    const { deps } = makeRegionalDeps(origin.clients);
    const out = await startFailback(deps, { ...base, recoveryInstanceIDs: [], ec2Origin: servers });
    expect(out.jobIds).toEqual([jid(1)]);
    expect(out.jobRegions).toEqual({ [jid(1)]: ORIGIN_REGION });
    expect(out.failure).toMatchObject({ kind: 'throttled', operation: 'StartRecovery' });
    expect(origin.drs).toHaveReceivedCommandTimes(StartRecoveryCommand, 2);
  });

  it('sends no StartRecovery when the on-premises part failed', async () => {
    const [, internal] = DRS_ERROR_TABLE;
    drsMock.on(DescribeRecoveryInstancesCommand).resolves({ items: [] });
    drsMock.on(DescribeJobsCommand).resolves({ items: [] });
    drsMock.on(StartFailbackLaunchCommand).rejects(internal?.make());
    const { deps } = makeRegionalDeps(origin.clients);
    const out = await startFailback(deps, {
      ...base,
      recoveryInstanceIDs: [rid(1)],
      ec2Origin: [ec2Server(2)],
    });
    expect(out.jobIds).toEqual([]);
    expect(out.failure).toMatchObject({ kind: 'transient', operation: 'StartFailbackLaunch' });
    expect(origin.drs).not.toHaveReceivedCommand(StartRecoveryCommand);
  });

  it.each([
    [{ originRegion: undefined }, /no valid origin region/],
    [{ originRegion: 'mars-1' }, /no valid origin region/],
    [{ reversedSourceServerID: undefined }, /sourceServers\[\]\.sourceServerID value '' does not match/],
    [{ reversedSourceServerID: 'i-0123456789abcdef0' }, /'i-0123456789abcdef0' does not match \^s-/],
  ])('refuses %o with nothing sent', async (over, message) => {
    const { deps } = makeRegionalDeps(origin.clients);
    const out = await startFailback(deps, {
      ...base,
      recoveryInstanceIDs: [],
      ec2Origin: [ec2Server(1), ec2Server(2, over)],
    });
    expect(out.jobIds).toEqual([]);
    expect(out.failure).toMatchObject({ kind: 'validation', retryable: false, operation: 'StartRecovery' });
    expect(out.failure?.message).toMatch(message);
    expectNothingSent(drsMock, origin.drs);
  });

  describe.each(DRS_ERROR_TABLE)('StartRecovery in the origin region rejected with $label', (row) => {
    it('returns the typed failure, naming the region, and sends nothing more', async () => {
      origin.drs.on(StartRecoveryCommand).rejects(row.make());
      const { deps } = makeRegionalDeps(origin.clients);
      const out = await startFailback(deps, { ...base, recoveryInstanceIDs: [], ec2Origin: [ec2Server(1)] });
      expect(out.jobIds).toEqual([]);
      expect(out.jobRegions).toBeUndefined();
      expect(out.failure).toMatchObject({
        kind: row.kind,
        name: row.label,
        operation: 'StartRecovery',
        server: sid(1),
        retryable: row.retryable,
      });
      expect(out.failure?.message).toMatch(
        new RegExp(`^StartRecovery in ${ORIGIN_REGION} for ${sid(1)} failed`),
      );
      expect(out.failure?.message).toMatch(row.cause);
      if (row.retryAfterMs !== undefined) expect(out.failure?.retryAfterMs).toBe(row.retryAfterMs);
      if (row.kind === 'access-denied') expect(out.failure?.iamAction).toBe('drs:StartRecovery');
      else expect(out.failure?.iamAction).toBeUndefined();
      expect(origin.drs).toHaveReceivedCommandTimes(StartRecoveryCommand, 1);
      expectNothingSent(drsMock);
    });
  });
});
