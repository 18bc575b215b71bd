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

/**
 * Why storage refused a direct upload (the two-step upload's PUT, to S3 on AWS), read
 * from S3's XML error or, without one, from the status.
 */
export type RefusalReason =
  /** The bytes did not match the link (S3: SignatureDoesNotMatch, IncompleteBody). */
  | 'changed'
  /** The link, or the role session that signed it, expired. */
  | 'expired'
  | 'too_large'
  /** Storage failed or was busy (5xx): a refusal of the moment. */
  | 'unavailable'
  | 'refused';

export interface StorageRefusal {
  reason: RefusalReason;
  /** S3's <Code> and <Message>, when it sent them. */
  code?: string | undefined;
  message?: string | undefined;
}

/** An error answer as it came: `body` when it was the contract's JSON, else `text`. */
export interface Failure {
  status: number;
  target: Target;
  body?: ErrorBody | undefined;
  text: string;
  /** A direct upload that storage refused: its answer was not the API's (not JSON). */
  storage?: StorageRefusal | undefined;
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

/**
 * The client's own code for an upload storage refused: not one of the API's codes
 * (docs/CONTRACT.md), since the API never saw the request.
 */
export const STORAGE_REFUSED = 'storage_refused';

/** Storage (S3 on AWS) refused the bytes of a two-step upload; `refusal` says why. */
export class StorageRefusedError extends ApiError {
  override readonly name = 'StorageRefusedError';
  constructor(
    message: string,
    status: number,
    readonly refusal: StorageRefusal,
  ) {
    super(message, status, STORAGE_REFUSED);
  }
}

/** No answer at all (status 0). */
export class UnreachableError extends ApiError {
  override readonly name = 'UnreachableError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, 0);
    if (options) this.cause = options.cause;
  }
}

/**
 * Reads an error answer: the contract's JSON body, or a proxy's or storage's page. The
 * answer to a direct upload's bytes (`upload`) that is not the API's JSON is storage's
 * refusal (S3's XML on AWS; the local server's own links answer JSON).
 */
export function failureOf(status: number, target: Target, text: string, upload = false): Failure {
  try {
    const body = JSON.parse(text) as Partial<ErrorBody>;
    if (typeof body.message === 'string' && body.message) {
      return { status, target, body: body as ErrorBody, text };
    }
  } catch {
    // Not JSON: a proxy's or S3's error page.
  }
  return upload
    ? { status, target, text, storage: refusalOf(status, text) }
    : { status, target, text };
}

const XML_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
};

/**
 * The text of S3's <Error><NAME>, if the answer is one. Its text holds no "<" (XML
 * escapes it), so the first element of that name is the error's own.
 */
function xmlField(text: string, name: string): string | undefined {
  if (!/<Error>/.test(text)) return undefined;
  const value = new RegExp(`<${name}>([^<]*)</${name}>`).exec(text)?.[1];
  const decoded = value?.replace(
    /&(amp|lt|gt|quot|apos);/g,
    (_, entity) => XML_ENTITIES[entity] ?? '',
  );
  // A page may show it: a runaway one would not fit.
  return decoded?.trim().slice(0, 300) || undefined;
}

/**
 * Why storage refused an upload, from S3's XML error (its REST error responses:
 * https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html) or the status.
 */
function refusalOf(status: number, text: string): StorageRefusal {
  const code = xmlField(text, 'Code');
  const message = xmlField(text, 'Message');
  const reason: RefusalReason =
    // The link signs the upload's Content-Length: other bytes than announced no longer match it.
    code === 'SignatureDoesNotMatch' || code === 'IncompleteBody'
      ? 'changed'
      : (code === 'AccessDenied' && /expired/i.test(message ?? '')) || code === 'ExpiredToken'
        ? 'expired'
        : code === 'EntityTooLarge' || status === 413
          ? 'too_large'
          : status >= 500
            ? 'unavailable'
            : 'refused';
  return { reason, code, message };
}

/** A storage refusal in the product's words, naming S3's code (or the status) for whoever looks into it. */
export function refusalMessage(status: number, { reason, code, message }: StorageRefusal): string {
  const said = code ?? `HTTP ${status}`;
  const saidFully = code && message ? `${code}: ${message}` : said;
  switch (reason) {
    case 'changed':
      return `The storage refused the upload (${said}): the file changed while it was sent; add it again.`;
    case 'expired':
      return `The upload link expired before the file arrived (${saidFully}): add the file again.`;
    case 'too_large':
      return `The storage refused the upload (${said}): the file is larger than it accepts.`;
    case 'unavailable':
      return `The storage could not take the upload (${saidFully}): add the file again shortly.`;
    default:
      return `The storage refused the upload (${saidFully}): add the file again.`;
  }
}

/** The server's own message, else its status and the start of its page. */
export function messageOf({ status, body, text, storage }: Failure): string {
  if (body) return body.message;
  if (storage) return refusalMessage(status, storage);
  const snippet = text.replace(/\s+/g, ' ').trim().slice(0, 200);
  return `The server answered HTTP ${status}${snippet ? `: ${snippet}` : '.'}`;
}

export const serverWords: ErrorWords = {
  failure: messageOf,
  unreachable: (origin, reason) => `Could not reach ${origin} (${reason}).`,
};
