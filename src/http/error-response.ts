import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { type ErrorCode, type ErrorKind, isGridBuilderError } from '../core/errors.js';
import type { Logger } from '../logger.js';

/** The one place where the core's error kinds become HTTP status codes. */
export const STATUS_OF: Record<ErrorKind, ContentfulStatusCode> = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  range_not_satisfiable: 416,
  unsupported_media: 415,
  unprocessable: 422,
  overloaded: 503,
  timeout: 408,
  storage_unavailable: 503,
  // Not 503: waiting does not help, someone has to free space (a delete still works).
  storage_full: 507,
};

/** The contract's error answer: what is wrong in words, the code a client maps to its own. */
export const errorBody = (code: ErrorCode, message: string, param?: string) =>
  param === undefined ? { message, code } : { message, code, param };

/** Turns any thrown value into the contract's error answer; never a stack trace. */
export function errorResponse(c: Context, error: unknown, logger: Logger): Response {
  if (isGridBuilderError(error)) {
    const status = STATUS_OF[error.kind];
    if (status >= 500) logger.warn({ err: error, reqId: c.get('requestId') }, error.message);
    // Both pass: too much work in flight, or storage slow or unreachable for a moment.
    if (error.kind === 'overloaded' || error.kind === 'storage_unavailable')
      c.header('Retry-After', '5');
    if (error.kind === 'unauthorized') c.header('WWW-Authenticate', 'Bearer realm="GridBuilder"');
    // A body refused part-way has unread bytes on the socket: the connection cannot be reused.
    if (['too_large', 'overloaded', 'timeout'].includes(error.kind))
      c.header('Connection', 'close');
    return c.json(errorBody(error.code, error.message, error.param), status);
  }
  // Hono's own refusals (a JSON body that does not parse): the client's to fix.
  if (error instanceof HTTPException && error.status < 500) {
    const message = /json/i.test(error.message)
      ? 'The body is not valid JSON: send a JSON object with Content-Type: application/json.'
      : error.message || 'The request is malformed.';
    return c.json(errorBody('invalid_request', message), error.status);
  }
  logger.error({ err: error, reqId: c.get('requestId') }, 'unexpected error');
  return c.json(
    errorBody(
      'internal',
      'Something went wrong on our side; the error has been logged. Please try again.',
    ),
    500,
  );
}
