// One process of the crash bench: starts the run, or resumes it from the state directory, in
// the simulated world saved next to it. Prints `ready` once the run is going and the outcome
// at the end. The parent kills it with SIGKILL at random moments.
import { readFileSync } from 'node:fs';
import { RunFinishedError } from '../../../src/store/errors.js';
import { crashScenario } from './fixture.js';
import { driveDurableRun } from './world.js';

export interface ChildConfig {
  stateDir: string;
  worldFile: string;
  planText: string;
  launchFails: boolean;
  runId: string;
  speed?: number;
}

async function main(): Promise<void> {
  const configFile = process.argv[2];
  if (!configFile) throw new Error('usage: child.ts <config.json>');
  const config = JSON.parse(readFileSync(configFile, 'utf8')) as ChildConfig;
  let announced = false;
  const finishing = driveDurableRun({
    stateDir: config.stateDir,
    worldFile: config.worldFile,
    scenario: crashScenario({ launchFails: config.launchFails }),
    planText: config.planText,
    runId: config.runId,
    ...(config.speed !== undefined ? { speed: config.speed } : {}),
    // One line per event: the parent can kill right after the Nth one (intents included).
    onEvent: (event) => {
      if (!announced) {
        announced = true;
        process.stdout.write('ready\n');
      }
      process.stdout.write(`e ${event.type}\n`);
    },
  });
  try {
    const result = await finishing;
    process.stdout.write(`${JSON.stringify({ outcome: result.outcome })}\n`);
  } catch (error) {
    // Killed after run.finished was logged but before the outcome was printed: the resume
    // rightly refuses, and the log has the outcome.
    if (!(error instanceof RunFinishedError)) throw error;
    process.stdout.write(`${JSON.stringify({ outcome: error.outcome, alreadyFinished: true })}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
