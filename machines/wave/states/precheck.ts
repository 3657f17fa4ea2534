// Read-only checks before anything changes; a throttled read is retried by the wait loop.
import { errorMessage, precheckReason } from '../reasons.js';
import { fromOutput, waveSetup } from '../setup.js';
import { waitingState } from '../wait.js';
import { abortBeforePointOfNoReturn } from './shared.js';

export const precheck = waveSetup.createStateConfig({
  meta: { label: 'Read-only checks: recovery instances, failback state, RPO, jobs' },
  initial: 'checking',
  states: {
    checking: {
      invoke: {
        id: 'precheck',
        src: 'precheck',
        input: ({ context }) => ({
          runId: context.runId,
          wave: context.wave.name,
          servers: context.wave.servers,
          rpoMs: context.rpoMs,
          rtoDeadlineAt: context.rtoDeadlineAt,
          restore: context.restore,
          ...(context.jobs ? { jobs: context.jobs } : {}),
        }),
        onDone: [
          {
            guard: fromOutput('precheckRetryable'),
            target: 'waiting',
            actions: fromOutput('recordPrecheckAttempt'),
          },
          {
            guard: fromOutput('precheckPassedNoApproval'),
            target: '#wave.crossing',
            actions: fromOutput('recordPrecheck'),
          },
          {
            guard: fromOutput('precheckPassed'),
            target: '#wave.awaitingApproval',
            actions: fromOutput('recordPrecheck'),
          },
          {
            target: '#wave.precheckFailed',
            actions: [
              fromOutput('recordPrecheck'),
              { type: 'failWith', params: ({ event }) => ({ reason: precheckReason(event.output.checks) }) },
            ],
          },
        ],
        onError: {
          target: '#wave.precheckFailed',
          actions: {
            type: 'failWith',
            params: ({ event }) => ({ reason: { code: 'precheck', message: errorMessage(event.error) } }),
          },
        },
      },
    },
    waiting: waitingState({ delay: 'precheckRetry', next: 'checking' }),
  },
  on: { ABORT: abortBeforePointOfNoReturn },
});
