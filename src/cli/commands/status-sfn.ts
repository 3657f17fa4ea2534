// `drs-failback status <run-id> --engine sfn`: a run on Step Functions, read from the deployment.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { systemClock } from '../../clock.js';
import { type SfnRunStatus, sfnRunStatus } from '../../sfn/status.js';
import { safeText } from '../../text/safe.js';
import { type CliIO, writeLine } from '../io.js';
import type { StatusOptions } from '../options.js';
import { DEFAULT_RUN_TABLE } from '../sfn-options.js';

export async function statusSfn(options: StatusOptions, io: CliIO): Promise<SfnRunStatus> {
  if (!options.runId)
    throw Object.assign(new Error('status --engine sfn needs a run id'), { name: 'UsageError' });
  if (options.profile !== undefined) process.env.AWS_PROFILE = options.profile;
  const config = options.region ? { region: options.region } : {};
  const status = await sfnRunStatus(
    {
      ddb: new DynamoDBClient(config),
      sfn: new SFNClient(config),
      table: options.table ?? DEFAULT_RUN_TABLE,
      clock: systemClock,
    },
    options.runId,
  );
  if (options.json) {
    writeLine(io.stdout, JSON.stringify(status));
    return status;
  }
  writeLine(
    io.stdout,
    `${status.run.runId}  plan ${status.run.plan}  engine sfn  started ${status.run.startedAt}`,
  );
  writeLine(io.stdout, `execution ${status.executionArn}: ${status.executionStatus}`);
  if (status.outcome) writeLine(io.stdout, `outcome: ${status.outcome}`);
  if (status.run.abort)
    writeLine(
      io.stdout,
      safeText(
        `abort asked by ${status.run.abort.by} at ${status.run.abort.at}${status.run.abort.reason ? `: ${status.run.abort.reason}` : ''}`,
      ),
    );
  for (const w of status.waves)
    writeLine(
      io.stdout,
      safeText(
        `wave ${w.name}: ${w.state}${w.final ? '' : w.pastPointOfNoReturn ? ' (past its point of no return)' : ''}`,
      ),
    );
  for (const a of status.pendingApprovals) {
    writeLine(io.stdout, `waiting for approval: wave ${a.wave} (${a.state}) since ${a.requestedAt}`);
    writeLine(io.stdout, `  drs-failback approve ${a.runId} --wave ${a.wave}`);
  }
  return status;
}
