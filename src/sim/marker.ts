// The cutover marker in the simulated world (plan `cutover.marker`). Writing it is one more
// write on the DR side (World.writeMarker), so the failback replication must carry it home like
// any other. Reading it on the primary side finds it when the copy that now serves holds data at
// least as new as the marker: the failback target's copy point (what the replication had carried
// home when the launch was sent), or for EC2 origin the data of the instance launched in the
// origin region. ASSUMED: AWS has no marker; this stands for the application's own endpoint.
import type { MarkerCall } from '../../machines/cutover.js';
import type { MarkerReading, ProbeResult } from '../actors/types.js';
import { dataBase, failbackEndAt } from './failback-replication.js';
import { unreplicatedWrite } from './faults.js';
import type { RecoveryInstanceRecord } from './state.js';
import type { World } from './world.js';

/** Writes the marker unless the scenario lists its endpoint as failing (`probes:` with `fail`). */
export function writeSimulatedMarker(
  world: World,
  call: MarkerCall,
  recoveryInstanceIds: readonly string[],
): ProbeResult {
  const entry = world.scenario.probes.find((p) => p.http === call.url);
  if (entry && entry.result !== 'ok') return { ok: false, detail: 'HTTP 503 (simulated)' };
  const unreplicated = recoveryInstanceIds.filter((id) => {
    const ri = world.recoveryInstance(id);
    return ri !== undefined && unreplicatedWrite(world, ri.sourceServerID);
  });
  world.writeMarker(recoveryInstanceIds, call.value, unreplicated);
  return { ok: true, detail: 'HTTP 201 (simulated)' };
}

/** The data instant of the primary copy that serves now for this instance's server; undefined: none yet. */
function primaryCopyAt(world: World, ri: RecoveryInstanceRecord): number | undefined {
  const t = world.now;
  const end = failbackEndAt(world, ri);
  if (end !== undefined && end <= t && ri.failbackJobID) {
    const job = world.job(ri.failbackJobID, ri.region);
    const s = job?.servers.find((x) => x.recoveryInstanceID === ri.recoveryInstanceID);
    return s?.copyAt ?? dataBase(ri);
  }
  const reversed = ri.reversedTo;
  if (!reversed) return undefined;
  const launched = world.state.recoveryInstances.find(
    (o) =>
      o.region === reversed.region &&
      o.sourceServerID === reversed.sourceServerID &&
      o.launchedByJobID !== undefined &&
      o.visibleAt <= t,
  );
  return launched ? dataBase(launched) : undefined;
}

/** Reads the marker on the primary side of every instance it was written on. */
export function readSimulatedMarker(world: World, call: MarkerCall): MarkerReading {
  const written = world.state.recoveryInstances.filter((ri) => ri.marker?.value === call.value);
  if (written.length === 0) {
    return {
      status: 'missing',
      detail: `marker ${call.value} missing on the primary side: it was never written (simulated)`,
    };
  }
  const lacking: string[] = [];
  for (const ri of written) {
    const copyAt = primaryCopyAt(world, ri);
    if (copyAt === undefined)
      return { status: 'unreachable', detail: 'marker endpoint: connection refused (simulated)' };
    if (ri.marker?.unreplicated || copyAt < (ri.marker?.at ?? 0)) lacking.push(ri.sourceServerID);
  }
  return lacking.length === 0
    ? { status: 'found', detail: `marker ${call.value} found on the primary side (simulated)` }
    : {
        status: 'missing',
        detail: `marker ${call.value} missing on the primary side: the data of ${lacking.join(', ')} written on the DR side after the quiesce did not arrive (simulated)`,
      };
}
