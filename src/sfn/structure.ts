// The machines' structure as Step Functions sees it: every leaf state and what it does there.
// Read only through xstate's public API (state nodes), so the engine follows the machines.
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import type { StateMeta } from '../../machines/meta.js';
import { planMachine } from '../../machines/plan.machine.js';
import { waveMachine } from '../../machines/wave.machine.js';

export const MACHINES = { plan: planMachine, wave: waveMachine } as const;
export type MachineName = keyof typeof MACHINES;

/** What a leaf does: it is what its ASL state is. */
export type LeafKind =
  /** Invokes an activity: a Lambda Task. */
  | { kind: 'invoke'; invokeId: string; actor: string }
  /** Invokes another machine: a child execution. */
  | { kind: 'execution'; invokeId: string; machine: MachineName }
  /**
   * Spawns children of another machine and waits for them (`xstate.done.actor.*`): a Map of child
   * executions, one per child its entry or its done events spawn.
   */
  | { kind: 'executions'; machine: MachineName }
  /**
   * Waits for a delayed event: a Wait state; when DRS's events can end it early
   * (`wokenByEvents`), a `.waitForTaskToken` Task whose timeout is the delay.
   */
  | { kind: 'wait'; delays: string[]; wokenByEvents: boolean }
  /** Waits for APPROVE or REFUSE (and maybe a deadline): a `.waitForTaskToken` Task. */
  | { kind: 'approval'; deadline: string | null }
  /** A final state: a Succeed state. */
  | { kind: 'final' }
  /** Left at once by an eventless transition: resolved inside the step, no ASL state. */
  | { kind: 'transient' };

export interface Leaf {
  /** Dotted path, e.g. `monitoringJob.polling`: the ASL state's name. */
  path: string;
  node: AnyStateNode;
  what: LeafKind;
}

function leavesOf(node: AnyStateNode): AnyStateNode[] {
  const children = Object.values(node.states);
  return children.length === 0 ? [node] : children.flatMap(leavesOf);
}

function machineNameOf(logic: unknown): MachineName | null {
  for (const [name, machine] of Object.entries(MACHINES)) if (machine === logic) return name as MachineName;
  return null;
}

/** A leaf that waits for children it spawned: it listens for any actor's done event. */
function waitsForSpawned(node: AnyStateNode): boolean {
  return 'xstate.done.actor.*' in ((node.config.on ?? {}) as Record<string, unknown>);
}

/** The one machine a machine can spawn (its actors that are machines of the engine). */
function spawnedMachine(machine: AnyStateMachine, node: AnyStateNode): MachineName {
  const names = Object.values(machine.implementations.actors as Record<string, unknown>)
    .map(machineNameOf)
    .filter((n): n is MachineName => n !== null);
  const [name, ...more] = names;
  if (!name || more.length > 0)
    throw new Error(
      `${node.path.join('.')}: spawns children of one machine of the engine, found ${names.length}`,
    );
  return name;
}

function kindOf(machine: AnyStateMachine, node: AnyStateNode): LeafKind {
  if (node.type === 'final') return { kind: 'final' };
  // Its eventless transition leaves once the children ended: checked by the step after each round.
  if (waitsForSpawned(node)) return { kind: 'executions', machine: spawnedMachine(machine, node) };
  if (node.always && node.always.length > 0) return { kind: 'transient' };
  const invoke = node.invoke[0];
  if (invoke) {
    const src = String(invoke.src);
    const logic = (machine.implementations.actors as Record<string, unknown>)[src];
    const child = machineNameOf(logic);
    if (node.invoke.length > 1) throw new Error(`${node.path.join('.')}: one invoke per leaf is supported`);
    if (node.after.length > 0) throw new Error(`${node.path.join('.')}: a delay beside an invoke`);
    return child
      ? { kind: 'execution', invokeId: invoke.id, machine: child }
      : { kind: 'invoke', invokeId: invoke.id, actor: src };
  }
  const on = (node.config.on ?? {}) as Record<string, unknown>;
  if ('APPROVE' in on || 'REFUSE' in on) {
    const deadline = node.after[0];
    if (node.after.length > 1) throw new Error(`${node.path.join('.')}: one deadline per approval`);
    return { kind: 'approval', deadline: deadline ? deadline.eventType : null };
  }
  if (node.after.length > 0) {
    const wokenByEvents = (node.meta as StateMeta | undefined)?.wokenByEvents === true;
    if (wokenByEvents && !('WAKE' in on))
      throw new Error(`${node.path.join('.')}: woken by events without WAKE`);
    return { kind: 'wait', delays: node.after.map((t) => t.eventType), wokenByEvents };
  }
  throw new Error(`${node.path.join('.')}: a leaf that neither invokes, waits nor ends`);
}

/** Every leaf of a machine in document order, with what it does. */
export function leavesOfMachine(name: MachineName): Leaf[] {
  const machine = MACHINES[name];
  return leavesOf(machine.root).map((node) => ({
    path: node.path.join('.'),
    node,
    what: kindOf(machine, node),
  }));
}

/** The leaves a transition into `node` can settle in (initial states and eventless transitions followed). */
function settledLeaves(node: AnyStateNode, seen: Set<AnyStateNode>): AnyStateNode[] {
  if (seen.has(node)) return [];
  seen.add(node);
  const children = Object.values(node.states);
  if (children.length > 0) {
    if (node.type === 'parallel')
      throw new Error(`${node.path.join('.')}: parallel states are not supported`);
    const initial = node.initial?.target ?? [];
    return initial.flatMap((t: AnyStateNode) => settledLeaves(t, seen));
  }
  if (node.always && node.always.length > 0) {
    // A leaf waiting for spawned children settles there, or (none to start) goes on at once.
    const out: AnyStateNode[] = waitsForSpawned(node) ? [node] : [];
    for (const t of node.always)
      for (const target of t.target ?? []) out.push(...settledLeaves(target, seen));
    return out;
  }
  return [node];
}

/**
 * The leaves a step can hand over to from `leaf`: targets of the transitions of the leaf and of
 * its ancestors, settled. Over-approximates (guards are not evaluated): a Choice may list a state
 * that the machine never picks from here, never the other way round.
 */
export function successorsOf(leaf: AnyStateNode): string[] {
  const out = new Set<string>();
  // A leaf waiting for spawned children leaves by its eventless transition once they ended.
  if (waitsForSpawned(leaf))
    for (const t of leaf.always ?? [])
      for (const target of t.target ?? [])
        for (const settled of settledLeaves(target, new Set())) out.add(settled.path.join('.'));
  for (let node: AnyStateNode | undefined = leaf; node; node = node.parent) {
    for (const transitions of node.transitions.values()) {
      for (const t of transitions) {
        for (const target of t.target ?? []) {
          for (const settled of settledLeaves(target, new Set())) out.add(settled.path.join('.'));
        }
        // A transition without a target (actions only, or re-entering) stays in this leaf.
        if ((t.target ?? []).length === 0) out.add(leaf.path.join('.'));
      }
    }
  }
  return [...out];
}

/** The leaves a machine starts in. */
export function initialLeaves(name: MachineName): string[] {
  return settledLeaves(MACHINES[name].root, new Set()).map((n) => n.path.join('.'));
}
