// The simulated world kept on disk as an append-only journal: one header line with the world
// as it stood when the journal began, then one line per answered call (appended before the
// caller hears the answer) and a line whenever virtual time moved without a call. The world is
// deterministic (seeded generator, virtual time), so replaying the calls on the header's world
// rebuilds it exactly, request ids and generator state included. Disk work per call is one
// short line, whatever came before: the whole world with its growing call list is never
// rewritten. Pure: the command line does the file I/O (src/cli/aws-context.ts).
import { dispatch } from './dispatch.js';
import type { SimOperation } from './scenario.js';
import type { RecordedCall, WorldState } from './state.js';
import { VirtualClock } from './virtual-clock.js';
import { World, type WritesChange } from './world.js';

export const JOURNAL_FORMAT = 'drs-failback-sim-journal';

interface JournalHeader {
  format: typeof JOURNAL_FORMAT;
  version: 1;
  base: WorldState;
}

type JournalEntry = { call: RecordedCall } | { now: number } | WritesChange;

/** The first line: the world the calls that follow are replayed on. */
export function journalHeaderLine(base: WorldState): string {
  return `{"format":"${JOURNAL_FORMAT}","version":1,"base":${JSON.stringify(base)}}\n`;
}

export function journalCallLine(call: RecordedCall): string {
  return `{"call":${JSON.stringify(call)}}\n`;
}

export function journalNowLine(now: number): string {
  return `{"now":${now}}\n`;
}

/** The application's writes stopped or resumed (World.stopWrites: no AWS call records it). */
export function journalWritesLine(change: WritesChange): string {
  return `${JSON.stringify(change)}\n`;
}

/** A journal could not be read or replayed: the message names what is wrong. */
export class WorldJournalError extends Error {
  override name = 'WorldJournalError';
}

/**
 * The world a file holds: a journal (replayed), or a whole world saved as one JSON document
 * (the format before the journal). A last line torn by a crash mid-write is ignored: its call
 * was never answered.
 */
export function worldFromText(text: string, file = 'the simulated world'): WorldState {
  const lines = text.split('\n');
  while (lines.length > 0 && lines.at(-1)?.trim() === '') lines.pop();
  const first = parseLine(lines[0] ?? '') ?? parseLine(text);
  if (isRecord(first) && first.format === 'drs-failback-sim-world') return first as unknown as WorldState;
  if (!isRecord(first) || first.format !== JOURNAL_FORMAT || first.version !== 1 || !isRecord(first.base)) {
    throw new WorldJournalError(`${file} is not a simulated world this drs-failback can read`);
  }
  const header = first as unknown as JournalHeader;
  const entries: JournalEntry[] = [];
  for (let i = 1; i < lines.length; i++) {
    const entry = parseLine(lines[i] as string);
    const writes =
      isRecord(entry) && (entry.writes === 'stop' || entry.writes === 'resume' || entry.writes === 'marker');
    if (isRecord(entry) && (isRecord(entry.call) || typeof entry.now === 'number' || writes)) {
      entries.push(entry as unknown as JournalEntry);
    } else if (i < lines.length - 1) {
      throw new WorldJournalError(`${file}: line ${i + 1} is not a journal entry`);
    }
  }
  return replay(header.base, entries, file);
}

function replay(base: WorldState, entries: readonly JournalEntry[], file: string): WorldState {
  const clock = new VirtualClock(base.now);
  const world = World.load(base, clock);
  entries.forEach((entry, index) => {
    if ('now' in entry) {
      clock.advanceTo(entry.now);
      return;
    }
    if ('writes' in entry) {
      clock.advanceTo(entry.at);
      if (entry.writes === 'stop') world.stopWrites(entry.ids);
      else if (entry.writes === 'marker')
        world.writeMarker(entry.ids, entry.marker ?? '', entry.unreplicated);
      else world.resumeWrites(entry.ids);
      return;
    }
    const { call } = entry;
    clock.advanceTo(Date.parse(call.at));
    try {
      dispatch(world, call.service, call.operation as SimOperation, call.input, call.region);
    } catch {
      // Recorded as failed; compared below.
    }
    const again = world.state.calls.at(-1);
    if (again?.requestId !== call.requestId || again.ok !== call.ok || again.operation !== call.operation) {
      throw new WorldJournalError(
        `${file}: entry ${index + 2} (${call.operation} at ${call.at}) does not replay as recorded`,
      );
    }
  });
  return world.save();
}

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
