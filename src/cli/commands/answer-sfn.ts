// `drs-failback approve|refuse <run-id>`: answers a run on Step Functions as the caller's AWS
// principal. The task token never leaves the table; the principal is recorded (via: api).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { systemClock } from '../../clock.js';
import { type ApprovalAnswer, answerApproval, type Decision } from '../../sfn/approvals.js';
import { type CliIO, writeLine } from '../io.js';
import type { AnswerCommandOptions } from '../program.js';

export async function answerSfnApproval(
  decision: Decision,
  options: AnswerCommandOptions,
  io: CliIO,
): Promise<ApprovalAnswer> {
  const config = {
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
  };
  const identity = await new STSClient(config).send(new GetCallerIdentityCommand({}));
  if (!identity.Arn) throw new Error('STS GetCallerIdentity returned no principal');
  const answer = await answerApproval(
    { ddb: new DynamoDBClient(config), sfn: new SFNClient(config), table: options.table, clock: systemClock },
    {
      runId: options.runId,
      decision,
      principal: identity.Arn,
      ...(options.wave ? { wave: options.wave } : {}),
    },
  );
  writeLine(
    io.stdout,
    options.json
      ? JSON.stringify(answer)
      : `${decision === 'approve' ? 'Approved' : 'Refused'} wave ${answer.wave} of ${answer.runId} as ${answer.approver}`,
  );
  return answer;
}
