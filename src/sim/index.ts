// The simulated AWS for dry runs: see docs/simulation.md.
export {
  createSimulatedAws,
  loadSimulatedAws,
  type SimulatedAws,
  type SimulatedAwsOptions,
  type SimulatedClients,
  type SimulatedRegionalClients,
} from './clients.js';
export { type DataOracleEntry, dataOracle, type ServingCopy } from './data.js';
export { FAULT_ERROR_NAMES } from './errors.js';
export { createSimulatedEstate, loadSimulatedEstate, type SimulatedEstate } from './estate.js';
export {
  type EstatePlan,
  type EstateScenario,
  type EstateWorld,
  estateForPlan,
  estateScenarioSchema,
  loadEstateScenarioFileSync,
  loadSimulationFileSync,
  parseSimulationText,
  SELF_ACCOUNT,
  type SimulationFile,
} from './estate-scenario.js';
export {
  estateJournalHeaderLine,
  JOURNAL_FORMAT,
  journalCallLine,
  journalHeaderLine,
  journalNowLine,
  journalWritesLine,
  type SavedSimulation,
  simulationFromText,
  WorldJournalError,
  worldFromText,
} from './journal.js';
export { createSimulatedProbes } from './probes.js';
export {
  checkScenarioForPlan,
  knownRegions,
  loadScenarioFile,
  loadScenarioFileSync,
  parseScenarioText,
  SCENARIO_DEFAULTS,
  type Scenario,
  type ScenarioFault,
  type ScenarioFile,
  type ScenarioReverseReplication,
  type ScenarioServer,
  SIM_OPERATIONS,
  scenarioSchema,
  toScenario,
} from './scenario.js';
export type { PublishedMessage, RecordedCall, WorldState } from './state.js';
export { parseDuration } from './time.js';
export { DEFAULT_START_AT, type RunOptions, SimulationStalledError, VirtualClock } from './virtual-clock.js';
export { World, type WritesChange } from './world.js';
