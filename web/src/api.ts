/** The GridBuilder HTTP API as the page uses it (docs/CONTRACT.md). */

import type {
  ErrorBody,
  GridBuilt,
  GridImage,
  GridListing,
  ImageSaved,
  UploadCreated,
} from '../../src/http/api-types.js';
import { pageWords } from './error-words.js';

export type { GridBuilt, GridImage, GridListing, ImageSaved };

export interface BuildOptions {
  tileSize?: number | undefined;
  columns?: number | undefined;
  format?: string | undefined;
}

/** Above this size an image takes the two-step upload (on AWS one request carries ~4.5 MB). */
export const TWO_STEP_THRESHOLD = 4 * 1024 * 1024;

/**
 * An error the user can read: the page's words for the API's `code`, else the server's
 * own message, else the status. `code` is the contract's, when the server sent one.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
  ) {
    super(message);
  }
}

const UNREACHABLE = 'Could not reach the GridBuilder server: check your connection and try again.';

function apiErrorOf(status: number, text: string): ApiError {
  try {
    const body = JSON.parse(text) as Partial<ErrorBody>;
    if (typeof body.message === 'string' && body.message) {
      const words = body.code ? pageWords(body as ErrorBody) : undefined;
      return new ApiError(words ?? body.message, status, body.code);
    }
  } catch {
    // Not JSON (a proxy's or storage's error page): fall through to the status.
  }
  if (status === 413) return new ApiError('The file is too large for the server.', status);
  if (status === 403) {
    return new ApiError('The upload link was refused (expired or invalid): try again.', status);
  }
  return new ApiError(`The server answered with HTTP ${status}.`, status);
}

export type Progress = (loaded: number, total: number) => void;

/** Where an upload goes among others sent at once: a batch id (a ULID) and its index. */
export interface Placement {
  batch: string;
  index: number;
}

/**
 * One request through XMLHttpRequest, the only browser API that reports upload
 * progress. Resolves with the parsed JSON body of a 2xx answer.
 */
function send<T>(
  method: string,
  url: string,
  body: Blob | null,
  onProgress?: Progress,
  apiKey?: string,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    if (apiKey) xhr.setRequestHeader('Authorization', `Bearer ${apiKey}`);
    if (body) xhr.setRequestHeader('Content-Type', body.type || 'application/octet-stream');
    if (onProgress) xhr.upload.onprogress = (event) => onProgress(event.loaded, event.total);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        try {
          resolve((xhr.responseText ? JSON.parse(xhr.responseText) : {}) as T);
        } catch {
          resolve({} as T);
        }
      } else {
        reject(apiErrorOf(xhr.status, xhr.responseText));
      }
    };
    xhr.onerror = () => reject(new ApiError(UNREACHABLE, 0));
    xhr.ontimeout = xhr.onerror;
    xhr.send(body);
  });
}

async function call<T>(method: string, url: string, apiKey?: string, json?: unknown): Promise<T> {
  let response: Response;
  try {
    const headers: Record<string, string> = apiKey ? { Authorization: `Bearer ${apiKey}` } : {};
    if (json !== undefined) headers['Content-Type'] = 'application/json';
    const body = json === undefined ? null : JSON.stringify(json);
    response = await fetch(url, { method, headers, body });
  } catch {
    throw new ApiError(UNREACHABLE, 0);
  }
  const text = await response.text();
  if (!response.ok) throw apiErrorOf(response.status, text);
  return JSON.parse(text) as T;
}

/**
 * Where the API key comes from and what happens when the API refuses it (401, the
 * server has API_KEYS). Only calls to the API carry the key: presigned links (the
 * two-step upload's PUT, image and grid URLs) carry their own signature, and on S3
 * an Authorization header next to it would make the request fail.
 */
export interface KeyGate {
  /** The key to send, if the user gave one. */
  current(): string | undefined;
  /** The API said 401 with `message`: resolves once the user has given a key to retry with. */
  refused(message: string): Promise<void>;
}

/**
 * Called with true while a call waits for the user to give an API key, false when it is
 * about to retry; the retry waits for a promise returned (a build lets uploads go first).
 */
export type WaitingForKey = (waiting: boolean) => void | Promise<void>;

