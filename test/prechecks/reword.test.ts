// The report reads what checks found from their `data`, never from their wording: every example
// runs twice, once with the registry as it is and once with every check's detail reworded, and
// the reports (Markdown and JSON) are the same once each original detail is replaced by the new
// wording wherever the report quotes it.

import { readdirSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import type { RunEvent } from '../../src/events.js';
import { loadPlan } from '../../src/plan/load.js';
import type { PrecheckStage } from '../../src/prechecks/index.js';
import { buildReport, renderReportJson, renderReportMarkdown } from '../../src/report/index.js';
import { escapeMarkdown } from '../../src/text/safe.js';
import { RUN_ID, runOnSimulation } from '../e2e/harness.js';
import { simulatedExample } from '../support/example-world.js';

const REWORDED = 'reworded';
const reword = vi.hoisted(() => ({ on: false }));

// The registry, wrapped: while `reword.on`, every check says the same meaningless sentence.
vi.mock('../../src/prechecks/index.js', async (importOriginal) => {
  const registry = await importOriginal<typeof import('../../src/prechecks/index.js')>();
  const wrap = (stage: PrecheckStage): PrecheckStage => ({
    ...stage,
    checks: stage.checks.map((check) => ({
      name: check.name,
      evaluate: (reads, scope) =>
        check
          .evaluate(reads, scope)
          .map((outcome) => (reword.on ? { ...outcome, detail: REWORDED } : outcome)),
    })),
  });
  return { ...registry, PRECHECK_STAGES: registry.PRECHECK_STAGES.map(wrap) };
});

const EXAMPLES = readdirSync('examples', { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .filter((name) => {
    const files = readdirSync(`examples/${name}`);
    return files.includes('plan.yaml') && files.includes('scenario.yaml');
  })
  .sort();

async function reportOf(example: string, reworded: boolean) {
  reword.on = reworded;
  try {
    const plan = await loadPlan(`examples/${example}/plan.yaml`);
    const sim = simulatedExample(plan, `examples/${example}/scenario.yaml`);
    const run = await runOnSimulation(plan, sim);
    const report = buildReport({ runId: RUN_ID, events: run.events, plan, results: run.result.waves });
    return { events: run.events, report, md: renderReportMarkdown(report), json: renderReportJson(report) };
  } finally {
    reword.on = false;
  }
}

const checksOf = (events: readonly RunEvent[]) => events.flatMap((e) => (e.type === 'check' ? [e] : []));

/** Replaces every detail (longest first: one may contain another) by the new wording. */
function substitute(text: string, details: readonly string[], quote = (s: string) => s): string {
  let out = text;
  for (const detail of [...details].sort((a, b) => b.length - a.length)) {
    out = out.split(quote(detail)).join(REWORDED);
  }
  return out;
}

/** The same in every string of a JSON value (so escaping inside JSON text does not matter). */
function substituteJson(value: unknown, details: readonly string[]): unknown {
  if (typeof value === 'string') return substitute(value, details);
  if (Array.isArray(value)) return value.map((v) => substituteJson(v, details));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteJson(v, details)]));
  }
  return value;
}

describe('the report does not depend on how checks are worded', () => {
  it('runs every runnable example', () => {
    expect(EXAMPLES.length).toBeGreaterThanOrEqual(10);
  });

  for (const example of EXAMPLES) {
    it(`${example}: Markdown and JSON reports unchanged when every check detail is reworded`, async () => {
      const original = await reportOf(example, false);
      const reworded = await reportOf(example, true);

      // Non-vacuous: the rewording reached every check, and the same checks ran with the same data.
      const before = checksOf(original.events);
      const after = checksOf(reworded.events);
      expect(before.length).toBeGreaterThan(0);
      expect(after.every((c) => c.detail === REWORDED)).toBe(true);
      expect(after.map(({ detail: _, ...c }) => c)).toEqual(before.map(({ detail: _, ...c }) => c));

      const details = [...new Set(before.map((c) => c.detail))];
      // Details appear escaped twice over: as Markdown text (a wave's `Why:` line) and in table cells.
      const asText = substitute(original.md, details, escapeMarkdown);
      expect(reworded.md).toBe(substitute(asText, details, (d) => d.replace(/\|/g, '\\|')));
      expect(JSON.parse(reworded.json)).toEqual(substituteJson(JSON.parse(original.json), details));
    });
  }

  it('the evidence compared is really there: recovery points and EC2-origin facts come from data', async () => {
    const onPremises = await reportOf('three-wave', true);
    const points = onPremises.report.waves.flatMap((w) => w.servers.map((s) => s.newestRecoveryPointAt));
    expect(points.length).toBeGreaterThan(0);
    expect(points.every((p) => p !== null && !Number.isNaN(Date.parse(p)))).toBe(true);
    expect(onPremises.report.rpo.worstAgeMs).not.toBeNull();

    const ec2Origin = await reportOf('ec2-origin', true);
    const servers = ec2Origin.report.waves.flatMap((w) => w.ec2Origin?.servers ?? []);
    expect(servers.length).toBeGreaterThan(0);
    for (const server of servers) {
      expect(server.originRegion).toBe('us-west-2');
      expect(server.reversedSourceServerID).toMatch(/^s-[0-9a-zA-Z]{17}$/);
      expect(server.drRecoveryInstanceID).toMatch(/^i-/);
    }
  });
});
