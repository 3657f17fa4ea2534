// The world's record of calls keeps their inputs unless told not to (a process that only counts
// them, or whose journal has them on disk: the CLI's simulated run).
import { DescribeSourceServersCommand } from '@aws-sdk/client-drs';
import { describe, expect, it } from 'vitest';
import type { RecordedCall } from '../../src/sim/state.js';
import { S1, simulate } from './helpers.js';

describe('World.keepCallInputs', () => {
  it('off: the record keeps every call but not its input; the listeners still hear the input', async () => {
    const sim = simulate();
    const heard: RecordedCall[] = [];
    sim.world.onCall((call) => heard.push(structuredClone(call)));
    const input = { filters: { sourceServerIDs: [S1] } };
    await sim.clients.drs.send(new DescribeSourceServersCommand(input));
    expect(sim.calls().at(-1)).toMatchObject({ operation: 'DescribeSourceServers', input });

    sim.world.keepCallInputs(false);
    await sim.clients.drs.send(new DescribeSourceServersCommand(input));
    const calls = sim.calls();
    expect(calls).toHaveLength(2);
    expect(calls[0]?.input).toEqual(input);
    expect(calls[1]).toMatchObject({ operation: 'DescribeSourceServers', ok: true });
    expect(calls[1]).not.toHaveProperty('input');
    expect(heard.map((c) => c.input)).toEqual([input, input]);
  });
});
