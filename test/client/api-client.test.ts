import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiClient,
  ApiError,
  TWO_STEP_THRESHOLD,
  UnauthorizedError,
  UnreachableError,
} from '../../src/client/api-client.js';
import { fetchTransport } from '../../src/client/fetch-transport.js';
import { newImageId } from '../../src/core/ids.js';
import { type HeaderRecorder, startHeaderRecorder } from '../support/header-recorder.js';
import { noisyPng, RED, solidImage } from '../support/images.js';
import { removeDataDir, startTestServer, type TestServer } from '../support/local-server.js';

const KEY = 'client-test-key-0123456789abcdef';

let server: TestServer;
let front: HeaderRecorder;

beforeAll(async () => {
  server = await startTestServer({ API_KEYS: KEY });
  front = await startHeaderRecorder(server.url);
});
afterAll(async () => {
  await front?.stop();
  await server?.close();
  if (server) removeDataDir(server);
});

const client = (apiKey?: string) =>
  new ApiClient({ baseUrl: `${front.url}/`, transport: fetchTransport(), apiKey });

const bytesOf = (buffer: Buffer) => new Uint8Array(buffer);

describe('the shared API client over fetch', () => {
  it('sends a small image in one request and a big one in two steps, the key only to the API', async () => {
    const small = bytesOf(await solidImage(RED, 40, 30));
    const big = bytesOf(await noisyPng());
    expect(big.byteLength).toBeGreaterThan(TWO_STEP_THRESHOLD);

    front.requests.length = 0;
    const api = client(KEY);
    const one = await api.upload('client-grid', small, {
      placement: { batch: newImageId(), index: 0 },
    });
    const two = await api.upload('client-grid', big);
    expect(
      front.requests.map((r) => `${r.method} ${r.path} ${r.authorization !== undefined}`),
    ).toEqual([
      'POST /add_image true',
      'POST /grids/client-grid/uploads true',
      expect.stringMatching(/^PUT \/files\/.* false$/),
      expect.stringMatching(/^POST \/grids\/client-grid\/uploads\/.* true$/),
    ]);

    const listing = await api.listImages('client-grid');
    expect(listing.images.map((image) => image.image_id)).toEqual([one.image_id, two.image_id]);
    const built = await api.buildGrid('client-grid', { tileSize: 20, format: 'png' });
    const grid = await api.download(built.presigned_url);
    expect(Buffer.from(grid.subarray(1, 4)).toString('latin1')).toBe('PNG');
  });

  it('lists a grid longer than a page whole, following next_cursor page after page', async () => {
    const api = client(KEY);
    const bytes = bytesOf(await solidImage(RED, 8, 8, 'png'));
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await api.upload('client-pages', bytes)).image_id);
    front.requests.length = 0;
    const listing = await api.listImages('client-pages', { pageSize: 2 });
    expect(listing.images.map((image) => image.image_id)).toEqual(ids);
    expect(listing).toMatchObject({ image_count: 5, next_cursor: null });
    expect(front.requests.map((r) => `${r.method} ${r.path}`)).toEqual(
      Array(3).fill('GET /grids/client-pages'),
    );
  });

  it('turns an error answer into an ApiError with the contract’s status, code and param', async () => {
    const error = await client(KEY)
      .buildGrid('client-grid', { tileSize: 1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, code: 'invalid_parameter', param: 'tileSize' });
    expect((error as ApiError).message).toMatch(/tileSize/);
  });

  it('words an error with the place’s own words, given what the call was about', async () => {
    const api = new ApiClient({
      baseUrl: front.url,
      transport: fetchTransport(),
      apiKey: KEY,
      words: {
        failure: (failure, about) => `${failure.body?.code} on ${about.grid}/${about.image}`,
        unreachable: () => 'gone',
      },
    });
    await expect(api.deleteImage('client-grid', '01ARZ3NDEKTSV4RRFFQ69G5FAV')).rejects.toThrow(
      'image_not_found on client-grid/01ARZ3NDEKTSV4RRFFQ69G5FAV',
    );
  });

  it('answers 401 with an UnauthorizedError, and no answer with an UnreachableError', async () => {
    await expect(client().listImages('client-grid')).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(client('wrong-key-0123456789abcdef').listImages('x')).rejects.toMatchObject({
      status: 401,
      code: 'api_key_invalid',
    });

    const closed = await freePort();
    const error = await new ApiClient({
      baseUrl: `http://127.0.0.1:${closed}`,
      transport: fetchTransport(),
    })
      .listImages('x')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnreachableError);
    expect((error as Error).message).toBe(
      `Could not reach http://127.0.0.1:${closed} (ECONNREFUSED).`,
    );
  });

  it('says what a non-JSON error page said', async () => {
    // A front whose upstream is gone answers 502 with a plain-text page.
    const broken = await startHeaderRecorder(`http://127.0.0.1:${await freePort()}`);
    try {
      const error = await new ApiClient({ baseUrl: broken.url, transport: fetchTransport() })
        .listImages('x')
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiError);
      expect(error).toMatchObject({ status: 502, code: undefined });
      expect((error as ApiError).message).toMatch(
        /^The server answered HTTP 502: Error: connect ECONNREFUSED/,
      );
    } finally {
      await broken.stop();
    }
  });
});

/** A port nothing listens on: bound once, then closed. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
