// The one entry point of the simulated AWS: every request stamps a seeded request id, applies
// injected faults, is recorded in the world and is answered by the domain file that owns its
// operation (handlers.ts). It sits above the world and the domain files; none of them imports it.
import { checkOperationFaults } from './faults.js';
import {
  DRS_HANDLERS,
  EC2_HANDLERS,
  type Handler,
  SERVICE_QUOTAS_HANDLERS,
  SNS_HANDLERS,
} from './handlers.js';
import { newUuid } from './ids.js';
import type { SimOperation } from './scenario.js';
import type { RecordedCall, Service } from './state.js';
import { iso } from './time.js';
import type { World } from './world.js';

const HANDLERS: Record<Service, Partial<Record<SimOperation, Handler>>> = {
  drs: DRS_HANDLERS,
  ec2: EC2_HANDLERS,
  sns: SNS_HANDLERS,
  'service-quotas': SERVICE_QUOTAS_HANDLERS,
};

/** Answers one request to `region` (the DR region by default): the response body with its $metadata. */
export function dispatch(
  world: World,
  service: Service,
  operation: SimOperation,
  input: unknown,
  region = world.scenario.region,
): Record<string, unknown> {
  const handlers: Partial<Record<SimOperation, Handler>> = HANDLERS[service];
  const handler = handlers[operation];
  const requestId = newUuid(world.rng);
  const call: RecordedCall = {
    service,
    operation,
    region,
    input: toJson(input),
    at: iso(world.now),
    ok: true,
    requestId,
  };
  world.beginCall(call);
  try {
    if (!handler) throw new Error(`the simulated AWS does not model ${service}:${operation}`);
    checkOperationFaults(world, service, operation);
    // DRS must be initialised per region; EC2 answers in every region (an empty one here).
    if (service === 'drs' && !world.regions.includes(region)) {
      throw world.drsError(
        'UninitializedAccountException',
        `Account ${world.scenario.accountId} is not initialized for Elastic Disaster Recovery in ${region}`,
      );
    }
    const body = handler(world, (input ?? {}) as never);
    return {
      ...body,
      $metadata: { httpStatusCode: 200, requestId, attempts: 1, totalRetryDelay: 0 },
    };
  } catch (error) {
    call.ok = false;
    call.errorName = error instanceof Error ? error.name : 'Error';
    throw error;
  } finally {
    world.endCall();
  }
}

/** Inputs are recorded as JSON (Dates become strings), so the record can be saved. */
function toJson(input: unknown): unknown {
  return input === undefined ? {} : JSON.parse(JSON.stringify(input));
}
