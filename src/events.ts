import type { CheckData, CheckStatus, Outcome, WaveOutcome } from '../machines/types.js';

/**
 * The event stream of the public contract (`--json`, the run's event log, embedders).
 * Every event carries `type`, `at` (ISO-8601, virtual under simulation) and `runId`.
 */
export type AwsService = 'drs' | 'ec2' | 'sns';

export type RunEventBody =
  | { type: 'run.started'; plan: string; waves: number; servers: number; simulated: boolean }
  | { type: 'state'; machine: 'plan' | 'wave'; wave?: string; from: string | null; to: string }
  | {
      type: 'check';
      wave: string;
      server: string;
      name: string;
      status: CheckStatus;
      detail: string;
      /** The facts the check judged (src/prechecks): read these, never parse `detail`. */
      data: CheckData;
    }
  | { type: 'approval.requested'; wave: string; pointOfNoReturn: string }
  | { type: 'approval.given'; wave: string; by: string }
  | { type: 'approval.refused'; wave: string; by: string }
  | { type: 'aws.request'; service: AwsService; region: string; operation: string; input: unknown }
  | {
      type: 'aws.response';
      service: AwsService;
      operation: string;
      ok: boolean;
      requestId: string | null;
      error?: { name: string; message: string };
    }
  | { type: 'job.log'; wave: string; jobId: string; event: string; server?: string; logDateTime: string }
  | { type: 'notification'; topicArn: string; subject: string; messageId?: string; error?: string }
  | { type: 'run.finished'; outcome: Outcome; waves: { name: string; outcome: WaveOutcome }[] };

export type RunEvent = RunEventBody & { at: string; runId: string };
export type RunEventType = RunEvent['type'];

/** Where actors and the composition root report events; the run stamps `at` and `runId`. */
export type EmitEvent = (event: RunEventBody) => void;
