// The data oracle: where each server's data is at any instant of the simulated world. It knows,
// per server, the newest write made on the DR side (the recovery instance, where the application
// writes since the disaster) and what each copy holds: the failback target (what the failback
// replication had carried home when the launch was sent), a recovery instance relaunched from a
// recovery snapshot (the snapshot's point: none of the writes since the failover), the recovery
// instance itself (everything). Tests hold the product's reports to it.
import { OriginEnvironment, ReplicationDirection } from '@aws-sdk/client-drs';
import { dataBase, failbackEndAt, newestWriteAt } from './failback-replication.js';
import { scenarioServerID } from './replication.js';
import type { RecoveryInstanceRecord } from './state.js';
import { iso, valueAt } from './time.js';
import type { World } from './world.js';

/** Which copy serves the server's application. */
export type ServingCopy =
  | 'failback-target'
  | 'origin-instance'
  | 'recovery-instance'
  | 'relaunched-instance'
  | 'none';

export interface DataOracleEntry {
  sourceServerID: string;
  serving: ServingCopy;
  /** The serving machine: the failback target's EC2 id (or the recovery instance id), the instance's id. */
  servingId: string | null;
  /** The newest write ever made on the DR side (ISO-8601). */
  newestWriteAt: string;
  /** The instant of the DR-side data the serving copy holds; null when nothing serves. */
  copyAt: string | null;
  /** Milliseconds of DR-side writes the serving copy lacks (0: nothing lost); null when nothing serves. */
  lacksMs: number | null;
  /** A failback target serves while the recovery instance may still take writes: both copies live. */
  bothLive: boolean;
}

function alive(world: World, ri: RecoveryInstanceRecord, t: number): boolean {
  if (ri.visibleAt > t || (ri.terminatedAt !== undefined && ri.terminatedAt <= t)) return false;
  const ec2 = world.ec2Instance(ri.ec2InstanceID, ri.region);
  return ec2 !== undefined && valueAt(ec2.state, t) !== 'terminated';
}

/** Per scenario server (DR region, in creation order): which copy serves and what it lacks, now. */
export function dataOracle(world: World): DataOracleEntry[] {
  const t = world.now;
  const dr = world.scenario.region;
  const all = world.state.recoveryInstances;
  return world.state.sourceServers
    .filter((s) => s.region === dr && s.direction !== ReplicationDirection.FAILBACK)
    .map((server): DataOracleEntry => {
      const id = server.sourceServerID;
      const mine = all.filter((ri) => ri.region === dr && ri.sourceServerID === id);
      const writes = mine.map((ri) => newestWriteAt(world, ri, t));
      const newest = writes.length > 0 ? Math.max(...writes) : t;
      /** What a copy lacks: the DR writes made on the instances before it, after its point. */
      const lacking = (copyAt: number, before: readonly RecoveryInstanceRecord[]) => {
        const older = before.map((ri) => newestWriteAt(world, ri, t));
        return Math.max(0, ...older.map((w) => w - copyAt));
      };
      const entry = (
        serving: ServingCopy,
        servingId: string | null,
        copyAt: number | null,
        lacksMs: number | null,
        bothLive = false,
      ): DataOracleEntry => ({
        sourceServerID: id,
        serving,
        servingId,
        newestWriteAt: iso(newest),
        copyAt: copyAt === null ? null : iso(copyAt),
        lacksMs,
        bothLive,
      });

      // A failback launch that ended LAUNCHED: the converted primary serves.
      for (const ri of mine) {
        const end = failbackEndAt(world, ri);
        if (end === undefined || end > t) continue;
        const job = ri.failbackJobID ? world.job(ri.failbackJobID, ri.region) : undefined;
        const s = job?.servers.find((x) => x.recoveryInstanceID === ri.recoveryInstanceID);
        const copyAt = s?.copyAt ?? dataBase(ri);
        const stillWriting =
          (ri.writeRate ?? 0) > 0 && ri.writesStoppedAt === undefined && alive(world, ri, t);
        return entry(
          'failback-target',
          s?.targetInstanceID ?? ri.recoveryInstanceID,
          copyAt,
          Math.max(0, newest - copyAt),
          stillWriting,
        );
      }
      // EC2 origin: an instance launched in the origin region from the reversed replication.
      if (server.origin === OriginEnvironment.AWS) {
        const launched = all.find(
          (ri) =>
            ri.region !== dr &&
            ri.launchedByJobID !== undefined &&
            alive(world, ri, t) &&
            world.state.sourceServers.some(
              (s) =>
                s.sourceServerID === ri.sourceServerID &&
                s.region === ri.region &&
                scenarioServerID(s) === id &&
                s.direction === ReplicationDirection.FAILBACK,
            ),
        );
        if (launched) {
          const copyAt = dataBase(launched);
          return entry('origin-instance', launched.recoveryInstanceID, copyAt, Math.max(0, newest - copyAt));
        }
      }
      // The DR side: the instance DRS associates with the server now, if it still runs.
      const currentId = valueAt(server.recoveryInstance, t);
      const current = mine.find((ri) => ri.recoveryInstanceID === currentId && alive(world, ri, t));
      const serving = current ?? mine.filter((ri) => alive(world, ri, t)).at(-1);
      if (serving) {
        const before = mine.slice(0, mine.indexOf(serving));
        const relaunched = serving.launchedByJobID !== undefined;
        const copyAt = relaunched ? dataBase(serving) : newestWriteAt(world, serving, t);
        return entry(
          relaunched ? 'relaunched-instance' : 'recovery-instance',
          serving.recoveryInstanceID,
          copyAt,
          lacking(dataBase(serving), before),
        );
      }
      return entry('none', null, null, null);
    });
}
