// A simulated failback that survives SIGKILL: the simulated world is saved (atomically, like
// the run's own snapshot) after every AWS call it answers, and the run keeps its state
// directory, so a new process resumes the same run in the same world. Used by the crash proof
// (proof.ts, run by bench/crash.ts and test/resume/crash.test.ts); not part of the product.
import { existsSync, readFileSync } from 'node:fs';
import type { AwsClients, DrsSender, Ec2Sender, SnsSender } from '../../../src/aws/clients.js';
import type { RunEvent } from '../../../src/events.js';
import { parsePlan } from '../../../src/plan/load.js';
import { resumeRun } from '../../../src/resume.js';
import { createStoredRun } from '../../../src/run/stored.js';
import type { FailbackRun, RunResult } from '../../../src/run.js';
import { loadSimulatedAws, type SimulatedAws } from '../../../src/sim/clients.js';
import { createSimulatedAws } from '../../../src/sim/index.js';
import type { Scenario } from '../../../src/sim/scenario.js';
import type { WorldState } from '../../../src/sim/state.js';
import { writeFileAtomicSync } from '../../../src/store/atomic.js';
import { RunStore } from '../../../src/store/run-store.js';

export interface DurableSim {
  sim: SimulatedAws;
  clients: AwsClients;
  saveWorld(): void;
}

type Send = (command: never) => Promise<unknown>;

/** Loads the world from `worldFile` when it exists (a resumed run), else creates it. */
export function openDurableSim(worldFile: string, scenario: Scenario): DurableSim {
  const sim = existsSync(worldFile)
    ? loadSimulatedAws(JSON.parse(readFileSync(worldFile, 'utf8')) as WorldState)
    : createSimulatedAws(scenario);
  const saveWorld = () => writeFileAtomicSync(worldFile, JSON.stringify(sim.save()));
  const durable = <T extends { send: unknown }>(client: T): T => {
    const send = (client.send as Send).bind(client);
    const wrapped = async (command: never) => {
      try {
        return await send(command);
      } finally {
        // What AWS did is on disk before the caller learns of it.
        saveWorld();
      }
    };
    return { send: wrapped } as unknown as T;
  };
  saveWorld();
  return {
    sim,
    saveWorld,
    clients: {
      drs: durable(sim.clients.drs as DrsSender),
      ec2: durable(sim.clients.ec2 as Ec2Sender),
      sns: durable(sim.clients.sns as SnsSender),
    },
  };
}

export interface DriveOptions {
  stateDir: string;
  worldFile: string;
  scenario: Scenario;
  planText: string;
  runId: string;
  /** Virtual seconds per real second; absent: as fast as possible. */
  speed?: number;
  onEvent?: (event: RunEvent) => void;
}

/** Starts the run, or resumes it when the state directory already has it; approves every wave. */
export async function driveDurableRun(options: DriveOptions): Promise<RunResult> {
  const { sim, clients } = openDurableSim(options.worldFile, options.scenario);
  const store = new RunStore({ stateDir: options.stateDir, now: () => sim.clock.now() });
  const common = { clients, clock: sim.clock, probes: sim.probes, writes: sim.writes, simulated: true };
  let run: FailbackRun;
  if (existsSync(`${store.runDir(options.runId)}/run.json`)) {
    run = await resumeRun({ store, runId: options.runId, ...common });
  } else {
    const plan = parsePlan(options.planText, 'plan.yaml');
    run = createStoredRun(store.create(plan, options.planText, options.runId), common);
  }
  run.on((event) => {
    options.onEvent?.(event);
    if (event.type === 'approval.requested') queueMicrotask(() => run.approve('crash-bench (--yes)'));
  });
  const result = run.start();
  // A run restored while awaiting approval does not announce the approval again (run.ts seeds
  // its states from the snapshot): approve it the way `resume --yes` would.
  const wave = run.actor.getSnapshot().children.wave?.getSnapshot() as { value?: unknown } | undefined;
  if (wave?.value === 'awaitingApproval' && !run.approve('crash-bench (--yes)')) {
    run.actor.send({ type: 'APPROVE', by: 'crash-bench (--yes, resumed)', at: sim.clock.now() });
  }
  return sim.clock.run(result, options.speed === undefined ? {} : { speed: options.speed });
}
