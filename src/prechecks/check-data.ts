// Reading a check's `data` back from an event (a run's log, the `--json` stream) with its type.
import type { CheckData } from '../../machines/types.js';
import type { PrecheckDataByName, PrecheckName } from './index.js';

/**
 * The `data` of a check named `name`, typed; undefined for another check, or for an event logged
 * before checks carried data. The log is this program's own output, so its shape is trusted.
 */
export function checkData<N extends PrecheckName>(
  check: { name: string; data?: CheckData },
  name: N,
): PrecheckDataByName[N] | undefined {
  return check.name === name && check.data !== undefined ? (check.data as PrecheckDataByName[N]) : undefined;
}
