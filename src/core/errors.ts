/**
 * Every failure GridBuilder reports on purpose is a GridBuilderError with a kind.
 * The kinds say what went wrong in domain terms; the HTTP edge maps them to status
 * codes in one place (src/http/error-response.ts), so the core never speaks HTTP.
 */
export type ErrorKind =
  | 'invalid_request' // malformed id or option, empty body
  | 'unauthorized' // missing or wrong API key
  | 'forbidden' // expired or altered signed link
  | 'not_found' // no such grid, image or upload
  | 'conflict' // the request lost a race it cannot win again (an upload already confirmed)
  | 'too_large' // body or pixel count over a limit
  | 'range_not_satisfiable' // a download's byte range lies outside the file
  | 'unsupported_media' // not an image, or a format we do not read
  | 'unprocessable' // an image we recognise but cannot decode (truncated, corrupt)
  | 'overloaded' // too much work in flight; try again later
  | 'timeout' // the client stopped sending its request part-way
  | 'storage_unavailable' // the object store or index cannot be reached
  | 'storage_full'; // the server's disk has no room left for the write

export class GridBuilderError extends Error {
  override readonly name = 'GridBuilderError';

  constructor(
    readonly kind: ErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const isGridBuilderError = (error: unknown): error is GridBuilderError =>
  error instanceof GridBuilderError;

/** Whether `error` is a GridBuilderError of that kind. */
export const isErrorKind = (error: unknown, kind: ErrorKind): error is GridBuilderError =>
  isGridBuilderError(error) && error.kind === kind;
