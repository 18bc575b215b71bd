/**
 * The GridBuilder HTTP API (docs/CONTRACT.md) as this repository's clients use it, the
 * CLI over fetch and the page over XMLHttpRequest: one place for URLs, the two-step
 * upload, and turning answers into errors in each place's words.
 */

import type {
  Deleted,
  GridBuilt,
  GridImage,
  GridListing,
  ImageSaved,
  OrderSaved,
  UploadCreated,
} from '../http/api-types.js';
import {
  ApiError,
  type ErrorContext,
  type ErrorWords,
  failureOf,
  serverWords,
  type Target,
  UnauthorizedError,
  UnreachableError,
} from './errors.js';
import type { Body, Progress, Transport } from './transport.js';

export * from './errors.js';
export type { Body, Progress, Transport } from './transport.js';
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

/** What a call may carry besides its arguments; a place may add its own (the page does). */
export interface CallOptions {
  onProgress?: Progress | undefined;
}

/**
 * Runs one API call with a key. The default sends the client's one key; the page asks
 * its user on 401 and retries (web/src/api.ts). Only API calls go through it: each step
 * of the two-step upload on its own, never the presigned PUT.
 */
export type Authorize<Options> = <T>(
  call: (apiKey: string | undefined) => Promise<T>,
  options: Options,
) => Promise<T>;

export interface ClientSettings<Options extends CallOptions> {
  baseUrl: string;
  transport: Transport;
  /** Sent as `Authorization: Bearer` on API calls, unless `authorize` gives the key. */
  apiKey?: string | undefined;
  authorize?: Authorize<Options> | undefined;
  words?: ErrorWords | undefined;
}

export interface ListOptions extends CallOptions {
  /** Images asked for per request; the server's default when not given. */
  pageSize?: number | undefined;
}

export interface UploadOptions extends CallOptions {
  /** Takes this place in its batch whatever order uploads arrive in. */
  placement?: Placement | undefined;
}

export class ApiClient<Options extends CallOptions = CallOptions> {
  readonly baseUrl: string;
  private readonly transport: Transport;
  private readonly authorize: Authorize<Options>;
  private readonly words: ErrorWords;

  constructor(settings: ClientSettings<Options>) {
    this.baseUrl = settings.baseUrl.replace(/\/+$/, '');
    this.transport = settings.transport;
    const apiKey = settings.apiKey || undefined;
    this.authorize = settings.authorize ?? ((call) => call(apiKey));
    this.words = settings.words ?? serverWords;
  }

  private url(path: string): string {
    return `${this.baseUrl}${path}`;
  }

  /** One request; resolves with the body of a 2xx answer, else throws in the place's words. */
  private async send(
    method: string,
    url: string,
    request: { target: Target; about: ErrorContext; apiKey?: string | undefined },
    body?: Body | string,
    onProgress?: Progress,
  ): Promise<Uint8Array> {
    const headers: Record<string, string> = {};
    if (request.target === 'api' && request.apiKey) {
      headers.Authorization = `Bearer ${request.apiKey}`;
    }
    if (typeof body === 'string') headers['Content-Type'] = 'application/json';
    else if (body) {
      headers['Content-Type'] = (body instanceof Blob && body.type) || 'application/octet-stream';
    }
    let answer: Awaited<ReturnType<Transport>>;
    try {
      answer = await this.transport({ method, url, headers, body, onProgress });
    } catch (error) {
      throw new UnreachableError(
        this.words.unreachable(new URL(url).origin, (error as Error).message),
        { cause: error },
      );
    }
    if (answer.status >= 200 && answer.status < 300) return answer.body;
    const failure = failureOf(answer.status, request.target, new TextDecoder().decode(answer.body));
    const message = this.words.failure(failure, request.about);
    const { code, param } = failure.body ?? {};
    const unauthorized = failure.status === 401 && request.target === 'api';
    throw new (unauthorized ? UnauthorizedError : ApiError)(message, failure.status, code, param);
  }

  /** An API call: with the key, through `authorize`, answered with JSON. */
  private call<T>(
    method: string,
    url: string,
    about: ErrorContext,
    options: Options,
    body?: Body | string,
  ): Promise<T> {
    return this.authorize(async (apiKey) => {
      const answer = await this.send(
        method,
        url,
        { target: 'api', about, apiKey },
        body,
        options.onProgress,
      );
      return JSON.parse(new TextDecoder().decode(answer)) as T;
    }, options);
  }

