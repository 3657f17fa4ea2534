import type { CleanupInput, CleanupOutput } from '../../machines/types.js';
import type { ActorDeps } from './types.js';

/** Placeholder until the EC2-origin flow lands: terminates nothing. */
export async function cleanup(deps: ActorDeps, input: CleanupInput): Promise<CleanupOutput> {
  return {
    now: deps.clock.now(),
    jobIds: [],
    terminated: [],
    failures: input.recoveryInstanceIDs.map((id) => ({
      kind: 'unknown' as const,
      name: 'NotImplemented',
      operation: 'TerminateRecoveryInstances',
      server: id,
      message: 'clean-up is not implemented yet',
      retryable: false,
    })),
  };
}
