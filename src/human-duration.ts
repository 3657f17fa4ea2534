// The one duration format for people, everywhere the tool prints one: `12s`, `39m 27s`, `2h 05m`.
// Plan files keep their own syntax (`15m`, `1h30m`, src/plan/duration.ts); JSON keeps ISO-8601
// instants and milliseconds.

const pad = (n: number): string => String(n).padStart(2, '0');

/** `12s` under a minute, `39m 27s` under an hour, `2h 05m` from an hour on; negative with `-`. */
export function humanDuration(ms: number): string {
  if (!Number.isFinite(ms)) return 'unknown';
  const sign = ms < 0 ? '-' : '';
  const seconds = Math.round(Math.abs(ms) / 1000);
  if (seconds < 60) return `${sign}${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${sign}${minutes}m ${pad(seconds % 60)}s`;
  return `${sign}${Math.floor(minutes / 60)}h ${pad(minutes % 60)}m`;
}
