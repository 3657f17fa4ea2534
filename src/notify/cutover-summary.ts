// What a notification says about a wave's crossing: counts, the server furthest behind and a
// pointer to the report, never the whole list, so a 10,000-server wave stays far below SNS's
// 256 KiB. The per-server lags are in the `cutover.drained` event and the report.
import type { ServerLag } from '../../machines/types.js';

const seconds = (ms: number) => `${Math.round(ms / 1000)}s`;

export function cutoverSummary(servers: readonly ServerLag[], maxLagMs: number, runId: string): string {
  const worst = servers.reduce<ServerLag | undefined>(
    (a, b) => (a === undefined || (b.lagMs ?? 0) > (a.lagMs ?? 0) ? b : a),
    undefined,
  );
  const worstText = worst ? `; worst ${worst.sourceServerID} at ${seconds(worst.lagMs ?? 0)}` : '';
  return `RPO at the crossing: ${servers.length} server(s) drained to at most ${seconds(maxLagMs)}${worstText}. Lag per server: drs-failback report ${runId}`;
}
