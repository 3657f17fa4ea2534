import {
  AccessDeniedException,
  ConflictException,
  type DrsServiceException,
  InternalServerException,
  ResourceNotFoundException,
  ServiceQuotaExceededException,
  ThrottlingException,
  UninitializedAccountException,
  ValidationException,
  ValidationExceptionReason,
} from '@aws-sdk/client-drs';
import { EC2ServiceException } from '@aws-sdk/client-ec2';
import {
  NoSuchResourceException,
  type ServiceQuotasServiceException,
  AccessDeniedException as SqAccessDeniedException,
  ServiceException as SqServiceException,
  TooManyRequestsException,
} from '@aws-sdk/client-service-quotas';
import {
  InternalErrorException,
  InvalidParameterException,
  NotFoundException,
  type SNSServiceException,
} from '@aws-sdk/client-sns';

/** Error names a scenario fault may inject (the DRS error table plus EC2's own). */
export const DRS_ERROR_NAMES = [
  'ThrottlingException',
  'InternalServerException',
  'ConflictException',
  'ServiceQuotaExceededException',
  'ValidationException',
  'ResourceNotFoundException',
  'AccessDeniedException',
  'UninitializedAccountException',
] as const;
export type DrsErrorName = (typeof DRS_ERROR_NAMES)[number];
export const EC2_ERROR_NAMES = ['InvalidInstanceID.NotFound', 'RequestLimitExceeded'] as const;
export const FAULT_ERROR_NAMES = [...DRS_ERROR_NAMES, ...EC2_ERROR_NAMES] as const;
export type FaultErrorName = (typeof FAULT_ERROR_NAMES)[number];

export interface Metadata {
  httpStatusCode: number;
  requestId: string;
  attempts: number;
  totalRetryDelay: number;
}

const meta = (httpStatusCode: number, requestId: string): Metadata => ({
  httpStatusCode,
  requestId,
  attempts: 1,
  totalRetryDelay: 0,
});

export interface DrsErrorExtras {
  resourceId?: string;
  resourceType?: string;
  retryAfterSeconds?: number;
  fieldList?: { name: string; message: string }[];
  reason?: ValidationExceptionReason;
  /** ServiceQuotaExceededException: the quota that was exceeded. */
  quotaCode?: string;
}

/** The SDK's own exception class for a DRS error name, as the deserializer would build it. */
export function drsError(
  name: (typeof DRS_ERROR_NAMES)[number],
  message: string,
  requestId: string,
  extras: DrsErrorExtras = {},
): DrsServiceException {
  switch (name) {
    case 'ThrottlingException':
      return new ThrottlingException({
        message,
        $metadata: meta(429, requestId),
        serviceCode: 'drs',
        quotaCode: 'simulated-request-rate',
        retryAfterSeconds: String(extras.retryAfterSeconds ?? 1),
      });
    case 'InternalServerException':
      return new InternalServerException({
        message,
        $metadata: meta(500, requestId),
        retryAfterSeconds: extras.retryAfterSeconds ?? 1,
      });
    case 'ConflictException':
      return new ConflictException({
        message,
        $metadata: meta(409, requestId),
        code: 'ConflictException',
        resourceId: extras.resourceId,
        resourceType: extras.resourceType,
      });
    case 'ServiceQuotaExceededException':
      return new ServiceQuotaExceededException({
        message,
        $metadata: meta(402, requestId),
        code: 'ServiceQuotaExceededException',
        resourceId: extras.resourceId,
        resourceType: extras.resourceType,
        serviceCode: 'drs',
        quotaCode: extras.quotaCode ?? 'L-D88FAC3A',
      });
    case 'ValidationException':
      return new ValidationException({
        message,
        $metadata: meta(400, requestId),
        code: 'ValidationException',
        reason: extras.reason ?? ValidationExceptionReason.FIELD_VALIDATION_FAILED,
        fieldList: extras.fieldList ?? [],
      });
    case 'ResourceNotFoundException':
      return new ResourceNotFoundException({
        message,
        $metadata: meta(404, requestId),
        code: 'ResourceNotFoundException',
        resourceId: extras.resourceId,
        resourceType: extras.resourceType,
      });
    case 'AccessDeniedException':
      return new AccessDeniedException({
        message,
        $metadata: meta(403, requestId),
        code: 'AccessDeniedException',
      });
    case 'UninitializedAccountException':
      return new UninitializedAccountException({
        message,
        $metadata: meta(400, requestId),
        code: 'UninitializedAccountException',
      });
  }
}

/** A validation failure naming one field, as DRS reports it. */
export function fieldError(field: string, message: string, requestId: string): DrsServiceException {
  return drsError('ValidationException', `Invalid request: ${field}: ${message}`, requestId, {
    fieldList: [{ name: field, message }],
  });
}

/** EC2 has no modelled exceptions: the SDK throws its base class with the error code as name. */
export function ec2Error(
  name: string,
  message: string,
  requestId: string,
  httpStatusCode = 400,
): EC2ServiceException {
  return new EC2ServiceException({
    name,
    message,
    $fault: 'client',
    $metadata: meta(httpStatusCode, requestId),
  });
}

/**
 * Service Quotas' own exception classes: AccessDenied and NoSuchResource by name, throttling as
 * TooManyRequestsException; any other injected name as its ServiceException.
 */
export function serviceQuotasError(
  name: string,
  message: string,
  requestId: string,
): ServiceQuotasServiceException {
  switch (name) {
    case 'AccessDeniedException':
      return new SqAccessDeniedException({ message, $metadata: meta(400, requestId) });
    case 'NoSuchResourceException':
      return new NoSuchResourceException({ message, $metadata: meta(400, requestId) });
    case 'ThrottlingException':
      return new TooManyRequestsException({ message, $metadata: meta(400, requestId) });
    default:
      return new SqServiceException({ message, $metadata: meta(500, requestId) });
  }
}

export function snsError(
  name: 'InvalidParameterException' | 'NotFoundException' | 'InternalErrorException',
  message: string,
  requestId: string,
): SNSServiceException {
  switch (name) {
    case 'InvalidParameterException':
      return new InvalidParameterException({ message, $metadata: meta(400, requestId) });
    case 'NotFoundException':
      return new NotFoundException({ message, $metadata: meta(404, requestId) });
    case 'InternalErrorException':
      return new InternalErrorException({ message, $metadata: meta(500, requestId) });
  }
}

export function isDrsErrorName(name: string): name is (typeof DRS_ERROR_NAMES)[number] {
  return (DRS_ERROR_NAMES as readonly string[]).includes(name);
}

export const EC2_ERROR_STATUS: Record<(typeof EC2_ERROR_NAMES)[number], number> = {
  'InvalidInstanceID.NotFound': 400,
  RequestLimitExceeded: 503,
};
