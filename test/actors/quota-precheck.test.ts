// The precheck's `quota` check and the job limits it settles, against the simulated AWS: DRS's
// live quotas from Service Quotas when the plan reads them, the plan's values when they cannot
// be read, and a warning when a wave cannot start at once.
import { StartFailbackLaunchCommand } from '@aws-sdk/client-drs';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { JobSettings, PrecheckOutput } from '../../machines/types.js';
import { createAwsActors } from '../../src/actors/index.js';
import type { ActorDeps } from '../../src/actors/types.js';
import { DRS_JOB_QUOTAS } from '../../src/aws/quotas.js';
import type { RunEventBody } from '../../src/events.js';
import { checkData } from '../../src/prechecks/index.js';
import { createSimulatedAws, type ScenarioFile, toScenario } from '../../src/sim/index.js';

const sid = (n: number) => `s-${String(n).padStart(17, '0')}`;
const rid = (n: number) => `i-${(0x1000 + n).toString(16).padStart(17, '0')}`;

/** A simulated world of `count` on-premises servers ready for failback, and the actors over it. */
function world(count: number, extra: Partial<ScenarioFile> = {}) {
  const sim = createSimulatedAws(
    toScenario({
      seed: 3,
      servers: Array.from({ length: count }, (_, i) => ({
        sourceServerID: sid(i),
        recoveryInstanceID: rid(i),
      })),
      ...extra,
    }),
  );
  const events: RunEventBody[] = [];
  const deps: ActorDeps = {
    drs: sim.clients.drs,
    ec2: sim.clients.ec2,
    serviceQuotas: sim.clients.serviceQuotas,
    regional: (r) => sim.clients.forRegion(r),
    log: pino({ level: 'silent' }),
    clock: sim.clock,
    emit: (e) => events.push(e),
    probes: sim.probes,
  };
  const actors = createAwsActors(deps);
  const precheck = (servers: number, jobs: JobSettings, from = 0): Promise<PrecheckOutput> =>
    actors.precheck({
      runId: 'run-1',
      wave: 'big',
      servers: Array.from({ length: servers }, (_, i) => ({ sourceServerID: sid(from + i) })),
      rpoMs: 15 * 60_000,
      rtoDeadlineAt: sim.clock.now() + 4 * 3_600_000,
      restore: 'never',
      jobs,
    });
  const quotaCalls = () => sim.calls().filter((c) => c.operation === 'GetServiceQuota');
  return { sim, events, precheck, quotaCalls };
}

const quotaCheck = (out: PrecheckOutput) => out.checks.filter((c) => c.name === 'quota');

describe('the quota precheck', () => {
  it('reads nothing and says nothing for a wave that is one job', async () => {
    const w = world(3);
    const out = await w.precheck(3, { maxServers: 100, maxInFlight: 500, readQuotas: false });
    expect(out.ok).toBe(true);
    expect(quotaCheck(out)).toEqual([]);
    expect(w.quotaCalls()).toEqual([]);
    expect(out.limits).toEqual({ maxServers: 100, maxInFlight: 500, maxJobs: 20 });
  });

  it("lowers the plan's figures to DRS's live quotas, read once per run, and warns", async () => {
    const w = world(6, { limits: { serversPerJob: 2, serversInAllJobs: 4, concurrentJobs: 3 } });
    const jobs = { maxServers: 3, maxInFlight: 5, readQuotas: true };
    const out = await w.precheck(6, jobs);
    expect(out.limits).toEqual({ maxServers: 2, maxInFlight: 4, maxJobs: 3 });
    const [check] = quotaCheck(out);
    expect(check?.status).toBe('warn');
    expect(check?.detail).toContain("job.maxServers 3 is above DRS's quota of 2: 2 applies");
    expect(check?.detail).toContain("job.maxInFlight 5 is above DRS's quota of 4: 4 applies");
    expect(check?.detail).toContain('6 servers in 3 jobs, but only 4 can start at once');
    expect(checkData(check ?? { name: 'quota', data: {} }, 'quota')).toMatchObject({
      limits: { maxServers: 2, maxInFlight: 4, maxJobs: 3 },
      plan: { maxServers: 3, maxInFlight: 5 },
      live: { serversPerJob: 2, serversInAllJobs: 4, concurrentJobs: 3 },
      unread: [],
      servers: 6,
      jobs: 3,
      startsAtOnce: 4,
    });
    expect(w.quotaCalls().map((c) => (c.input as { QuotaCode: string }).QuotaCode)).toEqual([
      DRS_JOB_QUOTAS.serversPerJob.code,
      DRS_JOB_QUOTAS.serversInAllJobs.code,
      DRS_JOB_QUOTAS.concurrentJobs.code,
    ]);
    // A second wave of the same run reads them no more.
    await w.precheck(3, jobs, 3);
    expect(w.quotaCalls()).toHaveLength(3);
  });

  it('passes when the wave fits, saying which limits apply', async () => {
    const w = world(150);
    const out = await w.precheck(150, { maxServers: 100, maxInFlight: 500, readQuotas: true });
    const [check] = quotaCheck(out);
    expect(check?.status).toBe('pass');
    expect(check?.detail).toBe(
      "150 servers start at once as 2 jobs: jobs of at most 100 servers, 500 in flight, 20 jobs at once (DRS's live quotas read)",
    );
  });

  it("AccessDenied on GetServiceQuota: a warning naming the action, and the plan's values apply", async () => {
    const w = world(4, { faults: [{ operation: 'GetServiceQuota', error: 'AccessDeniedException' }] });
    const out = await w.precheck(4, { maxServers: 2, maxInFlight: 300, readQuotas: true });
    expect(out.ok).toBe(true);
    expect(out.failure).toBeUndefined();
    expect(out.limits).toEqual({ maxServers: 2, maxInFlight: 300, maxJobs: 20 });
    const [check] = quotaCheck(out);
    expect(check?.status).toBe('warn');
    expect(check?.detail).toContain(
      "DRS's job quotas could not be read in the DR region (AccessDeniedException; grant servicequotas:GetServiceQuota): the plan's values apply",
    );
    // One refused call: the other quotas are not asked after an AccessDenied.
    expect(w.quotaCalls().map((c) => c.ok)).toEqual([false]);
  });

  it('warns when other active jobs hold the capacity the wave needs', async () => {
    const w = world(12);
    // Someone else's job holds servers 10 and 11; the in-flight limit is 10.
    await w.sim.clients.drs.send(new StartFailbackLaunchCommand({ recoveryInstanceIDs: [rid(10), rid(11)] }));
    const out = await w.precheck(10, { maxServers: 5, maxInFlight: 10, readQuotas: false });
    expect(out.limits).toEqual({ maxServers: 5, maxInFlight: 10, maxJobs: 20 });
    const [check] = quotaCheck(out);
    expect(check?.status).toBe('warn');
    expect(check?.detail).toContain(
      '10 servers in 2 jobs, but only 8 can start at once (at most 10 in flight and 20 jobs; other active jobs hold 2 servers in 1 job)',
    );
    expect(w.quotaCalls()).toEqual([]);
  });
});
