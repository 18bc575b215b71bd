/**
 * The GridBuilder HTTP API (docs/CONTRACT.md) as the CLI's commands use it: one
 * place for URLs, the two-step upload, and turning answers into errors in the CLI's
 * words (src/cli/error-words.ts).
 */

import type {
  Deleted,
  ErrorBody,
  GridBuilt,
  GridImage,
  GridListing,
  ImageSaved,
  OrderSaved,
  UploadCreated,
} from '../http/api-types.js';
import { cliWords, type ErrorContext } from './error-words.js';

export type { Deleted, GridBuilt, GridImage, GridListing, ImageSaved, OrderSaved };

/** Where an upload goes among others sent at once (docs/CONTRACT.md, "The grid"). */
export interface Placement {
  /** A ULID made when the batch starts. */
  batch: string;
  /** The file's place in the batch, from 0. */
  index: number;
}

export interface BuildOptions {
  tileSize?: number | undefined;
  columns?: number | undefined;
  format?: string | undefined;
}

/**
 * Images above this size take the two-step upload: on AWS one request carries at
 * most ~4.5 MB of raw image (6 MB Lambda payload, base64), and locally it costs nothing.
 */
export const TWO_STEP_THRESHOLD = 4 * 1024 * 1024;

/**
 * The server answered with an error: `message` in the CLI's words for its `code`, else
 * the server's own message.
 */
export class ApiError extends Error {
  override readonly name: string = 'ApiError';
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
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

/** No answer at all: wrong URL, server down, network gone. */
export class UnreachableError extends Error {
  override readonly name = 'UnreachableError';
}

const REQUEST_TIMEOUT_MS = 10 * 60_000;

/**
 * Whether a request goes to the API itself (and so carries the API key) or to a
 * presigned link. Presigned links carry their own signature: on S3 an Authorization
 * header next to a query-string signature makes the request fail, and the key has no
 * business leaving for a storage host.
 */
type Target = 'api' | 'presigned';

export class GridBuilderClient {
  readonly baseUrl: string;
  private readonly apiKey: string | undefined;

  /** `apiKey`: sent as `Authorization: Bearer` on API calls when the server has API_KEYS. */
  constructor(baseUrl: string, apiKey?: string) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.apiKey = apiKey || undefined;
  }

  private url(path: string): string {
    return `${this.baseUrl}${path}`;
  }

