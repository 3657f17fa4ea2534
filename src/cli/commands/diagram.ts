// `drs-failback diagram`: the statechart as Mermaid, generated from the machines themselves.
import { planMachine } from '../../../machines/plan.machine.js';
import { waveMachine } from '../../../machines/wave.machine.js';
import { toMermaid } from '../../diagram/mermaid.js';
import { type CliIO, writeLine } from '../io.js';
import type { DiagramOptions } from '../options.js';

export function diagram(options: DiagramOptions, io: CliIO): string {
  const parts: string[] = [];
  if (options.machine === 'wave' || options.machine === 'all') parts.push(toMermaid(waveMachine));
  if (options.machine === 'plan' || options.machine === 'all') parts.push(toMermaid(planMachine));
  const text = parts.join('\n');
  io.stdout.write(text);
  if (!text.endsWith('\n')) writeLine(io.stdout);
  return text;
}
