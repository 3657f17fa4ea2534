import {
  AccessDeniedException,
  ConflictException,
  DrsClient,
  InternalServerException,
  ResourceNotFoundException,
  ServiceQuotaExceededException,
  ThrottlingException,
  UninitializedAccountException,
  ValidationException,
} from '@aws-sdk/client-drs';
import { EC2Client, EC2ServiceException } from '@aws-sdk/client-ec2';
import { type AwsStub, mockClient } from 'aws-sdk-client-mock';
import { pino } from 'pino';
import { expect } from 'vitest';
import type { AwsFailureKind, Probe } from '../../machines/types.js';
import type { ActorDeps, ProbeResult } from '../../src/actors/types.js';
import { isMutating } from '../../src/aws/operations.js';
import type { Clock } from '../../src/clock.js';
import type { RunEventBody } from '../../src/events.js';
import '../support/aws-matchers.js';

export const NOW = Date.parse('2024-05-01T12:00:00.000Z');
export const iso = (ms: number): string => new Date(ms).toISOString();

export const sid = (n: number): string => `s-${String(n).padStart(17, '0')}`;
export const rid = (n: number): string => `i-${n.toString(16).padStart(17, '0')}`;
export const ec2id = (n: number): string => `i-0e${n.toString(16).padStart(15, '0')}`;
export const jid = (n: number): string => `drsjob-${String(n).padStart(17, '0')}`;
export const pit = (n: number): string => `pit-${String(n).padStart(17, '0')}`;

/** A clock that never moves unless told to: actors read `now()` only. */
export function fixedClock(now = NOW): Clock & { set(ms: number): void } {
  let current = now;
  return {
    now: () => current,
    set: (ms) => {
      current = ms;
    },
    setTimeout: () => {
      throw new Error('actors must not schedule timers');
    },
    clearTimeout: () => {},
  };
}

export interface Harness {
  deps: ActorDeps;
  events: RunEventBody[];
  probes: Probe[];
}

export function makeDeps(
  options: { probe?: (probe: Probe) => ProbeResult | Promise<ProbeResult>; now?: number } = {},
): Harness {
  const events: RunEventBody[] = [];
  const probes: Probe[] = [];
  const deps: ActorDeps = {
    drs: new DrsClient({ region: 'eu-west-1' }),
    ec2: new EC2Client({ region: 'eu-west-1' }),
    log: pino({ level: 'silent' }),
    clock: fixedClock(options.now),
    emit: (event) => events.push(event),
    probes: {
      run: async (probe) => {
        probes.push(probe);
        return options.probe ? options.probe(probe) : { ok: true, detail: 'ok' };
      },
    },
  };
  return { deps, events, probes };
}

// biome-ignore lint/suspicious/noExplicitAny: the stubs of two different SDK clients
type AnyStub = AwsStub<any, any, any>;

export function expectOnlyReads(...stubs: AnyStub[]): void {
  for (const stub of stubs) {
    for (const name of sentNames(stub)) expect(name).toMatch(/^Describe/);
  }
}

const sentNames = (stub: AnyStub): string[] =>
  stub.calls().map((call) => (call.args[0] as object).constructor.name);

/** No operation that changes anything (src/aws/operations.ts) was sent. */
export function expectNoMutation(stub: AnyStub): void {
  expect(sentNames(stub).filter((name) => isMutating(name.replace(/Command$/, '')))).toEqual([]);
}

export function expectNothingSent(...stubs: AnyStub[]): void {
  for (const stub of stubs) expect(stub.calls()).toHaveLength(0);
}

export const ec2Error = (name: string, message = name): EC2ServiceException =>
  new EC2ServiceException({ name, $fault: 'client', message, $metadata: { httpStatusCode: 400 } });

export interface ErrorCase {
  label: string;
  make: () => Error;
  kind: AwsFailureKind;
  retryable: boolean;
  retryAfterMs?: number;
  cause: RegExp;
}

