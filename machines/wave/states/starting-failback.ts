// The point of no return: StartFailbackLaunch (on-premises origin) or StartRecovery in the
// origin region (EC2 origin). A throttled request did nothing, and a failed read before any start
// sent nothing: both are sent again after a wait. A start DRS rejected, or one after which a
// re-read shows nothing started, ends the wave before the point of no return (no StopFailback).
// A wave larger than its job limits allow at once starts what fits and waits for the rest in
// `waitingForQuota`, past its point of no return: there the start is sent again after each wait,
// adopting the jobs already started and starting more as earlier ones finish.
import { isEc2Origin } from '../../types.js';
import type { WaveContext } from '../contract.js';
import {
  abortNothingStartedReason,
  abortReason,
  awsReason,
  rtoReason,
  startNotStartedReason,
} from '../reasons.js';
import { fromOutput, waveSetup } from '../setup.js';
import { waitingState } from '../wait.js';
import { backOutOnError, onPremisesRecoveryInstanceIDs } from './shared.js';

/** The start activity's input: the wave's servers, its job limits and the jobs it already has. */
const startInput = ({ context }: { context: WaveContext }) => ({
  runId: context.runId,
  wave: context.wave.name,
  recoveryInstanceIDs: onPremisesRecoveryInstanceIDs(context),
  // EC2-origin servers: StartRecovery of the reversed source server in the origin region.
  ec2Origin: context.resolved.filter(isEc2Origin),
  // Lets the activity adopt a job this run already started (a resumed run re-invokes it).
  runStartedAt: context.runStartedAt,
  ...(context.jobLimits ? { limits: context.jobLimits } : {}),
  jobIds: context.jobIds,
  ...(context.jobRegions ? { jobRegions: context.jobRegions } : {}),
});

/** A start that failed once the wave has jobs: back out (the DR side keeps serving). */
const backOutOnStartFailure = {
  guard: fromOutput('startFailed'),
  target: '#wave.backout',
  actions: [
    fromOutput('recordStart'),
    {
      type: 'beginBackout' as const,
      params: ({ event }: { event: { output: { failure?: Parameters<typeof awsReason>[0] } } }) => ({
        reason: awsReason(event.output.failure),
      }),
    },
  ],
};

/** Servers left waiting for DRS job capacity: wait, unless the RTO is spent. */
const whileQueued = (waitIn: string) => [
  {
    guard: fromOutput('startQueuedPastRto'),
    target: '#wave.backout',
    actions: [
      fromOutput('recordStart'),
      { type: 'beginBackout' as const, params: { reason: rtoReason('the wait for DRS job capacity') } },
    ],
  },
  { guard: fromOutput('startQueued'), target: waitIn, actions: fromOutput('recordStart') },
];

/** The ABORT's reason, kept in `failure` while the start was read. */
const abortReasonOf = (context: WaveContext) =>
  context.failure ?? { code: 'operator-abort' as const, message: 'aborted' };

export const startingFailback = waveSetup.createStateConfig({
  meta: {
    label: 'StartFailbackLaunch: the target machines are converted and rebooted',
    pointOfNoReturn: true,
    pastPointOfNoReturn: true,
  },
  initial: 'sending',
  states: {
    sending: {
      invoke: {
        id: 'startFailback',
        src: 'startFailback',
        input: startInput,
        onDone: [
          { guard: fromOutput('startRetryable'), target: 'throttled', actions: fromOutput('recordStart') },
          {
            // Nothing started: the wave ends before the point of no return, failback readiness kept.
            guard: fromOutput('nothingStarted'),
            target: '#wave.aborted',
            actions: [
              fromOutput('recordStart'),
              {
                type: 'failWith',
                params: ({ event }) => ({ reason: startNotStartedReason(event.output.failure) }),
              },
            ],
          },
          backOutOnStartFailure,
          ...whileQueued('waitingForQuota'),
          { target: '#wave.monitoringJob', actions: fromOutput('recordStart') },
        ],
        // The outcome of the call is unknown: assume it may have started, and back out.
        onError: backOutOnError,
      },
    },
    throttled: waitingState({ delay: 'startRetry', next: 'sending' }),
    waitingForQuota: {
      meta: {
        label: 'Waiting for DRS job capacity: the first jobs run; the rest start as earlier jobs finish',
      },
      initial: 'waiting',
      states: {
        waiting: waitingState({ delay: 'quotaRetry', next: 'starting' }),
        // The wave has jobs already: a failed start backs out, it never ends before the PNR.
        starting: {
          invoke: {
            id: 'startFailback',
            src: 'startFailback',
            input: startInput,
            onDone: [
              // Throttled or a 5xx: the next round adopts what started before it sends anything.
              {
                guard: fromOutput('retryWhileQueued'),
                target: 'waiting',
                actions: fromOutput('recordStart'),
              },
              backOutOnStartFailure,
              ...whileQueued('waiting'),
              { target: '#wave.monitoringJob', actions: fromOutput('recordStart') },
            ],
            onError: backOutOnError,
          },
        },
      },
    },
  },
  on: {
    // The abort's reason is kept until the read says whether anything started.
    ABORT: {
      target: '#wave.resolvingStart',
      actions: { type: 'failWith', params: ({ event }) => ({ reason: abortReason(event) }) },
    },
  },
});

// ABORT while a start may be under way (a backout, a restored run re-invoking the start): whether
// it went out is read, never sent again, and the start activity stops before any send. Not part of
// `startingFailback`: it crosses nothing (it only reads), so the Step Functions engine delivers it
// like any activity; past the point of no return, since the start may have gone out. It hears no
// ABORT: the one it resolves is the only one needed.
export const resolvingStart = waveSetup.createStateConfig({
  meta: {
    label: "Backing out: read whether the start went out (DescribeJobs by the run's tags); nothing is sent",
    pastPointOfNoReturn: true,
  },
  invoke: {
    // The start's own activity, reading only: the same task on Step Functions.
    id: 'startFailback',
    src: 'startFailback',
    input: (args) => ({ ...startInput(args), adoptOnly: true as const }),
    onDone: [
      {
        guard: fromOutput('noStartFound'),
        target: '#wave.aborted',
        actions: [
          fromOutput('recordAdopted'),
          {
            type: 'failWith',
            params: ({ context }) => ({ reason: abortNothingStartedReason(context.failure) }),
          },
        ],
      },
      {
        target: '#wave.backout',
        actions: [
          fromOutput('recordAdopted'),
          { type: 'beginBackout', params: ({ context }) => ({ reason: abortReasonOf(context) }) },
        ],
      },
    ],
    // The read threw: whether the start went out is unknown, so back out.
    onError: {
      target: '#wave.backout',
      actions: { type: 'beginBackout', params: ({ context }) => ({ reason: abortReasonOf(context) }) },
    },
  },
});
