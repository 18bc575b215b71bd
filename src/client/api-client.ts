/**
 * The GridBuilder HTTP API (docs/CONTRACT.md) as this repository's clients use it, the
 * CLI over fetch and the page over XMLHttpRequest: one place for URLs, the two-step
 * upload, and turning answers into errors in each place's words.
 */

import type {
  BuildStarted,
  BuildState,
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
  type Failure,
  failureOf,
  StorageRefusedError,
  serverWords,
  type Target,
  UnauthorizedError,
  UnreachableError,
} from './errors.js';
import type { Answer, Body, Progress, Transport } from './transport.js';

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
  crop?: string | undefined;
  gap?: number | undefined;
  /** `#rrggbb` or `rrggbb`. */
  background?: string | undefined;
  layout?: string | undefined;
  /** The justified layout's width. */
  width?: number | undefined;
  labels?: string | undefined;
}

/**
 * Images above this size take the two-step upload: on AWS one request carries at
 * most ~4.5 MB of raw image (6 MB Lambda payload, base64), and locally it costs nothing.
 */
export const TWO_STEP_THRESHOLD = 4 * 1024 * 1024;

/**
 * A build expected to take longer than this goes on in the background, with progress
 * to show; a shorter one is answered at once, sparing a poll a second long.
 */
const WAIT_SECONDS = 2;

/**
 * Waits before asking a build's status again after a poll that failed in a way that passes
 * (the server or storage busy, the connection lost): about half a minute in all, then the
 * last failure is thrown. The build goes on meanwhile; asking for it again finds it.
 */
export const POLL_RETRY_MS: readonly number[] = [1000, 2000, 4000, 8000, 15000];

/** Statuses that say to ask again later, besides no answer at all. */
const PASSING_STATUSES = new Set([429, 502, 503, 504]);

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
  /** Waits between retries of a failed status poll (POLL_RETRY_MS). */
  pollRetryMs?: readonly number[] | undefined;
}

export interface ListOptions extends CallOptions {
  /** Images asked for per request; the server's default when not given. */
  pageSize?: number | undefined;
}

export interface UploadOptions extends CallOptions {
  /** Takes this place in its batch whatever order uploads arrive in. */
  placement?: Placement | undefined;
  /** The file's name, stored with the image (the server keeps its base name). */
  name?: string | undefined;
}

export class ApiClient<Options extends CallOptions = CallOptions> {
  readonly baseUrl: string;
  private readonly transport: Transport;
  private readonly authorize: Authorize<Options>;
  private readonly words: ErrorWords;
  private readonly pollRetryMs: readonly number[];

  constructor(settings: ClientSettings<Options>) {
    this.baseUrl = settings.baseUrl.replace(/\/+$/, '');
    this.transport = settings.transport;
    const apiKey = settings.apiKey || undefined;
    this.authorize = settings.authorize ?? ((call) => call(apiKey));
    this.words = settings.words ?? serverWords;
    this.pollRetryMs = settings.pollRetryMs ?? POLL_RETRY_MS;
  }

  private url(path: string): string {
    return `${this.baseUrl}${path}`;
  }

  /** One request; resolves with a 2xx answer, else throws in the place's words. */
  private async send(
    method: string,
    url: string,
    request: {
      target: Target;
      about: ErrorContext;
      apiKey?: string | undefined;
      headers?: Record<string, string>;
      /** The bytes of a two-step upload, sent to storage: a refusal may be storage's own. */
      upload?: boolean;
    },
    body?: Body | string,
    onProgress?: Progress,
  ): Promise<Answer> {
    const headers: Record<string, string> = { ...request.headers };
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
    if (answer.status >= 200 && answer.status < 300) return answer;
    const text = new TextDecoder().decode(answer.body);
    const failure = failureOf(answer.status, request.target, text, request.upload);
    throw this.error(failure, request.about);
  }

  /** The error of a failure, in the place's words. */
  private error(failure: Failure, about: ErrorContext): ApiError {
    const message = this.words.failure(failure, about);
    if (failure.storage) return new StorageRefusedError(message, failure.status, failure.storage);
    const { code, param } = failure.body ?? {};
    const unauthorized = failure.status === 401 && failure.target === 'api';
    return new (unauthorized ? UnauthorizedError : ApiError)(message, failure.status, code, param);
  }

  /** An API call: with the key, through `authorize`, answered with JSON. */
  private async call<T>(
    method: string,
    url: string,
    about: ErrorContext,
    options: Options,
    body?: Body | string,
  ): Promise<T> {
    return (await this.answered<T>(method, url, about, options, body)).json;
  }

  /** An API call as `call` makes it, resolving with the answer's status and headers too. */
  private answered<T>(
    method: string,
    url: string,
    about: ErrorContext,
    options: Options,
    body?: Body | string,
    headers?: Record<string, string>,
  ): Promise<Answer & { json: T }> {
    return this.authorize(async (apiKey) => {
      const answer = await this.send(
        method,
        url,
        { target: 'api', about, apiKey, headers },
        body,
        options.onProgress,
      );
      return { ...answer, json: JSON.parse(new TextDecoder().decode(answer.body)) as T };
    }, options);
  }

