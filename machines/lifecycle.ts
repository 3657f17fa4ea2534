// Lifecycle facts, derived from the typed state meta of the machines (machines/meta.ts) and
// nowhere else: which states are announced, what they mean, which are past the point of no
// return, which approval a state waits for, which outcome a final state ends with. The CLI,
// notifications, report, live view and docs/lifecycle.md read them from here.
import type { AnyStateMachine, StateValue } from 'xstate';
import type { StateMeta } from './meta.js';
import { planMachine } from './plan.machine.js';
import type { Outcome } from './types.js';
import {
  type ApprovalContext,
  type ApprovalDetails,
  type ApprovalKind,
  approvalDetails,
  describeApproval,
} from './wave/approvals.js';
import { waveMachine } from './wave/machine.js';

export type { StateMeta } from './meta.js';

export interface LifecycleStateInfo {
  /** Dotted path, e.g. `backout.stoppingFailback`. */
  path: string;
  /** The state's label, for people. */
  description: string;
  pointOfNoReturn: boolean;
  /** The state or one of its ancestors is past the point of no return. */
  pastPointOfNoReturn: boolean;
  /** The state or one of its ancestors keeps the DR side serving. */
  backout: boolean;
  final: boolean;
  /** Final states: the outcome the machine ends with. */
  outcome?: Outcome;
  /** The state waits for a person to approve this. */
  approval?: ApprovalKind;
}

interface StateNodeLike {
  path: string[];
  meta?: unknown;
  type: string;
  states: Record<string, StateNodeLike>;
}

/** The typed meta of a state node (machines/meta.ts); `{}` when it has none. */
export function metaOf(node: { meta?: unknown }): StateMeta {
  return (node.meta ?? {}) as StateMeta;
}

/** Every state node of a machine below the root, in document order. */
export function stateNodes(machine: AnyStateMachine): StateNodeLike[] {
  const out: StateNodeLike[] = [];
  const walk = (node: StateNodeLike) => {
    for (const child of Object.values(node.states)) {
      out.push(child);
      walk(child);
    }
  };
  walk(machine.root as unknown as StateNodeLike);
  return out;
}

/** Every lifecycle state of a machine (a state with a label), in document order. */
export function lifecycleStates(machine: AnyStateMachine): LifecycleStateInfo[] {
  const out: LifecycleStateInfo[] = [];
  const walk = (node: StateNodeLike, insidePast: boolean, insideBackout: boolean) => {
    for (const child of Object.values(node.states)) {
      const meta = metaOf(child);
      const past = insidePast || meta.pastPointOfNoReturn === true;
      const backout = insideBackout || meta.backout === true;
      if (meta.label !== undefined) {
        out.push({
          path: child.path.join('.'),
          description: meta.label,
          pointOfNoReturn: meta.pointOfNoReturn === true,
          pastPointOfNoReturn: past,
          backout,
          final: child.type === 'final',
          ...(meta.outcome ? { outcome: meta.outcome } : {}),
          ...(meta.approval ? { approval: meta.approval } : {}),
        });
      }
      walk(child, past, backout);
    }
  };
  walk(machine.root as unknown as StateNodeLike, false, false);
  return out;
}

/** The lifecycle facts of one machine, by dotted lifecycle path. */
export class Lifecycle {
  readonly states: readonly LifecycleStateInfo[];
  readonly paths: ReadonlySet<string>;
  readonly #byPath: ReadonlyMap<string, LifecycleStateInfo>;

  constructor(machine: AnyStateMachine) {
    this.states = lifecycleStates(machine);
    this.paths = new Set(this.states.map((s) => s.path));
    this.#byPath = new Map(this.states.map((s) => [s.path, s]));
  }

  label(path: string): string | undefined {
    return this.#byPath.get(path)?.description;
  }

  /** Whether `path` (or the lifecycle state it lies in) is past the point of no return. */
  isPastPointOfNoReturn(path: string): boolean {
    return this.#enclosing(path)?.pastPointOfNoReturn === true;
  }

  /** Whether `path` (or the lifecycle state it lies in) is part of a backout. */
  isBackout(path: string): boolean {
    return this.#enclosing(path)?.backout === true;
  }

  isFinal(path: string): boolean {
    return this.#byPath.get(path)?.final === true;
  }

  outcome(path: string): Outcome | undefined {
    return this.#byPath.get(path)?.outcome;
  }

  approval(path: string): ApprovalKind | undefined {
    return this.#byPath.get(path)?.approval;
  }

  /** What approving does in `path`; null when the state does not wait for a person. */
  approvalPrompt(path: string | undefined, context: ApprovalContext): string | null {
    const kind = path === undefined ? undefined : this.approval(path);
    return kind === undefined ? null : describeApproval(kind, context);
  }

  /** The calls, servers and regions approving lets through in `path`; null when nothing waits. */
  approvalDetails(path: string | undefined, context: ApprovalContext): ApprovalDetails | null {
    const kind = path === undefined ? undefined : this.approval(path);
    return kind === undefined ? null : approvalDetails(kind, context);
  }

  #enclosing(path: string): LifecycleStateInfo | undefined {
    const parts = path.split('.');
    for (let n = parts.length; n > 0; n--) {
      const state = this.#byPath.get(parts.slice(0, n).join('.'));
      if (state) return state;
    }
    return undefined;
  }
}

export const waveLifecycle = new Lifecycle(waveMachine);
export const planLifecycle = new Lifecycle(planMachine);

/** The outcome a state of either machine ends with (both machines name their final states alike). */
export function outcomeOfState(path: string, machine?: 'plan' | 'wave'): Outcome | undefined {
  if (machine === 'plan') return planLifecycle.outcome(path);
  if (machine === 'wave') return waveLifecycle.outcome(path);
  return waveLifecycle.outcome(path) ?? planLifecycle.outcome(path);
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
