import type { AwsService, EmitEvent } from '../events.js';
import { type AwsClock, observeAwsClock } from './aws-clock.js';
import type {
  AwsClients,
  DrsSender,
  Ec2Sender,
  RegionalClients,
  ServiceQuotasSender,
  SnsSender,
  StsSender,
} from './clients.js';
import type { BeforeSend } from './stop-gate.js';

/** Key names whose values never leave the process, in events or logs (compared case-insensitively). */
const SECRET_KEYS: ReadonlySet<string> = new Set(
  ['accessKeyId', 'secretAccessKey', 'sessionToken', 'credentials', 'authorization', 'password'].map((key) =>
    key.toLowerCase(),
  ),
);

export const SECRET_CENSOR = '[redacted]';

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * A copy of `value` with every property named like a credential masked, at any depth.
 * Arrays and plain objects are copied; other objects (Dates, byte arrays) are kept as they are.
 */
export function redactSecrets<T>(value: T): T {
  const seen = new WeakSet<object>();
  const walk = (node: unknown): unknown => {
    if (typeof node !== 'object' || node === null) return node;
    if (seen.has(node)) return '[circular]';
    if (Array.isArray(node)) {
      seen.add(node);
      const copy = node.map(walk);
      seen.delete(node);
      return copy;
    }
    if (!isPlainObject(node)) return node;
    seen.add(node);
    const copy: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(node)) {
      copy[key] = SECRET_KEYS.has(key.toLowerCase()) ? SECRET_CENSOR : walk(child);
    }
    seen.delete(node);
    return copy;
  };
  return walk(value) as T;
}

export interface InstrumentOptions {
  service: AwsService;
  region: string;
  emit: EmitEvent;
  /** Looks at every call before it is announced or sent; throwing refuses it (see stop-gate.ts). */
  beforeSend?: BeforeSend;
}

/** Anything with an SDK-style promise `send`: a real client, a mocked one, the simulated world. */
// `never[]` parameters accept any `send` signature, including the SDK's generic overloads.
type PromiseSend = (...args: never[]) => Promise<unknown>;
type ForwardingSend = (...args: unknown[]) => Promise<unknown>;

interface CommandLike {
  input?: unknown;
  constructor: { name: string };
}

interface MetadataCarrier {
  $metadata?: { requestId?: string };
}

/** `StartFailbackLaunchCommand` -> `StartFailbackLaunch`. */
export function operationName(command: unknown): string {
  const className =
    typeof command === 'object' && command !== null ? (command as CommandLike).constructor.name : 'Unknown';
  return className.endsWith('Command') && className.length > 'Command'.length
    ? className.slice(0, -'Command'.length)
    : className;
}

function requestIdOf(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return null;
  const requestId = (value as MetadataCarrier).$metadata?.requestId;
  return typeof requestId === 'string' && requestId !== '' ? requestId : null;
}

function errorSummary(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: error.message };
  if (typeof error === 'object' && error !== null) {
    const { name, message } = error as { name?: unknown; message?: unknown };
    return {
      name: typeof name === 'string' ? name : 'Error',
      message: typeof message === 'string' ? message : String(error),
    };
  }
  return { name: 'Error', message: String(error) };
}

/**
 * Wraps a client's `send` so every call appears in the event stream as an `aws.request`
 * followed by an `aws.response`. Results and errors pass through unchanged.
 * Only the promise form of `send` is supported (the project never uses callbacks).
 */
export function instrumentClient<T extends { send: PromiseSend }>(
  client: T,
  options: InstrumentOptions,
): Pick<T, 'send'> {
  const { service, region, emit, beforeSend } = options;
  const forward = client.send.bind(client) as ForwardingSend;
  const send = async (command: unknown, ...rest: unknown[]): Promise<unknown> => {
    const operation = operationName(command);
    const looked = beforeSend?.(operation);
    if (looked !== undefined) await looked;
    const input =
      typeof command === 'object' && command !== null ? (command as CommandLike).input : undefined;
    emit({ type: 'aws.request', service, region, operation, input: redactSecrets(input) });
    let output: unknown;
    try {
      output = await forward(command, ...rest);
    } catch (error) {
      emit({
        type: 'aws.response',
        service,
        operation,
        ok: false,
        requestId: requestIdOf(error),
        error: errorSummary(error),
      });
      throw error;
    }
    emit({ type: 'aws.response', service, operation, ok: true, requestId: requestIdOf(output) });
    return output;
  };
  // The wrapper forwards every argument to the wrapped `send`, so it honours the same typing.
  return { send } as unknown as Pick<T, 'send'>;
}

/** The clients of a run, instrumented: `regional` builds (once per region) those of other regions. */
export interface InstrumentedClients {
  drs: DrsSender;
  ec2: Ec2Sender;
  sns?: SnsSender;
  sts?: StsSender;
  serviceQuotas?: ServiceQuotasSender;
  /** Absent when the clients have no `forRegion`: the DR clients then answer for every region. */
  regional?: (region: string) => RegionalClients;
}

/**
 * Instruments every client of `clients`, including those `forRegion` builds for other regions.
 * With `awsClock`, every DRS response's `Date` header sets AWS's clock (aws-clock.ts).
 */
export function instrumentAwsClients(
  clients: AwsClients,
  region: string,
  emit: EmitEvent,
  beforeSend?: BeforeSend,
  awsClock?: AwsClock,
): InstrumentedClients {
  const gate = beforeSend ? { beforeSend } : {};
  if (awsClock) observeAwsClock(clients.drs, awsClock);
  const drs = instrumentClient(clients.drs, { service: 'drs', region, emit, ...gate });
  const ec2 = instrumentClient(clients.ec2, { service: 'ec2', region, emit, ...gate });
  const sns = clients.sns ? instrumentClient(clients.sns, { service: 'sns', region, emit }) : undefined;
  const sts = clients.sts ? instrumentClient(clients.sts, { service: 'sts', region, emit }) : undefined;
  const serviceQuotas = clients.serviceQuotas
    ? instrumentClient(clients.serviceQuotas, { service: 'service-quotas', region, emit })
    : undefined;
  const sq = serviceQuotas ? { serviceQuotas } : {};
  const forRegion = clients.forRegion;
  if (!forRegion) return { drs, ec2, ...(sns ? { sns } : {}), ...(sts ? { sts } : {}), ...sq };
  const byRegion = new Map<string, RegionalClients>([[region, { drs, ec2, ...(sts ? { sts } : {}), ...sq }]]);
  const regional = (r: string): RegionalClients => {
    let regionalClients = byRegion.get(r);
    if (!regionalClients) {
      const raw = forRegion(r);
      if (awsClock) observeAwsClock(raw.drs, awsClock);
      regionalClients = {
        drs: instrumentClient(raw.drs, { service: 'drs', region: r, emit, ...gate }),
        ec2: instrumentClient(raw.ec2, { service: 'ec2', region: r, emit, ...gate }),
        ...(raw.sts ? { sts: instrumentClient(raw.sts, { service: 'sts', region: r, emit }) } : {}),
        ...(raw.serviceQuotas
          ? {
              serviceQuotas: instrumentClient(raw.serviceQuotas, {
                service: 'service-quotas',
                region: r,
                emit,
              }),
            }
          : {}),
      };
      byRegion.set(r, regionalClients);
    }
    return regionalClients;
  };
  return { drs, ec2, ...(sns ? { sns } : {}), ...(sts ? { sts } : {}), ...sq, regional };
}
