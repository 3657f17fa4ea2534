// The virtual clock drives xstate delays and the simulated AWS together, as a dry run does.
import { DescribeJobsCommand, JobStatus, StartFailbackLaunchCommand } from '@aws-sdk/client-drs';
import { describe, expect, it } from 'vitest';
import { assign, createActor, fromPromise, setup, toPromise } from 'xstate';
import { RI1, simulate } from './helpers.js';

describe('VirtualClock with an xstate machine', () => {
  it('polls a simulated job through `after` delays until it completes, without real waiting', async () => {
    const sim = simulate({ defaults: { launch: { duration: '2h' } } });
    const { drs } = sim.clients;
    const machine = setup({
      types: {
        context: {} as { jobID: string; polls: number },
        output: {} as { jobID: string; polls: number },
      },
      actors: {
        start: fromPromise(
          async () =>
            (await drs.send(new StartFailbackLaunchCommand({ recoveryInstanceIDs: [RI1] }))).job?.jobID ?? '',
        ),
        poll: fromPromise(async ({ input }: { input: string }) => {
          const out = await drs.send(new DescribeJobsCommand({ filters: { jobIDs: [input] } }));
          return out.items?.[0]?.status;
        }),
      },
      delays: { pollInterval: 5 * 60_000 },
    }).createMachine({
      context: { jobID: '', polls: 0 },
      initial: 'starting',
      states: {
        starting: {
          invoke: {
            id: 'start',
            src: 'start',
            onDone: { target: 'waiting', actions: assign({ jobID: ({ event }) => event.output }) },
          },
        },
        waiting: { after: { pollInterval: 'polling' } },
        polling: {
          invoke: {
            id: 'poll',
            src: 'poll',
            input: ({ context }) => context.jobID,
            onDone: [
              { guard: ({ event }) => event.output === JobStatus.COMPLETED, target: 'done' },
              { target: 'waiting', actions: assign({ polls: ({ context }) => context.polls + 1 }) },
            ],
          },
        },
        done: { type: 'final' },
      },
      output: ({ context }) => context,
    });
    const actor = createActor(machine, { clock: sim.clock });
    actor.start();
    const output = await sim.clock.run(toPromise(actor));
    // Launch ends at 30s + 2h; polls every 5 minutes: the first poll after that is at 2h05m.
    expect(sim.clock.now() - Date.parse('2026-01-01T00:00:00Z')).toBe(125 * 60_000);
    expect(output?.polls).toBe(24);
    expect(sim.calls().filter((c) => c.operation === 'DescribeJobs')).toHaveLength(25);
  });
});
