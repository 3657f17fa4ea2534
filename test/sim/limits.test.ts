// The simulated DRS enforces the API's limits, so a rehearsal fails where reality would: a tag
// value over 256 characters on StartFailbackLaunch or StartRecovery is a ValidationException.
import { StartFailbackLaunchCommand, StartRecoveryCommand } from '@aws-sdk/client-drs';
import { describe, expect, it } from 'vitest';
import { createSimulatedAws } from '../../src/sim/index.js';

describe('simulated DRS limits', () => {
  it('refuses a tag value over 256 characters and a tag key over 128', async () => {
    const sim = createSimulatedAws('test/cli/fixtures/scenario.yaml');
    const ids = ['i-0123456789abcdef0'];
    await expect(
      sim.clients.drs.send(
        new StartFailbackLaunchCommand({
          recoveryInstanceIDs: ids,
          tags: { 'drs-failback:wave': 'w'.repeat(257) },
        }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringMatching(/at most 256/) });
    await expect(
      sim.clients.drs.send(
        new StartRecoveryCommand({
          sourceServers: [{ sourceServerID: 's-1234567890abcdef0' }],
          tags: { ['k'.repeat(129)]: 'v' },
        }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringMatching(/at most 128/) });
  });
});
