/** SNS requires a subject of fewer than 100 characters, without line breaks or control characters. */
export const MAX_SUBJECT_LENGTH = 99;

const PREFIX = '[drs-failback] ';
const ELLIPSIS = '...';
/** Room kept for the plan and wave names before the state itself has to give way. */
const MIN_NAMES_LENGTH = 16;

export interface SubjectInput {
  plan: string;
  wave?: string;
  /** Dotted state path, e.g. `monitoringJob` or `backout.restoring`. */
  state: string;
  outcome?: string;
}

/**
 * Names come from user files: fold them to printable ASCII on one line.
 * Accents are dropped (`é` -> `e`), other characters become `?`, runs of whitespace
 * and control characters become one space.
 */
export function toSubjectText(text: string): string {
  const folded = text.normalize('NFKD').replace(/\p{M}/gu, '');
  let out = '';
  for (const char of folded) {
    const code = char.codePointAt(0) ?? 0;
    if (code >= 0x20 && code <= 0x7e) out += char;
    else if (/[\s\p{C}]/u.test(char)) out += ' ';
    else out += '?';
  }
  return out.replace(/ {2,}/g, ' ').trim();
}

function truncate(text: string, length: number): string {
  if (text.length <= length) return text;
  if (length <= ELLIPSIS.length) return ELLIPSIS.slice(0, Math.max(0, length));
  return text.slice(0, length - ELLIPSIS.length) + ELLIPSIS;
}

/** Splits `room` characters between plan and wave: the shorter keeps what it needs, up to half. */
function fitNames(plan: string, wave: string | undefined, room: number): [string, string | undefined] {
  if (wave === undefined) return [truncate(plan, room), undefined];
  if (plan.length + wave.length <= room) return [plan, wave];
  const half = Math.floor(room / 2);
  if (plan.length <= half) return [plan, truncate(wave, room - plan.length)];
  if (wave.length <= half) return [truncate(plan, room - wave.length), wave];
  return [truncate(plan, room - half), truncate(wave, half)];
}

/** `[drs-failback] payments / databases: monitoringJob`, `[drs-failback] payments: completed (completed)`. */
export function formatSubject(input: SubjectInput): string {
  const plan = toSubjectText(input.plan) || '(unnamed)';
  const waveText = input.wave === undefined ? undefined : toSubjectText(input.wave);
  const wave = waveText === undefined || waveText === '' ? undefined : waveText;
  const outcome = input.outcome === undefined ? '' : toSubjectText(input.outcome);
  const stateText = (toSubjectText(input.state) || '?') + (outcome === '' ? '' : ` (${outcome})`);

  const waveSeparator = wave === undefined ? '' : ' / ';
  const fixed = PREFIX.length + waveSeparator.length + ': '.length;
  // The state is what the reader needs; it yields only when it would leave the names no room at all.
  const state = truncate(stateText, MAX_SUBJECT_LENGTH - fixed - MIN_NAMES_LENGTH);
  const [planName, waveName] = fitNames(plan, wave, MAX_SUBJECT_LENGTH - fixed - state.length);
  const names = waveName === undefined ? planName : `${planName}${waveSeparator}${waveName}`;
  return `${PREFIX}${names}: ${state}`;
}
