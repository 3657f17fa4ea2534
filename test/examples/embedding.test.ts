// The embedding example is checked code: it type-checks with the project and runs here.
import { describe, expect, it } from 'vitest';
import { main, PLAN_YAML, planFrom } from '../../examples/embedding/embed.js';

describe('examples/embedding/embed.ts', () => {
  it('runs the plan with its own approval policy, subscriber, activity and DescribeJobs loop', async () => {
    const report = await main();
    expect(report.result.outcome).toBe('completed');
    expect(report.decisions).toEqual(['storage: approved', 'services: approved']);
    expect(report.transitions).toContain('storage: monitoringJob -> verifying');
    expect(report.transitions.at(-1)).toBe('services: verifying -> completed');
    expect(report.eventCounts['run.finished']).toBe(1);
    expect(report.eventCounts.notification).toBe(report.eventCounts.state);
    // The custom rule holds verification for two minutes, so it ran more than once per wave.
    expect(report.customVerifications).toBeGreaterThan(2);
    // The embedder's own loop saw both launch jobs start and complete.
    const last = report.jobWatch.at(-1) ?? '';
    expect(last.match(/=COMPLETED/g)).toHaveLength(2);
    expect(report.jobWatch.some((line) => line.includes('=STARTED'))).toBe(true);
  });

  it('reports every problem of an invalid plan at once', () => {
    const broken = PLAN_YAML.replace('approval: per-wave', 'aproval: per-wave').replace(
      'rto: 4h',
      'rto: soon',
    );
    expect(() => planFrom(broken)).toThrow(/invalid plan:\n(?=[\s\S]*rto)(?=[\s\S]*aproval)/);
  });
});
