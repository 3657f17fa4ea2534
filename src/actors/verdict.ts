import type { ServerHealth, VerifyVerdict } from '../../machines/types.js';

/** Worst of several verdicts: unhealthy beats pending beats healthy. */
export function worstVerdict(verdicts: readonly VerifyVerdict[]): VerifyVerdict {
  if (verdicts.includes('unhealthy')) return 'unhealthy';
  if (verdicts.includes('pending')) return 'pending';
  return 'healthy';
}

export function waveVerdict(servers: readonly ServerHealth[]): VerifyVerdict {
  return worstVerdict(servers.map((s) => s.status));
}
