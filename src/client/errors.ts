import type { ErrorBody } from '../http/api-types.js';

/** What a call was about, for the words of its errors. */
export interface ErrorContext {
  grid?: string | undefined;
  image?: string | undefined;
}

/**
 * Whether a request goes to the API itself (and so carries the API key) or to a
 * presigned link. Presigned links carry their own signature: on S3 an Authorization
 * header next to a query-string signature makes the request fail, and the key has no
 * business leaving for a storage host.
 */
export type Target = 'api' | 'presigned';

/** An error answer as it came: `body` when it was the contract's JSON, else `text`. */
export interface Failure {
  status: number;
  target: Target;
  body?: ErrorBody | undefined;
  text: string;
}

/**
 * Each place's words for errors: the CLI names its flags and commands
 * (src/cli/error-words.ts), the page its fields and buttons (web/src/error-words.ts).
 */
export interface ErrorWords {
  failure(failure: Failure, about: ErrorContext): string;
  /** No answer at all: wrong URL, server down, network gone. */
  unreachable(origin: string, reason: string): string;
}

/**
 * The server answered with an error: `message` in the words of the place that asked,
 * `code` and `param` the contract's (docs/CONTRACT.md, "Errors") when it sent them.
 */
export class ApiError extends Error {
  override readonly name: string = 'ApiError';
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
    readonly param?: string,
  ) {
    super(message);
  }
}

/**
 * 401 from the API: no key was sent and the server wants one (API_KEYS is set), or
 * the key sent is not one of its keys.
 */
export class UnauthorizedError extends ApiError {
  override readonly name = 'UnauthorizedError';
}

/** No answer at all (status 0). */
export class UnreachableError extends ApiError {
  override readonly name = 'UnreachableError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, 0);
    if (options) this.cause = options.cause;
  }
}

/** Reads an error answer: the contract's JSON body, or a proxy's or storage's page. */
export function failureOf(status: number, target: Target, text: string): Failure {
  try {
    const body = JSON.parse(text) as Partial<ErrorBody>;
    if (typeof body.message === 'string' && body.message) {
      return { status, target, body: body as ErrorBody, text };
    }
  } catch {
    // Not JSON: a proxy's or S3's error page.
  }
  return { status, target, text };
}

/** The server's own message, else its status and the start of its page. */
export function messageOf({ status, body, text }: Failure): string {
  if (body) return body.message;
  const snippet = text.replace(/\s+/g, ' ').trim().slice(0, 200);
  return `The server answered HTTP ${status}${snippet ? `: ${snippet}` : '.'}`;
}

export const serverWords: ErrorWords = {
  failure: messageOf,
  unreachable: (origin, reason) => `Could not reach ${origin} (${reason}).`,
};
