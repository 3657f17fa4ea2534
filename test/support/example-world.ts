// The simulated AWS of an example folder, whatever its scenario file holds: one world (a plain
// scenario), or an estate of several accounts and regions (its home world's clients reach the
// others through forTarget, and calls() lists every world's). Tests that run every example use it.
import type { Plan } from '../../src/plan/types.js';
import {
  createSimulatedAws,
  createSimulatedEstate,
  estateForPlan,
  loadSimulationFileSync,
  type SimulatedAws,
} from '../../src/sim/index.js';

export function simulatedExample(plan: Plan, scenarioPath: string): SimulatedAws {
  const file = loadSimulationFileSync(scenarioPath);
  if (file.kind === 'world') return createSimulatedAws(file.scenario);
  const estate = createSimulatedEstate(estateForPlan(file.estate, plan, scenarioPath));
  return {
    ...estate.home,
    clients: Object.assign({}, estate.home.clients, { forTarget: estate.clients.forTarget }),
    probes: estate.probes,
    writes: estate.writes,
    calls: estate.calls,
  };
}
