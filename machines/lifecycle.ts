// Which states are lifecycle states (announced, notified) and which are internal poll steps.
import type { AnyStateMachine, StateValue } from 'xstate';

export interface LifecycleStateInfo {
  /** Dotted path, e.g. `backout.stoppingFailback`. */
  path: string;
  description: string;
  pointOfNoReturn: boolean;
  pastPointOfNoReturn: boolean;
  final: boolean;
}

interface StateNodeLike {
  path: string[];
  meta?: unknown;
  tags: string[];
  type: string;
  states: Record<string, StateNodeLike>;
}

function metaOf(node: StateNodeLike): {
  lifecycle?: boolean;
  description?: string;
  pointOfNoReturn?: boolean;
} {
  return (node.meta ?? {}) as { lifecycle?: boolean; description?: string; pointOfNoReturn?: boolean };
}

/** Every lifecycle state of a machine, in document order, read from state meta and tags. */
export function lifecycleStates(machine: AnyStateMachine): LifecycleStateInfo[] {
  const out: LifecycleStateInfo[] = [];
  const walk = (node: StateNodeLike, insidePast: boolean) => {
    for (const child of Object.values(node.states)) {
      const meta = metaOf(child);
      const past = insidePast || child.tags.includes('pastPointOfNoReturn');
      if (meta.lifecycle) {
        out.push({
          path: child.path.join('.'),
          description: meta.description ?? '',
          pointOfNoReturn: meta.pointOfNoReturn === true,
          pastPointOfNoReturn: past,
          final: child.type === 'final',
        });
      }
      walk(child, past);
    }
  };
  walk(machine.root as unknown as StateNodeLike, false);
  return out;
}

/** The dotted path of the active leaf state, e.g. `monitoringJob.waiting`. */
export function leafPath(value: StateValue): string {
  if (typeof value === 'string') return value;
  const [key, child] = Object.entries(value)[0] ?? [];
  if (key === undefined) return '';
  return child === undefined ? key : `${key}.${leafPath(child as StateValue)}`;
}

/**
 * The deepest lifecycle state containing the active leaf: internal poll steps are folded away.
 * Null for a transient state outside every lifecycle state (never announced).
 */
export function lifecyclePath(value: StateValue, lifecyclePaths: ReadonlySet<string>): string | null {
  const parts = leafPath(value).split('.');
  for (let n = parts.length; n > 0; n--) {
    const candidate = parts.slice(0, n).join('.');
    if (lifecyclePaths.has(candidate)) return candidate;
  }
  return null;
}
