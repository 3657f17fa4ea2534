// drs-failback from TypeScript, as another package uses it once installed: the same two ways as
// consumer.mjs, typed. test/package/consumer.test.ts type-checks it in a project that installed
// the packed package, under `strict` and `exactOptionalPropertyTypes`, with
// `moduleResolution: node16` and with `bundler`; docs/embedding.md quotes it.
import {
  activityActors,
  createAwsActors,
  createFailbackRun,
  createLogger,
  type FailbackActivities,
  type FailbackRun,
  loadPlan,
  type Plan,
  type PlanOutput,
  planRunInput,
  type RunEvent,
  type RunResult,
} from 'drs-failback';
import { planMachine, waveMachine } from 'drs-failback/machines';
import { createSimulatedAws, type SimulatedAws } from 'drs-failback/sim';
import { createActor, type InspectionEvent } from 'xstate';

/** 1. createFailbackRun: approve every wave, and an activity of your own in place of one. */
export async function runWithCreateFailbackRun(planPath: string, scenarioPath: string): Promise<RunResult> {
  const plan: Plan = await loadPlan(planPath);
  const sim: SimulatedAws = createSimulatedAws(scenarioPath);
  const log = createLogger({ level: 'warn' });
  const standard = createAwsActors({
    drs: sim.clients.drs,
    ec2: sim.clients.ec2,
    log,
    clock: sim.clock,
    emit: () => {},
    probes: sim.probes,
  });
  // The standard verification, logged.
  const verifyFailback: FailbackActivities['verifyFailback'] = async (input) => {
    const verdict = await standard.verifyFailback(input);
    log.info({ wave: input.wave, verdict: verdict.verdict }, 'verified');
    return verdict;
  };
  const run: FailbackRun = createFailbackRun({
    plan,
    clients: sim.clients,
    clock: sim.clock,
    probes: sim.probes,
    simulated: true,
    log,
    activities: { verifyFailback },
    inspect: (event: InspectionEvent) => {
      if (event.type === '@xstate.event' && event.event.type === 'APPROVE') log.info('approved');
    },
  });
  run.on((event: RunEvent) => {
    if (event.type === 'approval.requested') queueMicrotask(() => run.approve('consumer.ts'));
  });
  return sim.clock.run(run.start());
}

/** 2. The machines as a plain xstate actor: createActor(machine.provide(...), { input, inspect }). */
export async function runWithCreateActor(planPath: string, scenarioPath: string): Promise<PlanOutput> {
  const plan = await loadPlan(planPath);
  const sim = createSimulatedAws(scenarioPath);
  const activities: FailbackActivities = createAwsActors({
    drs: sim.clients.drs,
    ec2: sim.clients.ec2,
    log: createLogger({ level: 'silent' }),
    clock: sim.clock,
    emit: () => {},
    probes: sim.probes,
  });
  const machine = planMachine.provide({
    actors: { wave: waveMachine.provide({ actors: activityActors(activities) }) },
  });
  const actor = createActor(machine, {
    input: planRunInput(plan, 'run-consumer-ts', sim.clock.now(), 1),
    clock: sim.clock,
    inspect: (event: InspectionEvent) => {
      if (event.type !== '@xstate.snapshot') return;
      const snapshot = event.snapshot as { machine?: { id: string }; value?: unknown };
      if (snapshot.machine?.id === 'wave' && snapshot.value === 'awaitingApproval') {
        queueMicrotask(() => actor.send({ type: 'APPROVE', by: 'consumer.ts' }));
      }
    },
  });
  const done = new Promise<PlanOutput>((resolve, reject) => {
    actor.subscribe({
      complete: () => {
        const { output } = actor.getSnapshot();
        if (output) resolve(output);
      },
      error: reject,
    });
  });
  actor.start();
  return sim.clock.run(done);
}
