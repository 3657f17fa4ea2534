// Amazon States Language generated from the machines' structure: one ASL state per xstate leaf,
// named by its dotted path. The logic stays in the machines: after every leaf a step Task runs
// the machine one event further (src/sfn/step.ts) and a Choice routes on the command it returns.
// JSONPath only (the local test runner executes neither JSONata nor Assign).

import type { StateMeta } from '../../machines/meta.js';
import { MAX_TASK_TIMEOUT_S } from './step.js';
import { leavesOfMachine, MACHINES, type MachineName, successorsOf } from './structure.js';

/** `${name}`: substituted at deployment (CDK `definitionSubstitutions`). */
const substitution = (name: string) => `\${${name}}`;
export const PLACEHOLDERS = {
  step: substitution('StepFunctionArn'),
  actor: substitution('ActorFunctionArn'),
  approval: substitution('ApprovalFunctionArn'),
  wait: substitution('WaitFunctionArn'),
  wave: substitution('WaveStateMachineArn'),
} as const;

export type AslState = Record<string, unknown>;
export interface AslDefinition {
  Comment: string;
  StartAt: string;
  TimeoutSeconds?: number;
  States: Record<string, AslState>;
}

/** Names of the states that are not leaves. */
export const START = 'Start';
export const ROUTE = 'Route';
export const CONTINUE = 'ContinueAsNew';
export const UNROUTABLE = 'Unroutable';
export const stepOf = (leaf: string) => `${leaf}/step`;
export const routeOf = (leaf: string) => `${leaf}/route`;

/** A step takes milliseconds; an activity at most its Lambda's 300 s timeout. */
export const STEP_TIMEOUT_S = 60;
export const ACTOR_TIMEOUT_S = 330;
export const APPROVAL_REQUEST_TIMEOUT_S = 60;

const LAMBDA_TRANSIENT = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];

function retry(errors: string[]) {
  return [
    {
      ErrorEquals: errors,
      IntervalSeconds: 2,
      MaxAttempts: 4,
      BackoffRate: 2,
      MaxDelaySeconds: 60,
      JitterStrategy: 'FULL',
    },
  ];
}

function lambdaTask(functionArn: string, payload: Record<string, unknown>, timeoutSeconds: number): AslState {
  return {
    Type: 'Task',
    Resource: 'arn:aws:states:::lambda:invoke',
    Parameters: { FunctionName: functionArn, Payload: payload },
    TimeoutSeconds: timeoutSeconds,
  };
}

function stepTask(machine: MachineName, payload: Record<string, unknown>, next: string): AslState {
  return {
    // The execution keys the step's events: a retried step rewrites them instead of adding more.
    ...lambdaTask(
      PLACEHOLDERS.step,
      { machine, 'executionArn.$': '$$.Execution.Id', ...payload },
      STEP_TIMEOUT_S,
    ),
    OutputPath: '$.Payload',
    Retry: retry([...LAMBDA_TRANSIENT, 'States.Timeout']),
    Next: next,
  };
}

const STATE_DATA = {
  'snapshot.$': '$.snapshot',
  'command.$': '$.command',
  'history.$': '$.history',
};

function route(targets: readonly string[]): AslState {
  return {
    Type: 'Choice',
    Choices: [
      { Variable: '$.command.kind', StringEquals: 'continue', Next: CONTINUE },
      ...targets.map((t) => ({ Variable: '$.command.state', StringEquals: t, Next: t })),
    ],
    Default: UNROUTABLE,
  };
}

/** Waits for APPROVE or REFUSE: the approval Lambda stores the token and tells people how to answer. */
function approvalTask(): AslState {
  return {
    Type: 'Task',
    Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
    Parameters: {
      FunctionName: PLACEHOLDERS.approval,
      Payload: {
        'token.$': '$$.Task.Token',
        'execution.$': '$$.Execution.Id',
        'request.$': '$.command.request',
        'command.$': '$.command',
      },
    },
    // The machine's deadline (capped; asked again after the cap): States.Timeout feeds it back.
    TimeoutSecondsPath: '$.command.timeoutSeconds',
    ResultSelector: { kind: 'event', 'event.$': '$' },
    ResultPath: '$.outcome',
    Retry: retry(LAMBDA_TRANSIENT),
  };
}

/**
 * A wait DRS's events can end early. A Wait state cannot be ended from outside, so it is a
 * callback Task: the wait Lambda stores the task token in the wait registry, the Task times out
 * after the machine's delay (States.Timeout: the step feeds the delay's event, a poll as without
 * events), and the waker Lambda's SendTaskSuccess answers with the machine's WAKE (read at once).
 */
