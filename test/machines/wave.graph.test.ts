// Model-based coverage: @xstate/graph walks the pure wave machine with synthetic actor results
// and proves every state, every final state and every declared transition is reachable.
import { getAdjacencyMap, getShortestPaths } from '@xstate/graph';
import { describe, expect, it } from 'vitest';
import type { EventObject, StateValue } from 'xstate';
import { leafPath } from '../../machines/lifecycle.js';
import { waveMachine } from '../../machines/wave.machine.js';

import { allNodes, FINAL_STATES, isTransient, restingTargets, withMode } from '../support/wave-graph.js';

describe('wave machine: generated paths', () => {
  const modes = [
    withMode('if-unhealthy'),
    withMode('never'),
    withMode('if-unhealthy', false),
    withMode('if-unhealthy', false, { reprotect: true, cleanup: true }),
    withMode('if-unhealthy', false, { reprotect: false, cleanup: true }),
    withMode('if-unhealthy', true, undefined, undefined, {
      quiesce: 'confirm',
      maxLagMs: 30_000,
      timeoutMs: 1_800_000,
    }),
    withMode('if-unhealthy', false, undefined, undefined, {
      quiesce: 'none',
      maxLagMs: 30_000,
      timeoutMs: 60_000,
    }),
  ];
  const paths = modes.flatMap((m) => getShortestPaths(waveMachine, m as never));
  const reached = new Set(paths.map((p) => leafPath(p.state.value as StateValue)));

  it('reaches every leaf state', () => {
    const leaves = allNodes(waveMachine)
      .filter((n) => Object.keys(n.states).length === 0 && !isTransient(n))
      .map((n) => n.id.replace(/^wave\./, ''));
    expect([...reached].sort()).toEqual(expect.arrayContaining(leaves.sort()));
    expect(leaves.every((l) => reached.has(l))).toBe(true);
  });

  it('reaches each final state with a path whose last event explains it', () => {
    for (const final of FINAL_STATES) {
      const path = paths.find((p) => leafPath(p.state.value as StateValue) === final);
      expect(path, final).toBeDefined();
      expect(path?.state.status).toBe('done');
    }
  });

  it('takes every declared transition (source, event, target)', () => {
    const taken = new Set<string>();
    for (const m of modes) {
      const adjacency = getAdjacencyMap(waveMachine, m as never);
      for (const entry of Object.values(adjacency)) {
        const from = entry.state as { value: StateValue };
        for (const t of Object.values(entry.transitions) as {
          state: { value: StateValue };
          event: EventObject;
        }[]) {
          taken.add(`${leafPath(from.value)}|${t.event.type}|${leafPath(t.state.value)}`);
        }
      }
    }
    const leafIds = new Map(allNodes(waveMachine).map((n) => [n.id, n] as const));
    const declared: string[] = [];
    for (const node of allNodes(waveMachine)) {
      for (const [eventType, defs] of node.transitions) {
        for (const def of defs) {
          for (const target of def.target ?? []) declared.push(`${node.id}|${eventType}|${target.id}`);
        }
      }
    }
    // A declared transition is covered when some taken step starts inside its source and ends inside its target.
    const missing = declared.filter((d) => {
      const [src, ev, dst] = d.split('|') as [string, string, string];
      const s = src.replace(/^wave\.?/, '');
      const targets = restingTargets(dst).map((t) => t.replace(/^wave\.?/, ''));
      return ![...taken].some((k) => {
        const [a, e, b] = k.split('|') as [string, string, string];
        return (
          e === ev &&
          (a === s || a.startsWith(`${s}.`)) &&
          targets.some((t) => b === t || b.startsWith(`${t}.`))
        );
      });
    });
    expect(leafIds.size).toBeGreaterThan(20);
    expect(missing).toEqual([]);
  });
});
