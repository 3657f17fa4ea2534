// SNS Publish with the service's own checks, recording what was published.
import type { PublishCommandInput } from '@aws-sdk/client-sns';
import { snsError } from './errors.js';
import { newUuid } from './ids.js';
import { iso } from './time.js';
import type { World } from './world.js';

const TOPIC_ARN = /^arn:aws[\w-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}(\.fifo)?$/;
const MAX_BYTES = 262_144;
// Line breaks and other control characters are not allowed in a subject.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

export function publish(world: World, input: PublishCommandInput) {
  const invalid = (what: string) =>
    snsError('InvalidParameterException', `Invalid parameter: ${what}`, world.requestId);
  const arn = input.TopicArn ?? input.TargetArn;
  if (!arn) throw invalid('TopicArn or TargetArn Reason: no value for required parameter');
  if (!TOPIC_ARN.test(arn)) throw invalid('TopicArn');
  const topics = world.scenario.topics;
  const topic = topics?.find((t) => t.arn === arn);
  if (topics && !topic) throw snsError('NotFoundException', 'Topic does not exist', world.requestId);
  if (input.Message === undefined || input.Message === '') throw invalid('Message Reason: Empty message');
  const attributes = Object.entries(input.MessageAttributes ?? {}).reduce(
    (n, [k, v]) =>
      n + Buffer.byteLength(k) + Buffer.byteLength(v.DataType ?? '') + Buffer.byteLength(v.StringValue ?? ''),
    0,
  );
  if (Buffer.byteLength(input.Message) + attributes > MAX_BYTES) {
    throw invalid('Message too long');
  }
  if (input.Subject !== undefined) {
    if (input.Subject.length === 0 || input.Subject.length >= 100) throw invalid('Subject');
    if (CONTROL.test(input.Subject)) throw invalid('Subject');
  }
  const fifo = arn.endsWith('.fifo');
  if (fifo && !input.MessageGroupId) {
    throw invalid('The MessageGroupId parameter is required for FIFO topics');
  }
  if (fifo && !input.MessageDeduplicationId && !topic?.contentBasedDeduplication) {
    throw invalid(
      'The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
    );
  }
  if (input.MessageDeduplicationId !== undefined && input.MessageDeduplicationId.length > 128) {
    throw invalid('MessageDeduplicationId');
  }
  const messageId = newUuid(world.rng);
  world.state.published.push({
    topicArn: arn,
    messageId,
    ...(input.Subject !== undefined ? { subject: input.Subject } : {}),
    message: input.Message,
    ...(input.MessageGroupId ? { messageGroupId: input.MessageGroupId } : {}),
    at: iso(world.now),
  });
  const sequence = String(world.state.published.length).padStart(20, '0');
  return { MessageId: messageId, ...(fifo ? { SequenceNumber: sequence } : {}) };
}
