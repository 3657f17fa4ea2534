// The simulated world's journal: replaying the header's world and the appended calls rebuilds the
// world exactly, a torn last line is ignored, and a journal that does not replay is refused.
import {
  DescribeJobsCommand,
  DescribeRecoveryInstancesCommand,
  StartFailbackLaunchCommand,
} from '@aws-sdk/client-drs';
import { PublishCommand } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import {
  createSimulatedAws,
  journalCallLine,
  journalHeaderLine,
  journalNowLine,
  loadSimulatedAws,
  type SimulatedAws,
  toScenario,
  WorldJournalError,
  worldFromText,
} from '../../src/sim/index.js';
import { baseScenario, MIN } from './helpers.js';

/** A world whose every call is appended to a journal string, as the command line does to its file. */
function journaled(): { sim: SimulatedAws; text: () => string; lines: string[] } {
  const sim = createSimulatedAws(toScenario(baseScenario(), 'journal'));
  const lines = [journalHeaderLine(sim.save())];
  sim.world.onCall((call) => lines.push(journalCallLine(call)));
  return { sim, lines, text: () => lines.join('') };
}

async function someCalls(sim: SimulatedAws): Promise<void> {
  const { drs, sns } = sim.clients;
  const work = async () => {
    const ids = ((await drs.send(new DescribeRecoveryInstancesCommand({}))).items ?? []).map(
      (i) => i.recoveryInstanceID ?? '',
    );
    await drs.send(new StartFailbackLaunchCommand({ recoveryInstanceIDs: ids }));
    sim.clock.advanceBy(7 * MIN);
    await drs.send(new DescribeJobsCommand({}));
    await drs.send(new StartFailbackLaunchCommand({ recoveryInstanceIDs: ['ri-missing'] })).catch(() => {});
    await sns.send(new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:111122223333:t', Message: 'x' }));
  };
  await sim.clock.run(work());
}

describe('the world journal', () => {
  it('replays to the same world: calls, request ids, published messages, generator and time', async () => {
    const { sim, lines, text } = journaled();
    await someCalls(sim);
    sim.clock.advanceBy(3 * MIN);
    lines.push(journalNowLine(sim.clock.now()));
    const replayed = worldFromText(text());
    expect(replayed).toEqual(sim.save());
    expect(replayed.calls.length).toBe(5);
    expect(replayed.published.length).toBe(1);
    // The replayed world goes on drawing the same request ids as the original.
    const resumed = loadSimulatedAws(replayed);
    const next = async (s: SimulatedAws) =>
      (await s.clients.drs.send(new DescribeJobsCommand({}))).$metadata.requestId;
    expect(await resumed.clock.run(next(resumed))).toBe(await sim.clock.run(next(sim)));
  });

  it('writes one line per call: the journal does not grow with what came before', async () => {
    const { sim, lines } = journaled();
    await someCalls(sim);
    const callLines = lines.slice(1).map((l) => l.length);
    expect(callLines.length).toBe(5);
    // Each line holds its own call only (a few hundred bytes here), never the record so far.
    for (const length of callLines) expect(length).toBeLessThan(1_000);
  });

  it('ignores a last line torn by a crash mid-write, refuses one in the middle', async () => {
    const { sim, text } = journaled();
    await someCalls(sim);
    const whole = text();
    const torn = whole.slice(0, whole.length - 20);
    expect(worldFromText(torn).calls.length).toBe(4);
    const lines = whole.split('\n');
    lines.splice(2, 0, '{"call":');
    expect(() => worldFromText(lines.join('\n'), 'w.ndjson')).toThrow(
      /w.ndjson: line 3 is not a journal entry/,
    );
  });

  it('refuses a journal whose calls do not replay as recorded', async () => {
    const { sim, text } = journaled();
    await someCalls(sim);
    const tampered = text().replace(/"requestId":"[^"]+"/, '"requestId":"not-the-drawn-one"');
    expect(() => worldFromText(tampered)).toThrow(WorldJournalError);
  });

  it('reads a world saved whole (the format before the journal), and refuses anything else', () => {
    const sim = createSimulatedAws(toScenario(baseScenario(), 'journal'));
    expect(worldFromText(JSON.stringify(sim.save()))).toEqual(sim.save());
    expect(() => worldFromText('{"format":"other"}', 'x.json')).toThrow(/x.json is not a simulated world/);
  });
});
