// rpo (on-premises): the data that goes home. The recovery instance's failback replication (from
// the instance to the failback target) is CONTINUOUS, its lag within the RPO, no backlog, no
// replication error, and the Failback Client seen recently. Ages are measured against AWS's clock
// (`reads.awsNow`, from the responses' `Date` header). Never the source server's recovery
// snapshots: they stopped at the disaster (backout-point.ts reports them, for a relaunch only).
import {
  classifyFailbackReplication,
  type FailbackReplicationProblem,
} from '../classify/failback-replication.js';
import { RPO, type RpoData } from './replication-lag.js';
import { isEc2OriginServer, singleRecoveryInstance, waveServerIds } from './resolve.js';
import type { CheckOutcome, Precheck } from './types.js';

/**
 * How long the Failback Client may go unseen by DRS before its replication is not trusted. DRS
 * documents no heartbeat interval; 10 minutes leaves room for a few missed reports (docs/operations.md).
 */
export const FAILBACK_CLIENT_SILENCE_MS = 10 * 60_000;

const PROBLEM_TEXT: Record<FailbackReplicationProblem, string> = {
  'not-continuous': 'replication is not CONTINUOUS',
  'lag-unknown': 'lag unknown',
  'lag-above-limit': 'lag above the RPO',
  backlog: 'backlog not replicated',
  'replication-error': 'replication error',
  'client-silent': 'Failback Client silent',
  'client-never-seen': 'Failback Client never seen',
};

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

export const failbackReplication: Precheck<typeof RPO, RpoData> = {
  name: RPO,
  evaluate(reads) {
    const awsNowMs = reads.awsNow ?? reads.now;
    const { rpoMs } = reads.input;
    return waveServerIds(reads).flatMap((id): CheckOutcome<RpoData>[] => {
      const instance = singleRecoveryInstance(reads, id);
      if (!instance?.recoveryInstanceID || isEc2OriginServer(reads, id)) return [];
      const c = classifyFailbackReplication(instance, {
        maxLagMs: rpoMs,
        clientSilenceMs: FAILBACK_CLIENT_SILENCE_MS,
        awsNowMs,
      });
      const data: RpoData = {
        basis: 'failback-replication',
        rpoMs,
        recoveryInstanceId: instance.recoveryInstanceID,
        replicationState: c.state ?? null,
        lagDuration: instance.dataReplicationInfo?.lagDuration ?? null,
        lagMs: c.lagMs ?? null,
        backlogBytes: c.backlogBytes,
        replicationError: c.error ?? null,
        clientLastSeenAt: c.clientLastSeenAt ?? null,
        clientSilentMs: c.clientSilentMs ?? null,
        clientSilenceLimitMs: FAILBACK_CLIENT_SILENCE_MS,
        awsNow: new Date(awsNowMs).toISOString(),
        problems: c.problems,
      };
      if (c.drained) {
        const lag = seconds(c.lagMs ?? 0);
        return [
          {
            server: id,
            status: 'pass',
            detail: `failback replication CONTINUOUS, lag ${lag} within the RPO of ${seconds(rpoMs)}, no backlog`,
            data,
          },
        ];
      }
      const facts = c.problems.map((p) => {
        if (p === 'not-continuous') return `replication is ${c.state ?? 'not reported'}, needs CONTINUOUS`;
        if (p === 'lag-above-limit') return `lag ${seconds(c.lagMs ?? 0)} above the RPO of ${seconds(rpoMs)}`;
        if (p === 'lag-unknown') return `lag '${data.lagDuration ?? 'absent'}' cannot be read`;
        if (p === 'backlog') return `${c.backlogBytes} bytes of backlog`;
        if (p === 'replication-error') return `replication error ${c.error}`;
        if (p === 'client-silent') {
          return `Failback Client last seen ${c.clientLastSeenAt} (${seconds(c.clientSilentMs ?? 0)} ago, limit ${seconds(FAILBACK_CLIENT_SILENCE_MS)})`;
        }
        return PROBLEM_TEXT[p];
      });
      // An unreadable lag alone is not a pass, nor proof of a problem: a warn for a person to look at.
      const onlyLagUnknown = c.problems.every((p) => p === 'lag-unknown');
      return [
        {
          server: id,
          status: onlyLagUnknown ? 'warn' : 'fail',
          detail: `failback replication: ${facts.join('; ')}`,
          data,
        },
      ];
    });
  },
};
