// drs-failback from plain JavaScript, as another package uses it once installed
// (`npm install drs-failback`): Node 20, no TypeScript loader, no build step.
// Two ways to run a failback, both against the simulated AWS in virtual time:
//   1. createFailbackRun: the run the CLI uses (events, approvals, notifications, persistence);
//   2. a bare xstate actor: createActor(machine.provide(...), { input, inspect }).
//
//   node consumer.mjs [plan.yaml scenario.yaml]     (default: the package's three-wave example)
//
// Run by test/package/consumer.test.ts in a project that installed the packed package;
// docs/embedding.md quotes it.
import { fileURLToPath } from 'node:url';
import {
  activityActors,
  createAwsActors,
  createFailbackRun,
  createLogger,
  loadPlan,
  planRunInput,
} from 'drs-failback';
import { planMachine, waveMachine } from 'drs-failback/machines';
import { createSimulatedAws } from 'drs-failback/sim';
import { createActor } from 'xstate';

const example = (file) =>
  fileURLToPath(
    import.meta.resolve(`drs-failback/package.json`).replace('package.json', `examples/three-wave/${file}`),
  );

/** 1. createFailbackRun: approve every wave, count events, and inspect the actors. */
export async function runWithCreateFailbackRun(planPath, scenarioPath) {
  const plan = await loadPlan(planPath); // a promise: the file is read asynchronously
  const sim = createSimulatedAws(scenarioPath);
  const inspected = new Set();
  const run = createFailbackRun({
    plan,
    clients: sim.clients, // real AWS: { drs: new DrsClient({ region }), ec2: new EC2Client(...), sns: ... }
    clock: sim.clock,
    probes: sim.probes,
    simulated: true,
    inspect: (event) => inspected.add(event.type), // any xstate inspector
  });
  const counts = {};
  run.on((event) => {
    counts[event.type] = (counts[event.type] ?? 0) + 1;
    // Decide outside the listener: the run is in the middle of a step when it emits.
    if (event.type === 'approval.requested') queueMicrotask(() => run.approve('consumer.mjs'));
  });
  const result = await sim.clock.run(run.start());
  return {
    outcome: result.outcome,
    waves: result.waves.map((w) => `${w.name}: ${w.outcome}`),
    events: counts,
    inspected: [...inspected].sort(),
  };
}

/** 2. The machines as a plain xstate actor, with the standard activities on the simulated clients. */
export async function runWithCreateActor(planPath, scenarioPath) {
  const plan = await loadPlan(planPath);
  const sim = createSimulatedAws(scenarioPath);
  const activities = createAwsActors({
    drs: sim.clients.drs,
    ec2: sim.clients.ec2,
    log: createLogger({ level: 'silent' }),
    clock: sim.clock,
    emit: () => {}, // `check` and `job.log` events; a bare actor has no event stream
    probes: sim.probes,
  });
  const machine = planMachine.provide({
    actors: { wave: waveMachine.provide({ actors: activityActors(activities) }) },
  });
  const waveStates = [];
  const actor = createActor(machine, {
    input: planRunInput(plan, 'run-consumer-mjs', sim.clock.now(), 1),
    clock: sim.clock, // xstate's delays in the simulation's virtual time
    inspect: (event) => {
      if (event.type !== '@xstate.snapshot' || event.snapshot.machine?.id !== 'wave') return;
      const state = event.snapshot.value;
      if (waveStates.at(-1) !== state) waveStates.push(state);
      // Your own approval policy: here, approve every wave's point of no return.
      if (state === 'awaitingApproval')
        queueMicrotask(() => actor.send({ type: 'APPROVE', by: 'consumer.mjs' }));
    },
  });
  const done = new Promise((resolve, reject) =>
    actor.subscribe({ complete: () => resolve(actor.getSnapshot().output), error: reject }),
  );
  actor.start();
  const output = await sim.clock.run(done);
  return { outcome: output.outcome, waves: output.waves.map((w) => `${w.name}: ${w.outcome}`), waveStates };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [planPath = example('plan.yaml'), scenarioPath = example('scenario.yaml')] = process.argv.slice(2);
  const report = {
    createFailbackRun: await runWithCreateFailbackRun(planPath, scenarioPath),
    createActor: await runWithCreateActor(planPath, scenarioPath),
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}