  /** `about`: what the call is about, for the words of its errors. */
  private async request(
    url: string,
    init: RequestInit = {},
    target: Target = 'api',
    about: ErrorContext = {},
  ): Promise<Response> {
    const headers = new Headers(init.headers);
    if (target === 'api' && this.apiKey) headers.set('Authorization', `Bearer ${this.apiKey}`);
    let response: Response;
    try {
      response = await fetch(url, {
        ...init,
        headers,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const reason = cause?.code ?? cause?.message ?? (error as Error).message;
      throw new UnreachableError(`Could not reach ${new URL(url).origin} (${reason}).`, {
        cause: error,
      });
    }
    if (!response.ok) {
      const { message, code, worded } = errorOf(response.status, await response.text(), about);
      if (response.status === 401 && target === 'api') {
        // Words for a code we do not know: the server's message, and where the key comes from.
        const hint = this.apiKey
          ? 'The API key given (--api-key or GRIDBUILDER_API_KEY) was refused: check it.'
          : 'This server needs an API key: pass --api-key KEY or set GRIDBUILDER_API_KEY.';
        throw new UnauthorizedError(worded ? message : `${message}\n${hint}`, 401, code);
      }
      throw new ApiError(message, response.status, code);
    }
    return response;
  }

  private async json<T>(url: string, init: RequestInit, about: ErrorContext): Promise<T> {
    return (await (await this.request(url, init, 'api', about)).json()) as T;
  }

  /**
   * Adds one image; big ones go through the two-step upload. With a placement (a batch
   * and the file's index in it) it takes that place whatever order uploads arrive in.
   */
  upload(
    gridId: string,
    bytes: Uint8Array<ArrayBuffer>,
    placement?: Placement,
  ): Promise<ImageSaved> {
    return bytes.byteLength > TWO_STEP_THRESHOLD
      ? this.uploadInTwoSteps(gridId, bytes, placement)
      : this.addImage(gridId, bytes, placement);
  }

  /** The lab's POST /add_image. */
  addImage(
    gridId: string,
    bytes: Uint8Array<ArrayBuffer>,
    placement?: Placement,
  ): Promise<ImageSaved> {
    const query = new URLSearchParams({ uniqueGridId: gridId, ...placementQuery(placement) });
    return this.json(
      this.url(`/add_image?${query}`),
      { method: 'POST', headers: { 'Content-Type': 'application/octet-stream' }, body: bytes },
      { grid: gridId },
    );
  }

  /** Ask for an upload URL, PUT the bytes there (S3 on AWS), then confirm. */
  async uploadInTwoSteps(
    gridId: string,
    bytes: Uint8Array<ArrayBuffer>,
    placement?: Placement,
  ): Promise<ImageSaved> {
    const query = new URLSearchParams(placementQuery(placement));
    const upload = await this.json<UploadCreated>(
      this.url(`/grids/${encodeURIComponent(gridId)}/uploads${query.size ? `?${query}` : ''}`),
      { method: 'POST' },
      { grid: gridId },
    );
    await this.request(
      upload.upload_url,
      { method: 'PUT', headers: { 'Content-Type': 'application/octet-stream' }, body: bytes },
      'presigned',
      { grid: gridId },
    );
    // The confirmation is an API route (the server's own URL for it): it needs the key.
    return this.json(upload.confirm_url, { method: 'POST' }, { grid: gridId });
  }

  listImages(gridId: string): Promise<GridListing> {
    return this.json(this.url(`/grids/${encodeURIComponent(gridId)}`), {}, { grid: gridId });
  }

  deleteImage(gridId: string, imageId: string): Promise<Deleted> {
    const path = `/grids/${encodeURIComponent(gridId)}/images/${encodeURIComponent(imageId)}`;
    return this.json(this.url(path), { method: 'DELETE' }, { grid: gridId, image: imageId });
  }

  /** PUT /grids/ID/order: every image id of the grid, once each, in the new order. */
  reorder(gridId: string, imageIds: readonly string[]): Promise<OrderSaved> {
    return this.json(
      this.url(`/grids/${encodeURIComponent(gridId)}/order`),
      {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ image_ids: imageIds }),
      },
      { grid: gridId },
    );
  }

  deleteGrid(gridId: string): Promise<Deleted> {
    return this.json(
      this.url(`/grids/${encodeURIComponent(gridId)}`),
      { method: 'DELETE' },
      { grid: gridId },
    );
  }

  /** The lab's POST /generate_grid. */
  buildGrid(gridId: string, options: BuildOptions = {}): Promise<GridBuilt> {
    const query = new URLSearchParams({ uniqueGridId: gridId });
    if (options.tileSize !== undefined) query.set('tileSize', String(options.tileSize));
    if (options.columns !== undefined) query.set('columns', String(options.columns));
    if (options.format) query.set('format', options.format);
    return this.json(this.url(`/generate_grid?${query}`), { method: 'POST' }, { grid: gridId });
  }

  /** GETs a presigned link (a built grid). */
  async download(url: string): Promise<Buffer> {
    return Buffer.from(await (await this.request(url, {}, 'presigned')).arrayBuffer());
  }
}

const placementQuery = (placement?: Placement): Record<string, string> =>
  placement?.batch === undefined ? {} : { batch: placement.batch, index: String(placement.index) };

/** An error answer in the CLI's words (`worded`), else the server's message or page. */
function errorOf(
  status: number,
  text: string,
  about: ErrorContext,
): { message: string; code?: string; worded: boolean } {
  try {
    const body = JSON.parse(text) as Partial<ErrorBody>;
    if (typeof body.message === 'string' && body.message) {
      const words = body.code ? cliWords(body as ErrorBody, about) : undefined;
      return { message: words ?? body.message, code: body.code, worded: words !== undefined };
    }
  } catch {
    // Not JSON: a proxy's or S3's error page.
  }
  const snippet = text.replace(/\s+/g, ' ').trim().slice(0, 200);
  return {
    message: `The server answered HTTP ${status}${snippet ? `: ${snippet}` : '.'}`,
    worded: false,
  };
}