  /** Adds one image; those over TWO_STEP_THRESHOLD go through the two-step upload. */
  upload(
    gridId: string,
    body: Body,
    options: UploadOptions & Options = {} as UploadOptions & Options,
  ): Promise<ImageSaved> {
    const size = body instanceof Blob ? body.size : body.byteLength;
    return size > TWO_STEP_THRESHOLD
      ? this.uploadInTwoSteps(gridId, body, options)
      : this.addImage(gridId, body, options);
  }

  /** The lab's POST /add_image. */
  addImage(
    gridId: string,
    body: Body,
    options: UploadOptions & Options = {} as UploadOptions & Options,
  ): Promise<ImageSaved> {
    const query = new URLSearchParams({
      uniqueGridId: gridId,
      ...placementQuery(options.placement),
    });
    return this.call('POST', this.url(`/add_image?${query}`), { grid: gridId }, options, body);
  }

  /** Ask for an upload URL, PUT the bytes there (S3 on AWS), then confirm. */
  async uploadInTwoSteps(
    gridId: string,
    body: Body,
    options: UploadOptions & Options = {} as UploadOptions & Options,
  ): Promise<ImageSaved> {
    const about = { grid: gridId };
    const query = new URLSearchParams(placementQuery(options.placement));
    const path = `/grids/${encodeURIComponent(gridId)}/uploads${query.size ? `?${query}` : ''}`;
    const steps = { ...options, onProgress: undefined };
    const upload = await this.call<UploadCreated>('POST', this.url(path), about, steps);
    await this.send(
      'PUT',
      upload.upload_url,
      { target: 'presigned', about },
      body,
      options.onProgress,
    );
    // The confirmation is an API route (the server's own URL for it): it needs the key.
    return this.call('POST', upload.confirm_url, about, steps);
  }

  /** Every image of the grid, in the grid's order: the listing's pages, one after another. */
  async listImages(
    gridId: string,
    options: ListOptions & Options = {} as ListOptions & Options,
  ): Promise<GridListing> {
    const images: GridImage[] = [];
    let page: GridListing | undefined;
    do {
      const query = new URLSearchParams();
      if (options.pageSize !== undefined) query.set('limit', String(options.pageSize));
      if (page?.next_cursor) query.set('cursor', page.next_cursor);
      const path = `/grids/${encodeURIComponent(gridId)}${query.size ? `?${query}` : ''}`;
      page = await this.call<GridListing>('GET', this.url(path), { grid: gridId }, options);
      images.push(...page.images);
    } while (page.next_cursor);
    return { ...page, image_count: images.length, images };
  }

  deleteImage(gridId: string, imageId: string, options = {} as Options): Promise<Deleted> {
    const path = `/grids/${encodeURIComponent(gridId)}/images/${encodeURIComponent(imageId)}`;
    return this.call('DELETE', this.url(path), { grid: gridId, image: imageId }, options);
  }

  /** PUT /grids/ID/order: every image id of the grid, once each, in the new order. */
  reorder(
    gridId: string,
    imageIds: readonly string[],
    options = {} as Options,
  ): Promise<OrderSaved> {
    const url = this.url(`/grids/${encodeURIComponent(gridId)}/order`);
    const body = JSON.stringify({ image_ids: imageIds });
    return this.call('PUT', url, { grid: gridId }, options, body);
  }

  deleteGrid(gridId: string, options = {} as Options): Promise<Deleted> {
    const url = this.url(`/grids/${encodeURIComponent(gridId)}`);
    return this.call('DELETE', url, { grid: gridId }, options);
  }

  /** The lab's POST /generate_grid. */
  buildGrid(gridId: string, build: BuildOptions = {}, options = {} as Options): Promise<GridBuilt> {
    const query = new URLSearchParams({ uniqueGridId: gridId });
    if (build.tileSize !== undefined) query.set('tileSize', String(build.tileSize));
    if (build.columns !== undefined) query.set('columns', String(build.columns));
    if (build.format) query.set('format', build.format);
    return this.call('POST', this.url(`/generate_grid?${query}`), { grid: gridId }, options);
  }

  /** GETs a presigned link (a built grid). */
  download(url: string): Promise<Uint8Array> {
    return this.send('GET', url, { target: 'presigned', about: {} });
  }
}

const placementQuery = (placement?: Placement): Record<string, string> =>
  placement === undefined ? {} : { batch: placement.batch, index: String(placement.index) };
