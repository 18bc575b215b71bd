import { GridBuilderError } from '../../core/errors.js';

/** What the SDK attaches to a service error (absent on network and configuration errors). */
interface SdkErrorShape {
  name?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
}

const sdkError = (error: unknown): SdkErrorShape =>
  typeof error === 'object' && error !== null ? (error as SdkErrorShape) : {};

/** The HTTP status the service answered with, when it answered at all. */
export const statusOf = (error: unknown): number | undefined =>
  sdkError(error).$metadata?.httpStatusCode;

/** A missing object or key: S3 says NoSuchKey on GET and a bare 404 (NotFound) on HEAD. */
export const isNotFound = (error: unknown): boolean => {
  const { name } = sdkError(error);
  return name === 'NoSuchKey' || name === 'NotFound' || statusOf(error) === 404;
};

/**
 * Turns whatever the SDK threw into the contract's error. By the time an SDK call
 * fails, the SDK's standard retry strategy has already retried throttling, 5xx and
 * network errors; what is left is not the API client's fault (S3 or DynamoDB down,
 * unreachable, misconfigured bucket, missing credentials), so it becomes
 * `storage_unavailable` (503 with a message) rather than a 500 with a stack trace.
 * The original error stays as `cause`, and the HTTP edge logs it.
 */
export function storageFailure(
  service: 'S3' | 'DynamoDB',
  action: string,
  error: unknown,
): GridBuilderError {
  if (error instanceof GridBuilderError) return error;
  const { name, $fault } = sdkError(error);
  const status = statusOf(error);
  const reason = status
    ? `${name ?? 'error'} (HTTP ${status}${$fault ? `, ${$fault} fault` : ''})`
    : name === 'AbortError' || name === 'TimeoutError'
      ? 'no answer in time'
      : (name ?? 'no answer');
  return new GridBuilderError(
    'storage_unavailable',
    `Storage is unavailable: ${service} could not ${action}: ${reason}. Please try again shortly.`,
    { cause: error },
  );
}
