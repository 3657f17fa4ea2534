import type { ReprotectInput, ReprotectOutput } from '../../machines/types.js';
import type { ActorDeps } from './types.js';

/** Placeholder until the EC2-origin flow lands: reports that nothing was re-protected. */
export async function reprotect(deps: ActorDeps, input: ReprotectInput): Promise<ReprotectOutput> {
  return {
    now: deps.clock.now(),
    reversed: [],
    failures: input.servers.map((s) => ({
      kind: 'unknown' as const,
      name: 'NotImplemented',
      operation: 'ReverseReplication',
      server: s.sourceServerID,
      message: 're-protect is not implemented yet',
      retryable: false,
    })),
  };
}
