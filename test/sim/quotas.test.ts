import {
  DescribeRecoveryInstancesCommand,
  type DescribeRecoveryInstancesCommandInput,
  ServiceQuotaExceededException,
  StartFailbackLaunchCommand,
  StartRecoveryCommand,
} from '@aws-sdk/client-drs';
import {
  AccessDeniedException,
  GetServiceQuotaCommand,
  NoSuchResourceException,
} from '@aws-sdk/client-service-quotas';
import { describe, expect, it } from 'vitest';
import { collectItems, DRS_TOKENS } from '../../src/aws/paginate.js';
import { DRS_JOB_QUOTAS } from '../../src/aws/quotas.js';
import { createSimulatedAws, type ScenarioFile, toScenario } from '../../src/sim/index.js';
import { rejection } from './helpers.js';

/** A world of `count` on-premises servers ready for failback. */
function fleet(count: number, extra: Partial<ScenarioFile> = {}) {
  const sim = createSimulatedAws(toScenario({ seed: 7, servers: [{ count }], ...extra }));
  const instances = async () =>
    (
      await collectItems(
        (input: DescribeRecoveryInstancesCommandInput) =>
          sim.clients.drs.send(new DescribeRecoveryInstancesCommand(input)),
        {},
        DRS_TOKENS,
        (page) => page.items,
      )
    ).map((ri) => ({ id: ri.recoveryInstanceID ?? '', source: ri.sourceServerID ?? '' }));
  return { sim, instances };
}

const quotaCodeOf = (error: unknown) => (error as { quotaCode?: string }).quotaCode;

describe('the simulated DRS enforces the job quotas', () => {
  it('refuses a launch of more than 100 servers in one job, and takes 100', async () => {
    const { sim, instances } = fleet(101);
    const ids = (await instances()).map((i) => i.id);
    expect(ids).toHaveLength(101);
    const error = await rejection(
      sim.clients.drs.send(new StartFailbackLaunchCommand({ recoveryInstanceIDs: ids })),
    );
    expect(error).toBeInstanceOf(ServiceQuotaExceededException);
    expect(quotaCodeOf(error)).toBe(DRS_JOB_QUOTAS.serversPerJob.code);
    expect(error.message).toContain('At most 100 source servers in a single job (101 requested)');
    // Nothing started: the whole request was refused.
    expect(sim.world.jobs()).toHaveLength(0);
    await expect(
      sim.clients.drs.send(new StartFailbackLaunchCommand({ recoveryInstanceIDs: ids.slice(0, 100) })),
    ).resolves.toMatchObject({ job: { status: 'PENDING' } });
  });

  it('refuses StartRecovery beyond the per-job quota too', async () => {
    const { sim, instances } = fleet(3, { limits: { serversPerJob: 2 } });
    const sources = (await instances()).map((i) => ({ sourceServerID: i.source }));
    const error = await rejection(sim.clients.drs.send(new StartRecoveryCommand({ sourceServers: sources })));
    expect(error).toBeInstanceOf(ServiceQuotaExceededException);
    expect(quotaCodeOf(error)).toBe(DRS_JOB_QUOTAS.serversPerJob.code);
  });

  it('refuses servers beyond 500 across active jobs, and starts again once a job ended', async () => {
    const { sim, instances } = fleet(501);
    const ids = (await instances()).map((i) => i.id);
    for (let i = 0; i < 500; i += 100) {
      await sim.clients.drs.send(
        new StartFailbackLaunchCommand({ recoveryInstanceIDs: ids.slice(i, i + 100) }),
      );
    }
    const error = await rejection(
      sim.clients.drs.send(new StartFailbackLaunchCommand({ recoveryInstanceIDs: [ids[500] ?? ''] })),
    );
    expect(error).toBeInstanceOf(ServiceQuotaExceededException);
    expect(quotaCodeOf(error)).toBe(DRS_JOB_QUOTAS.serversInAllJobs.code);
    expect(error.message).toContain('(500 busy, 1 requested)');
    // The default launch takes 20 minutes after a 30 s start delay: then the capacity is free.
    sim.clock.advanceBy(21 * 60_000);
    await expect(
      sim.clients.drs.send(new StartFailbackLaunchCommand({ recoveryInstanceIDs: [ids[500] ?? ''] })),
    ).resolves.toBeDefined();
  });

  it('refuses a 21st concurrent job', async () => {
    const { sim, instances } = fleet(21);
    const ids = (await instances()).map((i) => i.id);
    for (const id of ids.slice(0, 20)) {
      await sim.clients.drs.send(new StartFailbackLaunchCommand({ recoveryInstanceIDs: [id] }));
    }
    const error = await rejection(
      sim.clients.drs.send(new StartFailbackLaunchCommand({ recoveryInstanceIDs: [ids[20] ?? ''] })),
    );
    expect(error).toBeInstanceOf(ServiceQuotaExceededException);
    expect(quotaCodeOf(error)).toBe(DRS_JOB_QUOTAS.concurrentJobs.code);
  });
});

describe('the simulated Service Quotas', () => {
  it("answers GetServiceQuota of DRS's job quotas with the world's limits", async () => {
    const { sim } = fleet(1, { limits: { serversPerJob: 50, serversInAllJobs: 150 } });
    const value = async (code: string) =>
      (
        await sim.clients.serviceQuotas.send(
          new GetServiceQuotaCommand({ ServiceCode: 'drs', QuotaCode: code }),
        )
      ).Quota?.Value;
    expect(await value(DRS_JOB_QUOTAS.serversPerJob.code)).toBe(50);
    expect(await value(DRS_JOB_QUOTAS.serversInAllJobs.code)).toBe(150);
    expect(await value(DRS_JOB_QUOTAS.concurrentJobs.code)).toBe(20);
    const unknown = await rejection(
      sim.clients.serviceQuotas.send(
        new GetServiceQuotaCommand({ ServiceCode: 'drs', QuotaCode: 'L-00000000' }),
      ),
    );
    expect(unknown).toBeInstanceOf(NoSuchResourceException);
    expect(sim.calls().map((c) => [c.service, c.operation, c.ok])).toEqual([
      ['service-quotas', 'GetServiceQuota', true],
      ['service-quotas', 'GetServiceQuota', true],
      ['service-quotas', 'GetServiceQuota', true],
      ['service-quotas', 'GetServiceQuota', false],
    ]);
  });

  it('injects AccessDenied on GetServiceQuota as Service Quotas would answer it', async () => {
    const { sim } = fleet(1, {
      faults: [{ operation: 'GetServiceQuota', error: 'AccessDeniedException' }],
    });
    const error = await rejection(
      sim.clients.serviceQuotas.send(
        new GetServiceQuotaCommand({ ServiceCode: 'drs', QuotaCode: DRS_JOB_QUOTAS.serversPerJob.code }),
      ),
    );
    expect(error).toBeInstanceOf(AccessDeniedException);
    expect(error.name).toBe('AccessDeniedException');
  });
});
