// The one type of state meta of both machines: every lifecycle fact (label, point of no
// return, approval, outcome, waiting) is written here on the state it belongs to, and
// machines/lifecycle.ts derives what the CLI, notifications, report, live view and docs need.
import type { Outcome } from './types.js';
import type { ApprovalKind } from './wave/approvals.js';

export interface StateMeta {
  /**
   * What the state means, for people. A state with a label is a lifecycle state: announced in
   * the event stream, notified and listed in docs/lifecycle.md. Without one it is an internal step.
   */
  label?: string;
  /** Entering this state crosses the point of no return (it changes the primary side). */
  pointOfNoReturn?: true;
  /** This state and every state inside it are past the point of no return. */
  pastPointOfNoReturn?: true;
  /** This state and every state inside it keep the DR side serving (a backout). */
  backout?: true;
  /** The state waits for a person to approve this. */
  approval?: ApprovalKind;
  /** Final states: the outcome the machine ends with. */
  outcome?: Outcome;
  /** A timed wait, built by `waitingState` (machines/wave/wait.ts): it must end on WAKE. */
  waiting?: true;
  /**
   * A wait that DRS's events can end early (EventBridge, best effort): the waker sends WAKE once
   * every recovery instance of the wave's launch reported an end state. On Step Functions it is a
   * callback Task (docs/step-functions.md, "Events wake the waits").
   */
  wokenByEvents?: true;
}