function wokenWait(): AslState {
  return {
    Type: 'Task',
    Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
    Parameters: {
      FunctionName: PLACEHOLDERS.wait,
      Payload: {
        'token.$': '$$.Task.Token',
        'execution.$': '$$.Execution.Id',
        'target.$': '$.command.wake',
        'command.$': '$.command',
      },
    },
    TimeoutSecondsPath: '$.command.timeoutSeconds',
    ResultSelector: { kind: 'event', 'event.$': '$' },
    ResultPath: '$.outcome',
    Retry: retry(LAMBDA_TRANSIENT),
  };
}

/** A machine another one runs as a child execution: its parent continues it. */
function isChild(machine: MachineName): boolean {
  return (Object.keys(MACHINES) as MachineName[]).some((parent) =>
    leavesOfMachine(parent).some(
      (l) => (l.what.kind === 'execution' || l.what.kind === 'executions') && l.what.machine === machine,
    ),
  );
}

const CHILD_RETRY = retry([
  'StepFunctions.ExecutionLimitExceededException',
  'StepFunctions.SdkClientException',
]);

/** The Task that runs a child execution to its end (`.sync:2`: its output parsed). */
function childExecution(begin: string, historyLimit: string): AslState {
  return {
    Type: 'Task',
    Resource: 'arn:aws:states:::states:startExecution.sync:2',
    Parameters: {
      StateMachineArn: PLACEHOLDERS.wave,
      Input: {
        'begin.$': begin,
        'historyLimit.$': historyLimit,
        'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id',
      },
    },
    TimeoutSeconds: MAX_TASK_TIMEOUT_S,
  };
}

/** Names of the states inside the Map of child executions of `leaf`. */
const mapStatesOf = (leaf: string) => ({
  child: `${leaf}/child`,
  continued: `${leaf}/continued`,
  next: `${leaf}/next`,
  done: `${leaf}/done`,
  failed: `${leaf}/failed`,
});

/**
 * Children the machine spawned, side by side: a Map over the step's `starts`, each item a child
 * execution run to its end (continued as new when it says so), the results handed to the step
 * together. Which children start, and when, is the machine's: the Map only runs what it lists.
 */
function mapOfChildExecutions(leaf: string, comment: { Comment?: string }): AslState {
  const names = mapStatesOf(leaf);
  return {
    ...comment,
    Type: 'Map',
    ItemsPath: '$.command.starts',
    ItemSelector: {
      'invokeId.$': '$$.Map.Item.Value.invokeId',
      'begin.$': '$$.Map.Item.Value.input',
      'historyLimit.$': '$.history.limit',
      continuations: 0,
    },
    MaxConcurrencyPath: '$.command.maxConcurrency',
    ItemProcessor: {
      ProcessorConfig: { Mode: 'INLINE' },
      StartAt: names.child,
      States: {
        [names.child]: {
          ...childExecution('$.begin', '$.historyLimit'),
          ResultSelector: { 'output.$': '$.Output' },
          ResultPath: '$.result',
          Retry: CHILD_RETRY,
          Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: names.failed }],
          Next: names.continued,
        },
        [names.continued]: {
          Type: 'Choice',
          Choices: [{ Variable: '$.result.output.continued', IsPresent: true, Next: names.next }],
          Default: names.done,
        },
        [names.next]: {
          Type: 'Pass',
          Comment: 'The child continued as new before its history limit: start the next execution from there',
          Parameters: {
            'invokeId.$': '$.invokeId',
            begin: { 'resume.$': '$.result.output.continued' },
            'historyLimit.$': '$.historyLimit',
            // Each continuation adds its Task, Choice and Pass to the plan's history: counted by the step.
            'continuations.$': 'States.MathAdd($.continuations, 1)',
          },
          Next: names.child,
        },
        [names.done]: {
          Type: 'Pass',
          Parameters: {
            'invokeId.$': '$.invokeId',
            kind: 'done',
            'output.$': '$.result.output',
            'continuations.$': '$.continuations',
          },
          End: true,
        },
        [names.failed]: {
          Type: 'Pass',
          Parameters: {
            'invokeId.$': '$.invokeId',
            'Error.$': '$.error.Error',
            'Cause.$': '$.error.Cause',
            'continuations.$': '$.continuations',
          },
          End: true,
        },
      },
    },
    ResultSelector: { kind: 'children', 'results.$': '$' },
    ResultPath: '$.outcome',
    Next: stepOf(leaf),
  };
}

