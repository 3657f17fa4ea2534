// Durations in plan files: a sequence of `<digits><unit>` in falling order of unit,
// e.g. `30s`, `15m`, `1h30m`, `500ms`. A bare number is rejected on purpose: `15` could
// mean seconds or minutes, and a failback timeout must not be guessed.

const UNITS = [
  { suffix: 'd', ms: 24 * 60 * 60_000 },
  { suffix: 'h', ms: 60 * 60_000 },
  { suffix: 'm', ms: 60_000 },
  { suffix: 's', ms: 1000 },
  { suffix: 'ms', ms: 1 },
] as const;

// Each unit at most once, largest first; the regex backtracks so `500ms` is not read as `500m` + `s`.
const DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

/** Milliseconds for a duration such as `30s`, `15m`, `4h`, `1d`, `1h30m` or `500ms`; undefined if it is not one. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text);
  if (match === null || text === '') return undefined;
  let total = 0;
  UNITS.forEach((unit, index) => {
    const digits = match[index + 1];
    if (digits !== undefined) total += Number(digits) * unit.ms;
  });
  return Number.isSafeInteger(total) ? total : undefined;
}

/** The shortest duration text for a number of milliseconds, e.g. 5_400_000 -> `1h30m`; 0 -> `0s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`not a duration: ${ms} ms`);
  let rest = Math.round(ms);
  if (rest === 0) return '0s';
  let text = '';
  for (const unit of UNITS) {
    const count = Math.floor(rest / unit.ms);
    if (count > 0) {
      text += `${count}${unit.suffix}`;
      rest -= count * unit.ms;
    }
  }
  return text;
}
