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

/**
 * What a client can tell apart and say in its own words, one per case it needs to
 * phrase differently: finer than the kind (a bad tileSize and a bad grid id are both
 * invalid_request). Sent as `code` next to `message`; docs/CONTRACT.md lists them in
 * this order (test/core/error-codes.test.ts). Stable: a client may rely on each one.
 */
export const ERROR_CODES = [
  'invalid_request',
  'invalid_grid_id',
  'invalid_parameter',
  'invalid_cursor',
  'empty_body',
  'order_mismatch',
  'upload_size_mismatch',
  'grid_too_large',
  'api_key_missing',
  'api_key_invalid',
  'link_expired',
  'link_invalid',
  'not_found',
  'grid_empty',
  'image_not_found',
  'upload_not_found',
  'build_not_found',
  'timeout',
  'upload_used',
  'grid_changed',
  'body_too_large',
  'too_many_pixels',
  'not_an_image',
  'unsupported_format',
  'range_not_satisfiable',
  'corrupt_image',
  'headers_too_large',
  'internal',
  'build_failed',
  'build_stalled',
  'overloaded',
  'storage_unavailable',
  'storage_full',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** The kinds that are codes too: their errors may leave the code out. */
type KindThatIsACode = ErrorKind & ErrorCode;

interface ErrorDetails {
  cause?: unknown;
  /** The query parameter, path parameter or body field the error is about, if one. */
  param?: string;
}

export class GridBuilderError extends Error {
  override readonly name = 'GridBuilderError';
  readonly code: ErrorCode;
  readonly param: string | undefined;

  /** A kind that is not a code itself (too coarse for a client) needs a code. */
  constructor(kind: KindThatIsACode, message: string, details?: ErrorDetails);
  constructor(kind: ErrorKind, message: string, details: ErrorDetails & { code: ErrorCode });
  constructor(
    readonly kind: ErrorKind,
    message: string,
    details: ErrorDetails & { code?: ErrorCode } = {},
  ) {
    super(message, { cause: details.cause });
    this.code = details.code ?? (kind as KindThatIsACode);
    this.param = details.param;
  }
}

export const isGridBuilderError = (error: unknown): error is GridBuilderError =>
  error instanceof GridBuilderError;

/** Whether `error` is a GridBuilderError of that kind. */
export const isErrorKind = (error: unknown, kind: ErrorKind): error is GridBuilderError =>
  isGridBuilderError(error) && error.kind === kind;