/** One SDK exception per row of the reference's error table, built with the SDK's own classes. */
export const DRS_ERROR_TABLE: ErrorCase[] = [
  {
    label: 'ThrottlingException',
    make: () =>
      new ThrottlingException({
        message: 'Rate exceeded',
        $metadata: { httpStatusCode: 429 },
        retryAfterSeconds: '3',
      }),
    kind: 'throttled',
    retryable: true,
    retryAfterMs: 3000,
    cause: /throttled.*Rate exceeded/,
  },
  {
    label: 'InternalServerException',
    make: () =>
      new InternalServerException({
        message: 'internal',
        $metadata: { httpStatusCode: 500 },
        retryAfterSeconds: 5,
      }),
    kind: 'transient',
    retryable: true,
    retryAfterMs: 5000,
    cause: /transient.*internal/,
  },
  {
    label: 'ConflictException',
    make: () =>
      new ConflictException({
        message: 'Recovery instance is busy',
        $metadata: { httpStatusCode: 409 },
        resourceId: 'i-0123',
        resourceType: 'RECOVERY_INSTANCE',
      }),
    kind: 'conflict',
    retryable: false,
    cause: /conflict.*Recovery instance is busy/,
  },
  {
    label: 'ServiceQuotaExceededException',
    make: () =>
      new ServiceQuotaExceededException({
        message: 'Too many jobs',
        $metadata: { httpStatusCode: 402 },
        serviceCode: 'drs',
        quotaCode: 'L-1234',
      }),
    kind: 'quota',
    retryable: false,
    cause: /quota.*Too many jobs/,
  },
  {
    label: 'ValidationException',
    make: () =>
      new ValidationException({
        message: 'Invalid input',
        $metadata: { httpStatusCode: 400 },
        reason: 'fieldValidationFailed',
        fieldList: [{ name: 'recoveryInstanceIDs', message: 'bad id' }],
      }),
    kind: 'validation',
    retryable: false,
    cause: /invalid request.*fieldValidationFailed.*recoveryInstanceIDs \(bad id\).*Invalid input/,
  },
  {
    label: 'ResourceNotFoundException',
    make: () =>
      new ResourceNotFoundException({ message: 'No such instance', $metadata: { httpStatusCode: 404 } }),
    kind: 'not-found',
    retryable: false,
    cause: /not found.*No such instance/,
  },
  {
    label: 'AccessDeniedException',
    make: () =>
      new AccessDeniedException({ message: 'User is not authorized', $metadata: { httpStatusCode: 403 } }),
    kind: 'access-denied',
    retryable: false,
    cause: /access denied; the role lacks drs:/,
  },
  {
    label: 'UninitializedAccountException',
    make: () =>
      new UninitializedAccountException({
        message: 'Account not initialized',
        $metadata: { httpStatusCode: 400 },
      }),
    kind: 'uninitialized',
    retryable: false,
    cause: /not initialized/,
  },
];

/** EC2 origin: the region the servers came from, answered by clients of their own. */
export const ORIGIN_REGION = 'us-west-2';
export const ACCOUNT = '111122223333';
export const sourceServerArn = (id: string, region = ORIGIN_REGION): string =>
  `arn:aws:drs:${region}:${ACCOUNT}:source-server/${id}`;

/**
 * Clients of the origin region as separate instances: `mockClient(DrsClient)` stubs every
 * instance, so a test tells the regions apart by `mockClient(instance)` on these.
 */
export function originClients(region = ORIGIN_REGION): { drs: DrsClient; ec2: EC2Client } {
  return { drs: new DrsClient({ region }), ec2: new EC2Client({ region }) };
}

/** Deps whose `regional` answers `region` with `clients` and refuses any other region. */
export function makeRegionalDeps(
  clients: { drs: DrsClient; ec2: EC2Client },
  options: Parameters<typeof makeDeps>[0] & { region?: string } = {},
): Harness & { regions: string[] } {
  const harness = makeDeps(options);
  const region = options.region ?? ORIGIN_REGION;
  const regions: string[] = [];
  harness.deps.regional = (asked) => {
    regions.push(asked);
    if (asked !== region) throw new Error(`no clients for region ${asked}`);
    return clients;
  };
  return { ...harness, regions };
}

/**
 * Fresh origin-region clients mocked per instance, for a `beforeEach`, called BEFORE the class
 * mocks are reset: `mockClient(instance)` restores a stub the instance inherits, i.e. the class
 * mock of `mockClient(DrsClient)`, and resetting an instance mock under a class mock fails in
 * sinon ("already wrapped"). So: new instances each test, then `drsMock.reset()` re-stubs the class.
 */
export function mockOriginRegion(region = ORIGIN_REGION) {
  const clients = originClients(region);
  return { clients, drs: mockClient(clients.drs), ec2: mockClient(clients.ec2) };
}
export type OriginMocks = ReturnType<typeof mockOriginRegion>;
export function restoreOriginRegion(mocks: OriginMocks): void {
  mocks.drs.restore();
  mocks.ec2.restore();
}
