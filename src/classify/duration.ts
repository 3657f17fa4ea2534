// ISO-8601 durations as DRS reports them in `dataReplicationInfo.lagDuration` (e.g. PT30S, P1DT2H).

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
// Years and months have no fixed length: their shortest length keeps "lag above the RPO" true.
const MONTH_MS = 28 * DAY_MS;
const YEAR_MS = 365 * DAY_MS;

const NUMBER = String.raw`(\d+(?:[.,]\d+)?)`;
const DURATION = new RegExp(
  `^P(?:${NUMBER}Y)?(?:${NUMBER}M)?(?:${NUMBER}W)?(?:${NUMBER}D)?(?:T(?:${NUMBER}H)?(?:${NUMBER}M)?(?:${NUMBER}S)?)?$`,
);
const UNITS_MS = [YEAR_MS, MONTH_MS, 7 * DAY_MS, DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS] as const;

/**
 * Milliseconds of an ISO-8601 duration (`PnYnMnWnDTnHnMnS`, decimal point or comma), or undefined
 * when the text is not one. Years count as 365 days and months as 28: a lower bound.
 */
export function parseIsoDuration(text: string): number | undefined {
  const value = text.trim().toUpperCase();
  const match = DURATION.exec(value);
  // "P" alone and a "T" without any time part are not durations.
  if (!match || value === 'P' || value.endsWith('T')) return undefined;
  let ms = 0;
  let parts = 0;
  UNITS_MS.forEach((unitMs, i) => {
    const part = match[i + 1];
    if (part === undefined) return;
    parts += 1;
    ms += Number(part.replace(',', '.')) * unitMs;
  });
  return parts > 0 && Number.isFinite(ms) ? Math.round(ms) : undefined;
}
