import type { CheckData, CheckResult } from '../../machines/types.js';
import type { PrecheckStage } from './index.js';
import type { CheckScope, WaveReads } from './types.js';

/** A check's result with its name; `data` always set. */
export type NamedCheckResult = CheckResult & { data: CheckData };

/** Runs one stage's checks over the reads so far; results in the stage's order, named. Pure. */
export function runStage(stage: PrecheckStage, reads: WaveReads, scope: CheckScope = {}): NamedCheckResult[] {
  const perCheck = stage.checks.map((check) =>
    check.evaluate(reads, scope).map((o): NamedCheckResult => ({ ...o, name: check.name })),
  );
  if (stage.order === 'by-check') return perCheck.flat();
  const servers = ['*', ...reads.input.servers.map((s) => s.sourceServerID)];
  const rank = (server: string) => {
    const i = servers.indexOf(server);
    return i === -1 ? servers.length : i;
  };
  const keys = [...new Set(perCheck.flat().map((r) => r.server))].sort((a, b) => rank(a) - rank(b));
  return keys.flatMap((server) => perCheck.flatMap((results) => results.filter((r) => r.server === server)));
}
