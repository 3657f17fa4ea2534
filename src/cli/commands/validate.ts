// `drs-failback validate <plan>`: the plan file alone, no AWS call.
import { ConfigError } from '../../config/index.js';
import { loadPlan } from '../../plan/load.js';
import type { Plan } from '../../plan/types.js';
import { type CliIO, palette, useColor, writeLine } from '../io.js';
import type { ValidateOptions } from '../options.js';
import { type PlanSummary, planLines, summarizePlan } from '../render.js';

export interface ValidateResult {
  plan: Plan;
  summary: PlanSummary;
}

/**
 * Loads and validates the plan; throws ConfigError listing every problem. With `--json` the
 * problems are also printed as one JSON document on stdout (`{ valid: false, problems }`), so a
 * script reads them without parsing stderr; the exit code stays 2.
 */
export async function validate(options: ValidateOptions, io: CliIO): Promise<ValidateResult> {
  let plan: Plan;
  try {
    plan = await loadPlan(options.plan);
  } catch (error) {
    if (options.json && error instanceof ConfigError) {
      writeLine(io.stdout, JSON.stringify({ valid: false, problems: error.problems }));
    }
    throw error;
  }
  const summary = summarizePlan(plan);
  if (options.json) {
    writeLine(io.stdout, JSON.stringify({ valid: true, plan: summary }));
  } else {
    const p = palette(useColor(io));
    for (const line of planLines(summary, p)) writeLine(io.stdout, line);
    writeLine(io.stdout, `${options.plan}: ${p.green('valid')}`);
  }
  return { plan, summary };
}
