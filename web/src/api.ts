/**
 * The GridBuilder HTTP API as the page uses it: the shared client (src/client) over
 * XMLHttpRequest where an upload's progress shows and fetch elsewhere, its errors in
 * the page's words, and the page's own API-key gate and ordering of order saves.
 */

import {
  ApiClient,
  ApiError,
  type BuildOptions,
  type CallOptions,
  type ErrorWords,
  type GridBuilt,
  type GridListing,
  type ImageSaved,
  type Placement,
  type Progress,
  type Transport,
} from '../../src/client/api-client.js';
import { fetchTransport } from '../../src/client/fetch-transport.js';
import { xhrTransport } from '../../src/client/xhr-transport.js';
import { pageRefusalWords, pageWords } from './error-words.js';

export {
  ApiError,
  type BuildOptions,
  type GridBuilt,
  type GridImage,
  type GridListing,
  type ImageSaved,
  type Placement,
} from '../../src/client/api-client.js';

const UNREACHABLE = 'Could not reach the GridBuilder server: check your connection and try again.';

/** The page's words for the API's `code`, else the server's own message, else the status. */
export const pageErrorWords: ErrorWords = {
  failure({ status, body, storage }) {
    if (storage) return pageRefusalWords(status, storage);
    if (body) return pageWords(body) ?? body.message;
    // Not JSON (a proxy's or storage's error page): the status says enough.
    if (status === 413) return 'The file is too large for the server.';
    if (status === 403) return 'The upload link was refused (expired or invalid): try again.';
    return `The server answered with HTTP ${status}.`;
  },
  unreachable: () => UNREACHABLE,
};

const fetching = fetchTransport();
/** XMLHttpRequest is the only browser API that reports upload progress. */
const transport: Transport = (request) =>
  request.onProgress ? xhrTransport(request) : fetching(request);

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

interface PageCall extends CallOptions {
  onWaiting?: WaitingForKey | undefined;
}

export class GridBuilderApi {
  private readonly client: ApiClient<PageCall>;
  /**
   * Orders are sent one at a time, in the order asked for, so the last one asked for is
   * the one kept; a build waits for them, so it builds the order the page shows.
   */
  private ordersSaved: Promise<unknown> = Promise.resolve();

  constructor(
    base: string,
    private readonly keys: KeyGate,
  ) {
    this.client = new ApiClient<PageCall>({
      baseUrl: base,
      transport,
      words: pageErrorWords,
      authorize: (attempt, { onWaiting }) => this.authorized(attempt, onWaiting),
    });
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
    return `${this.client.baseUrl}/docs`;
  }

  /**
   * Adds one image, with its file's name; big files go through the two-step upload. The
   * placement (its batch and index) gives it its place in the grid, whatever the order
   * in which uploads arrive.
   */
  upload(
    gridId: string,
    file: File,
    placement: Placement,
    onProgress: Progress,
    onWaiting?: WaitingForKey,
  ): Promise<ImageSaved> {
    return this.client.upload(gridId, file, { placement, name: file.name, onProgress, onWaiting });
  }

  list(gridId: string): Promise<GridListing> {
    return this.client.listImages(gridId);
  }

  remove(gridId: string, imageId: string): Promise<unknown> {
    return this.client.deleteImage(gridId, imageId);
  }

  /** Stores the grid's order: `imageIds` names every image of the grid exactly once. */
  setOrder(gridId: string, imageIds: readonly string[]): Promise<unknown> {
    const saved = this.ordersSaved.then(() => this.client.reorder(gridId, imageIds));
    this.ordersSaved = saved.catch(() => undefined);
    return saved;
  }

  /**
   * Builds the grid; a build the server runs in the background reports its tiles placed
   * to `onProgress` until it is done.
   */
  async build(
    gridId: string,
    options: BuildOptions,
    onWaiting?: WaitingForKey,
    onProgress?: (tilesDone: number, tilesTotal: number) => void,
  ): Promise<GridBuilt> {
    await this.ordersSaved;
    return this.client.buildGrid(gridId, options, { onWaiting, onProgress });
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
