// Plan files from disk or text to a validated `Plan`, or a ConfigError listing every problem.
import { loadConfigFile, parseConfigText } from '../config/index.js';
import { planSchema } from './schema.js';
import type { Plan } from './types.js';

/** Reads and validates a plan file (YAML or JSON); throws `ConfigError`. */
export function loadPlan(path: string): Promise<Plan> {
  return loadConfigFile(path, planSchema);
}

/** Validates plan text; `fileName` is only used in problem messages. Throws `ConfigError`. */
export function parsePlan(text: string, fileName: string): Plan {
  return parseConfigText(text, fileName, planSchema);
}
