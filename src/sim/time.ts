/** Durations in scenario files: `30s`, `20m`, `1h`, `1d`, `500ms`, or combined as `1h30m`. */
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d+(?:ms|s|m|h|d))+$/;
const PART = /(\d+)(ms|s|m|h|d)/g;

export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!DURATION.test(trimmed)) return undefined;
  let total = 0;
  for (const m of trimmed.matchAll(PART)) {
    total += Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  }
  return total;
}

export const iso = (ms: number): string => new Date(ms).toISOString();

/** ISO-8601 duration as DRS writes lag (`PT30S`). */
export function isoDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return `PT${h ? `${h}H` : ''}${m ? `${m}M` : ''}${sec || (!h && !m) ? `${sec}S` : ''}`;
}

/** A timeline of values: the value at `t` is that of the last entry at or before `t`. */
export interface TimelineEntry<T> {
  at: number;
  value: T;
}

export function valueAt<T>(timeline: readonly TimelineEntry<T>[], t: number): T | undefined {
  let found: T | undefined;
  for (const entry of timeline) {
    if (entry.at <= t) found = entry.value;
  }
  return found;
}

/** Inserts keeping the timeline ordered by time, then by insertion. */
export function addEntry<T>(timeline: TimelineEntry<T>[], at: number, value: T): void {
  let i = timeline.length;
  while (i > 0 && (timeline[i - 1] as TimelineEntry<T>).at > at) i--;
  timeline.splice(i, 0, { at, value });
}

/** Drops entries after `t` (an operation superseded what was scheduled). */
export function dropAfter<T>(timeline: TimelineEntry<T>[], t: number): void {
  while (timeline.length > 0 && (timeline[timeline.length - 1] as TimelineEntry<T>).at > t) timeline.pop();
}
