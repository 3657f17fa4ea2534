// Past the point of no return: DescribeJobs until every server is LAUNCHED or one FAILED.
import { awsReason, jobTimeoutReason, rtoReason } from '../reasons.js';
import { fromOutput, waveSetup } from '../setup.js';
import { waitingState } from '../wait.js';
import { abortToBackout, backOutOnError } from './shared.js';

export const monitoringJob = waveSetup.createStateConfig({
  meta: {
    label: 'Polling DescribeJobs until every server is LAUNCHED or one FAILED',
    pastPointOfNoReturn: true,
  },
  entry: 'armJobDeadline',
  initial: 'polling',
  states: {
    polling: {
      invoke: {
        id: 'pollJobs',
        src: 'pollJobs',
        input: ({ context }) => ({
          runId: context.runId,
          wave: context.wave.name,
          jobIds: context.jobIds,
          ...(context.jobRegions ? { jobRegions: context.jobRegions } : {}),
          logCursor: context.logCursor,
        }),
        onDone: [
          { guard: fromOutput('jobsLaunched'), target: '#wave.verifying', actions: fromOutput('recordPoll') },
          {
            guard: fromOutput('jobsFailed'),
            target: '#wave.backout',
            actions: [
              fromOutput('recordPoll'),
              {
                type: 'beginBackout',
                params: ({ event }) => ({ reason: { code: 'launch-failed', message: event.output.detail } }),
              },
            ],
          },
          {
            guard: fromOutput('pollFatal'),
            target: '#wave.backout',
            actions: [
              fromOutput('recordPoll'),
              { type: 'beginBackout', params: ({ event }) => ({ reason: awsReason(event.output.failure) }) },
            ],
          },
          {
            guard: fromOutput('rtoPassed'),
            target: '#wave.backout',
            actions: [
              fromOutput('recordPoll'),
              { type: 'beginBackout', params: { reason: rtoReason('the launch job') } },
            ],
          },
          {
            guard: fromOutput('jobTimedOut'),
            target: '#wave.backout',
            actions: [
              fromOutput('recordPoll'),
              {
                type: 'beginBackout',
                params: ({ context }) => ({ reason: jobTimeoutReason(context.jobIds) }),
              },
            ],
          },
          { target: 'waiting', actions: fromOutput('recordPoll') },
        ],
        onError: backOutOnError,
      },
    },
    // DRS publishes each recovery instance's failback end state: the waker ends this wait early.
    waiting: waitingState({ delay: 'jobPoll', next: 'polling', wokenByEvents: true }),
  },
  on: { ABORT: abortToBackout },
});
