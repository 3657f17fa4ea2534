// Renders a machine's statechart as Mermaid, straight from the machine definition, so the
// docs cannot drift from the code (a test compares docs/lifecycle.md with this output).
import type { AnyStateMachine } from 'xstate';
import { metaOf } from '../../machines/lifecycle.js';

interface TransitionLike {
  eventType: string;
  target?: ReadonlyArray<{ id: string }> | undefined;
  guard?: unknown;
}
interface NodeLike {
  id: string;
  key: string;
  type: string;
  meta?: unknown;
  initial?: { target: ReadonlyArray<{ id: string }> } | undefined;
  states: Record<string, NodeLike>;
  transitions: Map<string, TransitionLike[]>;
  always?: TransitionLike[] | undefined;
}

const safeId = (machineId: string, id: string) =>
  id.slice(machineId.length + 1).replace(/\./g, '_') || 'root';

function eventLabel(eventType: string): string {
  const done = /^xstate\.done\.actor\.(.+)$/.exec(eventType);
  if (done) return `done ${done[1]}`;
  const error = /^xstate\.error\.actor\.(.+)$/.exec(eventType);
  if (error) return `error ${error[1]}`;
  const after = /^xstate\.after\.([^.]+)\./.exec(eventType);
  if (after) return `after ${after[1]}`;
  return eventType;
}

function guardLabel(guard: unknown): string {
  if (guard === undefined) return '';
  if (typeof guard === 'string') return ` [${guard}]`;
  if (typeof guard === 'object' && guard !== null && 'type' in guard) return ` [${String(guard.type)}]`;
  return ' [guarded]';
}

/** Mermaid `stateDiagram-v2` of the machine; states whose meta marks the point of no return are highlighted. */
export function toMermaid(machine: AnyStateMachine): string {
  const root = machine.root as unknown as NodeLike;
  const mid = root.id;
  const lines: string[] = ['stateDiagram-v2'];
  const edges: string[] = [];
  const pointOfNoReturn: string[] = [];
  const past: string[] = [];

  const declare = (node: NodeLike, indent: string) => {
    const initial = node.initial?.target[0];
    if (initial) lines.push(`${indent}[*] --> ${safeId(mid, initial.id)}`);
    for (const child of Object.values(node.states)) {
      const id = safeId(mid, child.id);
      const meta = metaOf(child);
      if (meta.pointOfNoReturn) pointOfNoReturn.push(id);
      else if (meta.pastPointOfNoReturn && Object.keys(child.states).length === 0) past.push(id);
      if (Object.keys(child.states).length > 0) {
        lines.push(`${indent}state "${child.key}" as ${id} {`);
        declare(child, `${indent}  `);
        lines.push(`${indent}}`);
      } else {
        lines.push(`${indent}state "${child.key}" as ${id}`);
      }
      if (child.type === 'final') edges.push(`  ${id} --> [*]`);
      const transitions = [...child.transitions.values()].flat().concat(child.always ?? []);
      for (const t of transitions) {
        for (const target of t.target ?? []) {
          const label = `${eventLabel(t.eventType)}${guardLabel(t.guard)}`;
          edges.push(`  ${id} --> ${safeId(mid, target.id)}${label ? `: ${label}` : ''}`);
        }
      }
    }
  };

  declare(root, '  ');
  lines.push(...edges);
  lines.push('  classDef pointOfNoReturn fill:#f8d7da,stroke:#b02a37,stroke-width:3px');
  lines.push('  classDef pastPointOfNoReturn fill:#fff3cd,stroke:#997404');
  if (pointOfNoReturn.length > 0) lines.push(`  class ${pointOfNoReturn.join(',')} pointOfNoReturn`);
  if (past.length > 0) lines.push(`  class ${past.join(',')} pastPointOfNoReturn`);
  return `${lines.join('\n')}\n`;
}
