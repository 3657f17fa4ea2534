// `run|abort|backout|report ... --engine sfn`: a run on Step Functions, started, stopped and
// reported from the deployment's run table and executions. Each returns data; main.ts exits.
import { writeFile } from 'node:fs/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { systemClock } from '../../clock.js';
import { loadPlan } from '../../plan/load.js';
import { renderReportJson, renderReportMarkdown } from '../../report/index.js';
import { isRunId, newRunId } from '../../run-id.js';
import { abortSfnRun, type SfnAbort } from '../../sfn/abort.js';
import { checkActingAccounts } from '../../sfn/accounts.js';
import { sfnReport } from '../../sfn/report.js';
import { type StartedRun, startSfnRun } from '../../sfn/start.js';
import type { SfnDeps } from '../../sfn/status.js';
import { safeText } from '../../text/safe.js';
import { type CliIO, writeLine } from '../io.js';
import { type SfnCommand, STATE_MACHINE_ENV } from '../sfn-options.js';

const usage = (message: string) => Object.assign(new Error(message), { name: 'UsageError' });

function deployment(options: SfnCommand): SfnDeps & { sts: STSClient } {
  const config = {
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
  };
  return {
    ddb: new DynamoDBClient(config),
    sfn: new SFNClient(config),
    sts: new STSClient(config),
    table: options.table,
    clock: systemClock,
  };
}

async function principalOf(sts: STSClient): Promise<string> {
  const identity = await sts.send(new GetCallerIdentityCommand({}));
  if (!identity.Arn) throw new Error('STS GetCallerIdentity returned no principal');
  return identity.Arn;
}

export type SfnResult = StartedRun | SfnAbort | { report: string };

export async function sfnCommand(
  options: SfnCommand,
  io: CliIO,
  deps: SfnDeps & { sts: Pick<STSClient, 'send'> } = deployment(options),
): Promise<SfnResult> {
  switch (options.action) {
    case 'run': {
      // The plan is validated here first: a bad plan is exit 2 and nothing is sent.
      const plan = await loadPlan(options.plan);
      const stateMachineArn = options.stateMachineArn ?? io.env[STATE_MACHINE_ENV];
      if (!stateMachineArn)
        throw usage(
          `run --engine sfn needs --state-machine-arn (or ${STATE_MACHINE_ENV}): the plan state machine`,
        );
      if (options.runId !== undefined && !isRunId(options.runId))
        throw usage(`--run-id ${options.runId} is not a run id (run-YYYYMMDDTHHMMSSZ-xxxxxx)`);
      // The actor acts as the deployment (or the plan's roles): aws.allowedAccounts before anything.
      checkActingAccounts(plan, stateMachineArn);
      const runId = options.runId ?? newRunId(deps.clock.now());
      const started = await startSfnRun(deps, {
        plan,
        runId,
        stateMachineArn,
        ...(options.historyLimit !== undefined ? { historyLimit: options.historyLimit } : {}),
      });
      if (options.json) writeLine(io.stdout, JSON.stringify(started));
      else {
        writeLine(
          io.stdout,
          started.started
            ? `Started run ${runId} of plan ${plan.name} on Step Functions: ${started.executionArn}`
            : `Run ${runId} was started before (${started.executionArn}): nothing new was started`,
        );
        writeLine(io.stdout, `Follow it: drs-failback status ${runId} --engine sfn --table ${options.table}`);
      }
      return started;
    }
    case 'abort':
    case 'backout': {
      const principal = await principalOf(deps.sts as STSClient);
      const aborted = await abortSfnRun(deps, {
        runId: options.runId,
        principal,
        ...(options.reason !== undefined ? { reason: options.reason } : {}),
      });
      if (options.json) {
        writeLine(io.stdout, JSON.stringify(aborted));
        return aborted;
      }
      writeLine(
        io.stdout,
        safeText(`Abort of run ${aborted.runId} recorded (asked by ${aborted.abort.by}).`),
      );
      for (const w of aborted.waves) {
        const when = aborted.answeredApprovals.includes(w.name)
          ? 'now (its approval was answered)'
          : 'at its next step';
        writeLine(
          io.stdout,
          safeText(
            w.will === 'abort'
              ? `  wave ${w.name} (${w.state}): before its point of no return, ends aborted ${when}; nothing changed`
              : `  wave ${w.name} (${w.state}): past its point of no return, backs out ${when}: StopFailback, the DR side keeps serving`,
          ),
        );
      }
      if (aborted.waves.length === 0)
        writeLine(
          io.stdout,
          '  no wave is running: the next wave ends aborted before its point of no return',
        );
      writeLine(
        io.stdout,
        `Follow it: drs-failback status ${aborted.runId} --engine sfn --table ${options.table}`,
      );
      return aborted;
    }
    case 'report': {
      const evidence = await sfnReport(deps, options.runId);
      const text = options.format === 'json' ? renderReportJson(evidence) : renderReportMarkdown(evidence);
      if (options.output === undefined) io.stdout.write(safeText(text));
      else {
        await writeFile(options.output, text);
        writeLine(io.stderr, `report of run ${options.runId} written to ${options.output}`);
      }
      return { report: text };
    }
  }
}