export class GridBuilderApi {
  /**
   * Orders are sent one at a time, in the order asked for, so the last one asked for is
   * the one kept; a build waits for them, so it builds the order the page shows.
   */
  private ordersSaved: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly base: string,
    private readonly keys: KeyGate,
  ) {}

  private url(path: string): string {
    return `${this.base}${path}`;
  }

  /**
   * Runs an API call with the current key; on 401 waits for the user to give one, then
   * tries again (a wrong key is refused again, with the server's message, and so on).
   * A call refused with a key that has been replaced meanwhile retries at once.
   */
  private async authorized<T>(
    attempt: (apiKey: string | undefined) => Promise<T>,
    onWaiting?: WaitingForKey,
  ): Promise<T> {
    for (;;) {
      const apiKey = this.keys.current();
      try {
        return await attempt(apiKey);
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 401)) throw error;
        if (this.keys.current() !== apiKey) continue;
        onWaiting?.(true);
        await this.keys.refused(error.message);
        await onWaiting?.(false);
      }
    }
  }

  /** The page's link to the API docs, wherever the API runs. */
  get docsUrl(): string {
    return this.url('/docs');
  }

  /**
   * Adds one image; files over TWO_STEP_THRESHOLD go through the two-step upload. The
   * placement (its batch and index) gives it its place in the grid, whatever the order
   * in which uploads arrive.
   */
  async upload(
    gridId: string,
    file: File,
    placement: Placement,
    onProgress: Progress,
    onWaiting?: WaitingForKey,
  ): Promise<ImageSaved> {
    const place = new URLSearchParams({
      batch: placement.batch,
      index: String(placement.index),
    });
    if (file.size <= TWO_STEP_THRESHOLD) {
      const url = this.url(`/add_image?uniqueGridId=${encodeURIComponent(gridId)}&${place}`);
      return this.authorized(
        (apiKey) => send<ImageSaved>('POST', url, file, onProgress, apiKey),
        onWaiting,
      );
    }
    const upload = await this.authorized(
      (apiKey) =>
        call<UploadCreated>(
          'POST',
          this.url(`/grids/${encodeURIComponent(gridId)}/uploads?${place}`),
          apiKey,
        ),
      onWaiting,
    );
    // The presigned PUT: no key (see KeyGate).
    await send('PUT', upload.upload_url, file, onProgress);
    return this.authorized(
      (apiKey) => call<ImageSaved>('POST', upload.confirm_url, apiKey),
      onWaiting,
    );
  }

  list(gridId: string): Promise<GridListing> {
    const url = this.url(`/grids/${encodeURIComponent(gridId)}`);
    return this.authorized((apiKey) => call('GET', url, apiKey));
  }

  remove(gridId: string, imageId: string): Promise<unknown> {
    const path = `/grids/${encodeURIComponent(gridId)}/images/${encodeURIComponent(imageId)}`;
    return this.authorized((apiKey) => call('DELETE', this.url(path), apiKey));
  }

  /** Stores the grid's order: `imageIds` names every image of the grid exactly once. */
  setOrder(gridId: string, imageIds: readonly string[]): Promise<unknown> {
    const url = this.url(`/grids/${encodeURIComponent(gridId)}/order`);
    const saved = this.ordersSaved.then(() =>
      this.authorized((apiKey) => call('PUT', url, apiKey, { image_ids: imageIds })),
    );
    this.ordersSaved = saved.catch(() => undefined);
    return saved;
  }

  async build(
    gridId: string,
    options: BuildOptions,
    onWaiting?: WaitingForKey,
  ): Promise<GridBuilt> {
    await this.ordersSaved;
    const query = new URLSearchParams({ uniqueGridId: gridId });
    if (options.tileSize !== undefined) query.set('tileSize', String(options.tileSize));
    if (options.columns !== undefined) query.set('columns', String(options.columns));
    if (options.format) query.set('format', options.format);
    const url = this.url(`/generate_grid?${query}`);
    return this.authorized((apiKey) => call('POST', url, apiKey), onWaiting);
  }
}

/**
 * Where the API is: `apiUrl` from config.json next to index.html (a deployer sets it
 * when the page and the API live on different origins), else this page's origin.
 */
export async function resolveApiBase(): Promise<string> {
  try {
    const response = await fetch(new URL('./config.json', location.href), { cache: 'no-cache' });
    if (response.ok) {
      const config = (await response.json()) as { apiUrl?: unknown };
      if (typeof config.apiUrl === 'string' && config.apiUrl.trim()) {
        return config.apiUrl.trim().replace(/\/+$/, '');
      }
    }
  } catch {
    // No or unreadable config.json: the API is on this origin.
  }
  return location.origin;
}
