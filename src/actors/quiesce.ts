// The cutover's quiesce: the application's writes on the recovery instances stop. Against real
// AWS there is nothing to call (a person stopped them and confirmed it, or the plan says they
// need not); the simulated world gets `stopWrites` so its replication can drain (deps.writes).
import type { QuiesceInput, QuiesceOutput } from '../../machines/types.js';
import type { ActorDeps } from './types.js';

export async function quiesceWrites(deps: ActorDeps, input: QuiesceInput): Promise<QuiesceOutput> {
  const log = deps.log.child({ runId: input.runId, wave: input.wave, activity: 'quiesceWrites' });
  await deps.writes?.stopWrites(input.recoveryInstanceIDs);
  log.info({ recoveryInstances: input.recoveryInstanceIDs.length }, 'writes on the DR side stopped');
  if (!input.marker) return { now: deps.clock.now() };
  // The marker is written after the writes stopped, so the drain that follows carries it home too.
  const written = deps.probes.writeMarker
    ? await deps.probes.writeMarker(input.marker, input.recoveryInstanceIDs)
    : { ok: false, detail: 'this run cannot reach the application to write the marker' };
  if (!written.ok) {
    log.warn({ endpoint: endpointLabel(input.marker.url), detail: written.detail }, 'marker not written');
    return {
      now: deps.clock.now(),
      failure: {
        kind: 'unknown',
        name: 'MarkerNotWritten',
        operation: 'cutover.marker.write',
        message: `the marker could not be written at ${endpointLabel(input.marker.url)}: ${written.detail}; nothing was changed in AWS, re-enable the application's writes on the DR side`,
        retryable: false,
      },
    };
  }
  log.info(
    { endpoint: endpointLabel(input.marker.url), marker: input.marker.value },
    'marker written on the DR side',
  );
  const now = deps.clock.now();
  return { now, markerWrittenAt: now };
}

/** An endpoint for logs and messages: scheme, host and path, never its query (it may carry a token). */
export function endpointLabel(url: string): string {
  if (!URL.canParse(url)) return '(unparseable URL)';
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
}
