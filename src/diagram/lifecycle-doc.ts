// Keeps the generated parts of docs/lifecycle.md (diagrams and the state table) in step with
// the machines. `npm run docs:lifecycle` rewrites them; a test fails when they drift.
import type { AnyStateMachine } from 'xstate';
import { lifecycleStates } from '../../machines/lifecycle.js';
import { planMachine } from '../../machines/plan.machine.js';
import { waveMachine } from '../../machines/wave.machine.js';
import { toMermaid } from './mermaid.js';

function stateTable(machine: AnyStateMachine): string {
  const rows = lifecycleStates(machine).map((s) => {
    const ponr = s.pointOfNoReturn
      ? '**point of no return**'
      : s.pastPointOfNoReturn
        ? 'past it'
        : 'before it';
    return `| \`${s.path}\` | ${s.description} | ${ponr} | ${s.final ? 'yes' : ''} |`;
  });
  return ['| state | meaning | point of no return | final |', '|---|---|---|---|', ...rows].join('\n');
}

/** The generated sections, by marker name. */
export function generatedSections(): Record<string, string> {
  return {
    'wave-diagram': `\`\`\`mermaid\n${toMermaid(waveMachine)}\`\`\``,
    'plan-diagram': `\`\`\`mermaid\n${toMermaid(planMachine)}\`\`\``,
    'wave-states': stateTable(waveMachine),
    'plan-states': stateTable(planMachine),
  };
}

const block = (name: string) =>
  new RegExp(`(<!-- generated:${name} -->)([\\s\\S]*?)(<!-- /generated:${name} -->)`);

/** Replaces each generated section of the document with the current rendering. */
export function updateLifecycleDoc(markdown: string): string {
  let out = markdown;
  for (const [name, content] of Object.entries(generatedSections())) {
    if (!block(name).test(out)) throw new Error(`docs/lifecycle.md lacks the markers for ${name}`);
    out = out.replace(
      block(name),
      (_m, open: string, _old: string, close: string) => `${open}\n${content}\n${close}`,
    );
  }
  return out;
}

/** The generated sections as they stand in the document. */
export function readGeneratedSection(markdown: string, name: string): string | undefined {
  return block(name).exec(markdown)?.[2]?.trim();
}
