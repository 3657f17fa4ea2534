// The crash proof, small: child processes SIGKILLed at seeded random moments and resumed.
// The harness is test/support/crash/; the full bench (60+ kills, both outcomes) is
// `npx tsx bench/crash.ts`; see docs/reliability.md.
import { describe, expect, it } from 'vitest';
import { runCrashProof } from '../support/crash/proof.js';

describe('crash proof (SIGKILL, resume)', () => {
  it('same outcome as uninterrupted, one StartFailbackLaunch per instance, no transition lost', async () => {
    const result = await runCrashProof({
      kills: 3,
      seed: 7,
      speed: 1200,
      killsPerRun: 2,
      variants: ['completes'],
    });
    expect(result.problems).toEqual([]);
    expect(result.kills).toBeGreaterThanOrEqual(3);
    const [variant] = result.variants;
    expect(variant?.outcomes.every((o) => o === variant.baselineOutcome)).toBe(true);
    expect(variant?.maxStartsPerInstance).toBe(1);
    expect(variant?.missingTransitions).toEqual([]);
    expect(variant?.damagedEventLines).toBe(0);
  }, 240_000);
});
