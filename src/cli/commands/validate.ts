// `drs-failback validate <plan>`: the plan file alone, no AWS call.
import { loadPlan } from '../../plan/load.js';
import type { Plan } from '../../plan/types.js';
import { type CliIO, palette, useColor, writeLine } from '../io.js';
import type { ValidateOptions } from '../options.js';
import { type PlanSummary, planLines, summarizePlan } from '../render.js';

export interface ValidateResult {
  plan: Plan;
  summary: PlanSummary;
}

/** Loads and validates the plan; throws ConfigError listing every problem. */
export async function validate(options: ValidateOptions, io: CliIO): Promise<ValidateResult> {
  const plan = await loadPlan(options.plan);
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