/** The ASL of one machine. */
export function generateAsl(machine: MachineName): AslDefinition {
  const leaves = leavesOfMachine(machine).filter((l) => l.what.kind !== 'transient');
  const routable = leaves.map((l) => l.path);
  const states: Record<string, AslState> = {
    [START]: stepTask(machine, { 'execution.$': '$' }, ROUTE),
    [ROUTE]: route(routable),
  };
  for (const { path, node, what } of leaves) {
    const caught = { ErrorEquals: ['States.ALL'], ResultPath: '$.outcome', Next: stepOf(path) };
    const description = (node.meta as StateMeta | undefined)?.label;
    const comment = description ? { Comment: description } : {};
    switch (what.kind) {
      case 'invoke':
        states[path] = {
          ...comment,
          ...lambdaTask(
            PLACEHOLDERS.actor,
            { actor: what.actor, 'input.$': '$.command.input' },
            ACTOR_TIMEOUT_S,
          ),
          ResultSelector: { kind: 'done', 'output.$': '$.Payload' },
          ResultPath: '$.outcome',
          Retry: retry([...LAMBDA_TRANSIENT, 'States.Timeout']),
          Catch: [caught],
          Next: stepOf(path),
        };
        break;
      case 'execution':
        states[path] = {
          ...comment,
          ...childExecution('$.command.input', '$.history.limit'),
          ResultSelector: { kind: 'done', 'output.$': '$.Output' },
          ResultPath: '$.outcome',
          Retry: CHILD_RETRY,
          Catch: [caught],
          Next: stepOf(path),
        };
        break;
      case 'executions':
        states[path] = mapOfChildExecutions(path, comment);
        break;
      case 'wait':
        states[path] = what.wokenByEvents
          ? { ...comment, ...wokenWait(), Catch: [caught], Next: stepOf(path) }
          : { ...comment, Type: 'Wait', SecondsPath: '$.command.seconds', Next: stepOf(path) };
        break;
      case 'approval':
        states[path] = { ...comment, ...approvalTask(), Catch: [caught], Next: stepOf(path) };
        break;
      case 'final':
        states[path] = { ...comment, Type: 'Succeed', OutputPath: '$.command.output' };
        continue;
      case 'transient':
        continue;
    }
    const outcome =
      what.kind === 'wait' && !what.wokenByEvents
        ? { outcome: { kind: 'after' } }
        : { 'outcome.$': '$.outcome' };
    states[stepOf(path)] = stepTask(machine, { ...STATE_DATA, ...outcome }, routeOf(path));
    states[routeOf(path)] = route(successorsOf(node).filter((t) => routable.includes(t)));
  }
  states[CONTINUE] = isChild(machine)
    ? {
        Type: 'Pass',
        Comment: 'Continue as new before the history limit: the parent starts the next execution from here',
        Parameters: { continued: { 'snapshot.$': '$.snapshot', 'command.$': '$.command.next' } },
        End: true,
      }
    : {
        Type: 'Task',
        Comment: 'Continue as new before the history limit: this state machine starts itself from here',
        Resource: 'arn:aws:states:::states:startExecution',
        Parameters: {
          'StateMachineArn.$': '$$.StateMachine.Id',
          Input: {
            begin: { resume: { 'snapshot.$': '$.snapshot', 'command.$': '$.command.next' } },
            'historyLimit.$': '$.history.limit',
          },
        },
        TimeoutSeconds: STEP_TIMEOUT_S,
        ResultSelector: { 'continuedAs.$': '$.ExecutionArn' },
        Retry: retry(['StepFunctions.ExecutionLimitExceededException', 'StepFunctions.SdkClientException']),
        End: true,
      };
  states[UNROUTABLE] = {
    Type: 'Fail',
    Error: 'Unroutable',
    Cause: 'The step returned a state this definition does not route to: regenerate it from the machines',
  };
  return {
    Comment: `drs-failback ${machine} machine, generated from machines/ by \`drs-failback export sfn\`: do not edit`,
    StartAt: START,
    States: states,
  };
}

/** Both definitions, as the files `export sfn` writes. */
export function generateAslFiles(): Record<string, string> {
  return {
    'plan.asl.json': `${JSON.stringify(generateAsl('plan'), null, 2)}\n`,
    'wave.asl.json': `${JSON.stringify(generateAsl('wave'), null, 2)}\n`,
  };
}
