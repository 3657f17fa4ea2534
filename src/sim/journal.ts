// The simulated world kept on disk as an append-only journal: one header line with the world
// as it stood when the journal began, then one line per answered call (appended before the
// caller hears the answer) and a line whenever virtual time moved without a call. The world is
// deterministic (seeded generator, virtual time), so replaying the calls on the header's world
// rebuilds it exactly, request ids and generator state included. Disk work per call is one
// short line, whatever came before: the whole world with its growing call list is never
// rewritten. Pure: the command line does the file I/O (src/cli/aws-context.ts).
// A simulated estate (several worlds on one clock, src/sim/estate.ts) keeps one journal too
// (version 2): the header holds every world, home first, and each call or writes line names its
// world by index (`"w"`); time lines are shared, as the clock is.
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

interface EstateJournalHeader {
  format: typeof JOURNAL_FORMAT;
  version: 2;
  bases: WorldState[];
}

/** `w`: the world's index in an estate journal (absent: the only world). */
type JournalEntry = ({ call: RecordedCall } | { now: number } | WritesChange) & { w?: number };

/** The first line: the world the calls that follow are replayed on. */
export function journalHeaderLine(base: WorldState): string {
  return `{"format":"${JOURNAL_FORMAT}","version":1,"base":${JSON.stringify(base)}}\n`;
}

/** The header of an estate's journal: every world as it stands, home first. */
export function estateJournalHeaderLine(bases: readonly WorldState[]): string {
  return `{"format":"${JOURNAL_FORMAT}","version":2,"bases":${JSON.stringify(bases)}}\n`;
}

const worldTag = (world: number | undefined) => (world === undefined ? '' : `"w":${world},`);

/** A call answered; `world`: its world's index in an estate journal. */
export function journalCallLine(call: RecordedCall, world?: number): string {
  return `{${worldTag(world)}"call":${JSON.stringify(call)}}\n`;
}

export function journalNowLine(now: number): string {
  return `{"now":${now}}\n`;
}

/** The application's writes stopped or resumed (World.stopWrites: no AWS call records it). */
export function journalWritesLine(change: WritesChange, world?: number): string {
  return `${JSON.stringify(world === undefined ? change : { w: world, ...change })}\n`;
}

/** A journal could not be read or replayed: the message names what is wrong. */
export class WorldJournalError extends Error {
  override name = 'WorldJournalError';
}

/**
 * The world a file holds: a journal (replayed), or a whole world saved as one JSON document
 * (the format before the journal). A last line torn by a crash mid-write is ignored: its call
 * was never answered. An estate's journal is refused here: see worldsFromText.
 */
export function worldFromText(text: string, file = 'the simulated world'): WorldState {
  const { worlds } = simulationFromText(text, file);
  if (worlds.length !== 1 || worlds[0] === undefined) {
    throw new WorldJournalError(`${file} holds a simulated estate of ${worlds.length} worlds, not one world`);
  }
  return worlds[0];
}

/** What a simulated world file holds: its worlds, home first; `estate`: an estate's journal. */
export interface SavedSimulation {
  worlds: WorldState[];
  estate: boolean;
}

/** The worlds a file holds: one for a world's journal or saved world, each world of an estate's. */
export function simulationFromText(text: string, file = 'the simulated world'): SavedSimulation {
  const lines = text.split('\n');
  while (lines.length > 0 && lines.at(-1)?.trim() === '') lines.pop();
  const first = parseLine(lines[0] ?? '') ?? parseLine(text);
  if (isRecord(first) && first.format === 'drs-failback-sim-world')
    return { worlds: [first as unknown as WorldState], estate: false };
  const v1 = isRecord(first) && first.version === 1 && isRecord(first.base);
  const v2 = isRecord(first) && first.version === 2 && Array.isArray(first.bases) && first.bases.length > 0;
  if (!isRecord(first) || first.format !== JOURNAL_FORMAT || !(v1 || v2)) {
    throw new WorldJournalError(`${file} is not a simulated world this drs-failback can read`);
  }
  const bases = v1
    ? [(first as unknown as JournalHeader).base]
    : (first as unknown as EstateJournalHeader).bases;
  const entries: JournalEntry[] = [];
  for (let i = 1; i < lines.length; i++) {
    const entry = parseLine(lines[i] as string);
    const writes =
      isRecord(entry) && (entry.writes === 'stop' || entry.writes === 'resume' || entry.writes === 'marker');
    const inWorld =
      isRecord(entry) && (entry.w === undefined ? v1 : typeof entry.w === 'number' && entry.w < bases.length);
    if (isRecord(entry) && (typeof entry.now === 'number' || ((isRecord(entry.call) || writes) && inWorld))) {
      entries.push(entry as unknown as JournalEntry);
    } else if (i < lines.length - 1) {
      throw new WorldJournalError(`${file}: line ${i + 1} is not a journal entry`);
    }
  }
  return { worlds: replay(bases, entries, file), estate: v2 };
}

function replay(bases: readonly WorldState[], entries: readonly JournalEntry[], file: string): WorldState[] {
  const clock = new VirtualClock(bases[0]?.now ?? 0);
  // One clock for every world of an estate, as when the journal was written.
  const worlds = bases.map((base) => World.load(base, clock));
  entries.forEach((entry, index) => {
    if ('now' in entry) {
      clock.advanceTo(entry.now);
      return;
    }
    const world = worlds[entry.w ?? 0] as World;
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
  return worlds.map((world) => world.save());
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