  /** Adds one image; those over TWO_STEP_THRESHOLD go through the two-step upload. */
  upload(
    gridId: string,
    body: Body,
    options: UploadOptions & Options = {} as UploadOptions & Options,
  ): Promise<ImageSaved> {
    return sizeOf(body) > TWO_STEP_THRESHOLD
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
      ...nameQuery(options.name),
    });
    return this.call('POST', this.url(`/add_image?${query}`), { grid: gridId }, options, body);
  }

  /**
   * Ask for an upload URL for the body's size, PUT the bytes there (S3 on AWS), then
   * confirm. The URL takes exactly that many bytes: a file that changes in between is
   * refused by storage, not stored.
   */
  async uploadInTwoSteps(
    gridId: string,
    body: Body,
    options: UploadOptions & Options = {} as UploadOptions & Options,
  ): Promise<ImageSaved> {
    const about = { grid: gridId };
    // The name goes with the request for the link: the server binds it to that upload.
    const query = new URLSearchParams({
      size: String(sizeOf(body)),
      ...placementQuery(options.placement),
      ...nameQuery(options.name),
    });
    const path = `/grids/${encodeURIComponent(gridId)}/uploads?${query}`;
    const steps = { ...options, onProgress: undefined };
    const upload = await this.call<UploadCreated>('POST', this.url(path), about, steps);
    await this.send(
      'PUT',
      upload.upload_url,
      { target: 'presigned', about, upload: true },
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

  /**
   * The lab's POST /generate_grid, asking for a build longer than WAIT_SECONDS to go on
   * in the background (`Prefer: respond-async, wait=N`): then polls its status_url, as often as
   * Retry-After says, until it is done (the same GridBuilt as a 200) or failed (an
   * ApiError with the build's error code, and the status of the answer that said so).
   * `onProgress(tilesDone, tilesTotal)` follows such a build; a build that fits one
   * request is answered at once, with no progress.
   */
  async buildGrid(
    gridId: string,
    build: BuildOptions = {},
    options: BuildCallOptions & Options = {} as BuildCallOptions & Options,
  ): Promise<GridBuilt> {
    const query = new URLSearchParams({ uniqueGridId: gridId });
    if (build.tileSize !== undefined) query.set('tileSize', String(build.tileSize));
    if (build.columns !== undefined) query.set('columns', String(build.columns));
    if (build.format) query.set('format', build.format);
    if (build.crop) query.set('crop', build.crop);
    if (build.gap !== undefined) query.set('gap', String(build.gap));
    if (build.background) query.set('background', build.background);
    if (build.layout) query.set('layout', build.layout);
    if (build.width !== undefined) query.set('width', String(build.width));
    if (build.labels) query.set('labels', build.labels);
    const about = { grid: gridId };
    // The calls' onProgress is the transport's (bytes sent); this one counts tiles.
    const calls = { ...options, onProgress: undefined };
    const url = this.url(`/generate_grid?${query}`);
    const started = await this.answered<GridBuilt | BuildStarted>(
      'POST',
      url,
      about,
      calls,
      undefined,
      { Prefer: `respond-async, wait=${WAIT_SECONDS}` },
    );
    if (started.status !== 202) return started.json as GridBuilt;
    const { status_url: statusUrl } = started.json as BuildStarted;
    let answer = started as Answer & { json: BuildStarted | BuildState };
    for (;;) {
      const status = answer.json;
      options.onProgress?.(status.tiles_done, status.tiles_total);
      if (status.status === 'done') return builtOf(status);
      if (status.status === 'failed') {
        const text = JSON.stringify(status.error);
        throw this.error({ status: answer.status, target: 'api', body: status.error, text }, about);
      }
      await sleep(retryAfterMs(answer.headers));
      answer = await this.poll(statusUrl, about, calls);
    }
  }

  /** GETs a build's status, riding out failures that pass (see POLL_RETRY_MS). */
  private async poll(url: string, about: ErrorContext, options: Options) {
    for (let failures = 0; ; failures++) {
      try {
        return await this.answered<BuildState>('GET', url, about, options);
      } catch (error) {
        const passing =
          error instanceof UnreachableError ||
          (error instanceof ApiError && PASSING_STATUSES.has(error.status));
        const wait = this.pollRetryMs[failures];
        if (!passing || wait === undefined) throw error;
        await sleep(wait);
      }
    }
  }

  /** GETs a presigned link (a built grid). */
  async download(url: string): Promise<Uint8Array> {
    return (await this.send('GET', url, { target: 'presigned', about: {} })).body;
  }
}

/** What a build call may carry: its progress counts tiles placed, not bytes sent. */
export interface BuildCallOptions extends CallOptions {
  onProgress?: ((tilesDone: number, tilesTotal: number) => void) | undefined;
}

/** A done build's status as generate_grid's 200 says it, without the build's own fields. */
function builtOf(status: BuildState): GridBuilt {
  const { uniqueGridId, build_id, status: _, tiles_done, tiles_total, ...built } = status;
  return built as GridBuilt;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Retry-After in seconds (the API sends 1); 1 s when absent, or hidden cross-origin. */
function retryAfterMs(headers: Headers): number {
  const seconds = Number(headers.get('Retry-After') ?? Number.NaN);
  return (Number.isFinite(seconds) && seconds >= 0 ? seconds : 1) * 1000;
}

const sizeOf = (body: Body) => (body instanceof Blob ? body.size : body.byteLength);

const placementQuery = (placement?: Placement): Record<string, string> =>
  placement === undefined ? {} : { batch: placement.batch, index: String(placement.index) };

const nameQuery = (name?: string): Record<string, string> => (name === undefined ? {} : { name });
