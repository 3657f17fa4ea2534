// The event stream of the public contract: defined in src/events/schema.ts (types, format
// version and JSON Schema), stamped by src/events/stream.ts. Re-exported here for its importers.
export {
  AWS_SERVICES,
  type AwsService,
  type EmitEvent,
  EVENT_FORMAT_VERSION,
  eventJsonSchema,
  type RunEvent,
  type RunEventBody,
  type RunEventType,
  runEventBodySchema,
  runEventSchema,
} from './events/schema.js';
export { eventStamper, lastEventSeq } from './events/stream.js';
